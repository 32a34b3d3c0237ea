"""Credentials a desktop GIS client can send: an API token in a header, or HTTP Basic over TLS.

A token (``Authorization: Token <key>``) is issued by the security administrator, as for the
REST API. HTTP Basic sends the password with every request, so it is accepted only on a secure
connection (HTTPS, or a proxy that says so in X-Forwarded-Proto when TIANFU_HTTPS is on), goes
through the same lockout and the same audit as the sign-in page (django-axes counts a failure
per user name and address), and is refused to an account that signs in with a second factor:
Basic cannot carry the code, and a password alone must not open what the sign-in page guards
with two.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from rest_framework import exceptions, status
from rest_framework.authentication import (
    BasicAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.request import Request

from portal.accounts import policy
from portal.accounts.duties import may_hold_token
from portal.accounts.lockout import cool_off
from portal.accounts.tokens import CachedTokenAuthentication

REALM = "Tianfu Atlas"


class SignInPausedError(exceptions.APIException):
    """The user name is locked out from this address (429, like the sign-in page's lockout):
    not a 401, which would make QGIS ask for the password again and restart the pause."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, request: HttpRequest) -> None:
        started = getattr(request, "axes_attempt_time", None) or timezone.now()
        pause = cool_off(request)
        self.wait = int(pause.total_seconds())  # Retry-After, from DRF's handler and the tiles
        retry_at = dateformat.format(timezone.localtime(started + pause), "Y-m-d H:i")
        super().__init__(
            _("Sign-in is paused after too many failed attempts. Try again after %(time)s.")
            % {"time": retry_at}
        )


class TLSBasicAuthentication(BasicAuthentication):
    """HTTP Basic, only over TLS and only for accounts without a second factor."""

    www_authenticate_realm = REALM

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != b"basic":
            return None
        if not request.is_secure():
            # The password has crossed the network in clear already: it is not checked, so
            # the request learns nothing, and the client is told how to connect instead.
            raise exceptions.AuthenticationFailed(
                _(
                    "HTTP Basic is accepted only over HTTPS; connect with https:// or send an "
                    "API token (Authorization: Token <key>)."
                )
            )
        return super().authenticate(request)  # type: ignore[no-any-return]

    def authenticate_credentials(
        self, userid: str, password: str, request: Any = None
    ) -> tuple[Any, None]:
        if "\x00" in userid or "\x00" in password:
            # The sign-in form refuses NUL too; PostgreSQL cannot even look such a name up.
            raise exceptions.AuthenticationFailed(_("Invalid username/password."))
        user = _check_password(django_request(request), userid, password)
        if not may_hold_token(user):
            # Administrator duties and roles that must use a second factor: no desktop access.
            raise exceptions.PermissionDenied(
                _(
                    "This account's role signs in with a second factor, which a desktop client "
                    "cannot carry: use the portal in a browser."
                )
            )
        if user_has_device(user):
            raise exceptions.PermissionDenied(
                _(
                    "This account signs in with a second factor, which HTTP Basic cannot carry: "
                    "ask the security administrator for an API token."
                )
            )
        if policy.must_change_password(user):
            raise exceptions.PermissionDenied(str(policy.PASSWORD_CHANGE.message))
        return user, None


def django_request(request: Any) -> HttpRequest:
    """The Django request under DRF's. Django's ``authenticate`` must get this one: axes marks a
    lockout on it, and the audit of a failure reads its ``user``, which on DRF's request would
    start the authentication again (endless recursion)."""
    return request._request if isinstance(request, Request) else request


def _check_password(request: HttpRequest, username: str, password: str) -> Any:
    """The active account with this name and password, through the backends as the sign-in
    page checks it: axes refuses a locked name first (the password is then not checked), and a
    failure is counted and audited by the ``user_login_failed`` receivers."""
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        # Answered here in JSON; AxesMiddleware would replace the answer with the HTML page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise SignInPausedError(request)
    if user is None:
        # The same words for a wrong password, an unknown name, an inactive account and one
        # that signs in only through single sign-on (no usable password).
        raise exceptions.AuthenticationFailed(_("Invalid username/password."))
    return user


# Token first: a client that sends one never has its header read as Basic.
AUTHENTICATION_CLASSES = [
    CachedTokenAuthentication,
    TLSBasicAuthentication,
    SessionAuthentication,
]


def challenge(request: HttpRequest) -> str:
    """The ``WWW-Authenticate`` of a 401: Basic where it would be accepted (so QGIS and GDAL
    ask for a user name and password), the token scheme otherwise."""
    if request.is_secure():
        return f'Basic realm="{REALM}", charset="UTF-8"'
    return "Token"


def authenticate_desktop(request: HttpRequest) -> Any | None:
    """The user of a request carrying a token or Basic credentials (for the tile views, which
    are plain Django views); None without such a header. A refused credential raises DRF's
    ``APIException`` with the status and the reason."""
    for authenticator in (CachedTokenAuthentication(), TLSBasicAuthentication()):
        found = authenticator.authenticate(request)
        if found is not None:
            user = found[0]
            step = policy.token_step(user)
            if step is not None:
                raise exceptions.PermissionDenied(str(step.message))
            return user
    return None
