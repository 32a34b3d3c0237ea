from typing import Any

from django.conf import settings
from django.core.checks import Error

from portal.org.choices import Role


def check_otp_roles(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """TIANFU_OTP_REQUIRED_ROLES names roles that exist: a typo would silently exempt a role."""
    unknown = sorted(set(settings.TIANFU_OTP_REQUIRED_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [
        Error(
            f"TIANFU_OTP_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}",
            hint=f"Use some of: {', '.join(Role.values)}",
            id="accounts.E001",
        )
    ]
