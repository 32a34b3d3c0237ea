"""Demo accounts for ``make demo``: created once, never in production mode."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from portal.core.exceptions import PortalError


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    description: str


# Listed in README.md; the passwords are public, so these accounts exist only in demo mode.
ADMIN = DemoAccount("demo-admin", "Tianfu-Demo-2026!", "system administrator (Django admin)")
ACCOUNTS = (ADMIN,)


class DemoRefusedError(PortalError):
    default_message = "demo data is loaded only when TIANFU_MODE=demo"


@transaction.atomic
def ensure_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts that are missing; existing ones keep their passwords."""
    if settings.MODE != "demo":
        raise DemoRefusedError()
    user_model = get_user_model()
    for account in ACCOUNTS:
        user, created = user_model.objects.get_or_create(
            username=account.username, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(account.password)
            user.save(update_fields=["password"])
    return list(ACCOUNTS)
