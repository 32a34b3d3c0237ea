"""Deploy checks of the separation of duties (MLPS level 3), run by ``manage.py check --deploy``.

In production the system, security and audit administrators are three accounts with one role
each (``User.role`` holds one role, so no account can combine two duties), and no superuser is
needed: one that is still active is a warning, and so is a duty nobody holds.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from portal.accounts.duties import ADMIN_DUTIES
from portal.org.models import User

BOOTSTRAP = "python manage.py create_admin_accounts --unit <unit>"


def check_duties(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """org.W001: an active superuser; org.W002: an administrator duty without an active account."""
    if settings.MODE != "production":
        return []
    if app_configs is not None and not any(config.label == "org" for config in app_configs):
        return []
    try:
        superusers = list(active().filter(is_superuser=True).values_list("username", flat=True))
        held = set(active().filter(role__in=ADMIN_DUTIES).values_list("role", flat=True))
    except DatabaseError:
        # Unreachable or not yet migrated: the database checks report that, not this one.
        return []
    return [*_superuser_warnings(superusers), *_duty_warnings(held)]


def active() -> Any:
    return User.objects.filter(is_active=True)


def _superuser_warnings(usernames: list[str]) -> list[checks.CheckMessage]:
    if not usernames:
        return []
    return [
        checks.Warning(
            f"Active superuser accounts: {', '.join(sorted(usernames))}.",
            hint=(
                "A superuser holds every duty at once. Create the system, security and audit "
                f"administrators ({BOOTSTRAP}), then deactivate the superusers."
            ),
            id="org.W001",
        )
    ]


def _duty_warnings(held: set[str]) -> list[checks.CheckMessage]:
    return [
        checks.Warning(
            f"No active account holds the role {role.value!r} ({role.label}).",
            hint=f"Create the administrator accounts with {BOOTSTRAP}.",
            id="org.W002",
        )
        for role in ADMIN_DUTIES
        if role.value not in held
    ]
