"""What a signed-in account must do before it may use the portal. Reads only; settings are read
at call time so that a test (or a changed deployment) sees its own values.

The steps come in a fixed order: the second factor of an enrolled account first (until then the
session is only half signed in and may not even change its password), then a forced password
change, then the enrolment of a second factor that the account's role requires.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device

from portal.org.models import User

SSO_BACKEND = "portal.accounts.backends.ProvincialIdentityBackend"
# Whether the signed-in account has a confirmed second factor, kept in its session so that a
# page request costs no query for it; set at sign-in, enrolment and verification.
DEVICE_SESSION_KEY = "accounts_has_device"


@dataclass(frozen=True)
class Step:
    """A step the account must take: the page that takes it and what an API client is told."""

    name: str
    view_name: str
    message: Promise
    also_allowed: frozenset[str] = frozenset()


OTP_VERIFY = Step(
    "otp_verify",
    "accounts:otp_verify",
    _("Enter the code of your authenticator app to finish signing in."),
)
PASSWORD_CHANGE = Step(
    "password_change",
    "accounts:password_change",
    _("The password of this account must be changed: sign in to the portal to change it."),
)
OTP_ENROL = Step(
    "otp_enrol",
    "accounts:otp_setup",
    _("Your role requires a second factor: set up an authenticator app in the portal first."),
    frozenset({"accounts:otp_qr"}),
)


def password_expired(user: User) -> bool:
    """Whether the password is older than TIANFU_PASSWORD_MAX_AGE_DAYS (0: never expires).

    An account whose password was set before the policy (or by create_user, which bypasses
    set_password's bookkeeping) counts from the day it joined.
    """
    days = settings.TIANFU_PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    changed = user.password_changed_at or user.date_joined
    return timezone.now() - changed > timedelta(days=days)


def must_change_password(user: User) -> bool:
    """Whether the account's password must be replaced: flagged, or expired.

    An account without a usable password (single sign-on only) has nothing to change.
    """
    if not user.has_usable_password():
        return False
    return user.must_change_password or password_expired(user)


def otp_required(user: User) -> bool:
    """Whether the account's role must have a second factor (TIANFU_OTP_REQUIRED_ROLES)."""
    return user.role in settings.TIANFU_OTP_REQUIRED_ROLES


def signed_in_with_password(request: HttpRequest) -> bool:
    """False for a session opened by single sign-on, where no local password was used."""
    return request.session.get(BACKEND_SESSION_KEY) != SSO_BACKEND


def has_device(request: HttpRequest) -> bool:
    """Whether the signed-in account has a confirmed second factor (cached in the session)."""
    known = request.session.get(DEVICE_SESSION_KEY)
    if known is None:
        known = user_has_device(request.user)
        request.session[DEVICE_SESSION_KEY] = known
    return known


def pending_step(request: HttpRequest) -> Step | None:
    """The first step the signed-in account of ``request`` has yet to take, if any."""
    user = request.user
    if user.is_verified():
        return _after_second_factor(request, enrolled=True)
    if has_device(request):
        return OTP_VERIFY
    return _after_second_factor(request, enrolled=False)


def _after_second_factor(request: HttpRequest, *, enrolled: bool) -> Step | None:
    user = request.user
    if signed_in_with_password(request) and must_change_password(user):
        return PASSWORD_CHANGE
    if not enrolled and otp_required(user):
        return OTP_ENROL
    return None


def token_step(user: User) -> Step | None:
    """The step that refuses an API token of ``user``: only a password that must change.

    A token is a credential of its own, issued by the security administrator, so the second
    factor (a property of interactive sessions) does not apply to it.
    """
    return PASSWORD_CHANGE if must_change_password(user) else None
