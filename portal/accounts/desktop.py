"""Credentials a desktop GIS client can send: an API token in a header, or HTTP Basic over TLS.

A token (``Authorization: Token <key>``) is issued by the security administrator, as for the
REST API. HTTP Basic sends the password with every request, so it is accepted only on a secure
connection (HTTPS, or a proxy that says so in X-Forwarded-Proto when TIANFU_HTTPS is on), goes
through the same lockout as the sign-in page (django-axes counts a failure per user name and
address), and is refused to an account that signs in with a second factor: Basic cannot carry
the code, and a password alone must not open what the sign-in page guards with two.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import user_has_device
from rest_framework import exceptions
from rest_framework.authentication import (
    BasicAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)

from portal.accounts import policy

REALM = "Tianfu Atlas"


class TLSBasicAuthentication(BasicAuthentication):
    """HTTP Basic, only over TLS and only for accounts without a second factor."""

    www_authenticate_realm = REALM

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.lower().startswith("basic "):
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
        user, _none = super().authenticate_credentials(userid, password, request)
        if policy.otp_required(user) or user_has_device(user):
            raise exceptions.AuthenticationFailed(
                _(
                    "This account signs in with a second factor, which HTTP Basic cannot carry: "
                    "ask the security administrator for an API token."
                )
            )
        if policy.must_change_password(user):
            raise exceptions.AuthenticationFailed(str(policy.PASSWORD_CHANGE.message))
        return user, None


# Token first: a client that sends one never has its header read as Basic.
AUTHENTICATION_CLASSES = [TokenAuthentication, TLSBasicAuthentication, SessionAuthentication]


def challenge(request: HttpRequest) -> str:
    """The ``WWW-Authenticate`` of a 401: Basic where it would be accepted (so QGIS and GDAL
    ask for a user name and password), the token scheme otherwise."""
    if request.is_secure():
        return f'Basic realm="{REALM}", charset="UTF-8"'
    return "Token"


def authenticate_desktop(request: HttpRequest) -> Any | None:
    """The user of a request carrying a token or Basic credentials (for the tile views, which
    are plain Django views); None without such a header. A bad credential raises
    ``AuthenticationFailed`` with the reason."""
    for authenticator in (TokenAuthentication(), TLSBasicAuthentication()):
        found = authenticator.authenticate(request)
        if found is not None:
            user = found[0]
            step = policy.token_step(user)
            if step is not None:
                raise exceptions.AuthenticationFailed(str(step.message))
            return user
    return None
