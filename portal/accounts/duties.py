"""The accounts the web admin and single sign-on leave alone.

The three administrator duties of MLPS level 3 watch one another: if the security administrator
could set the audit administrator's password or open a second security account, the separation
would be gone. Those accounts are managed only from the server shell (create_admin_accounts,
reset_admin_account). Accounts whose role needs a second factor get no API token, which would
skip it.
"""

from typing import Any

from django.conf import settings

from portal.org.choices import Role

# In the order checks and messages list them.
ADMIN_DUTIES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def holds_admin_duty(user: Any) -> bool:
    return getattr(user, "role", None) in ADMIN_DUTIES


def needs_second_factor(user: Any) -> bool:
    return getattr(user, "role", None) in settings.TIANFU_OTP_REQUIRED_ROLES


def may_hold_token(user: Any) -> bool:
    """Whether an API token may be issued for ``user``: never for an account that signs in with
    a second factor or holds an administrator duty."""
    return not (holds_admin_duty(user) or needs_second_factor(user))
