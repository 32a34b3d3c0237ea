"""The REST API's token scheme, read once a request (kept apart from portal.accounts.desktop,
which DRF's settings name: this module imports nothing that reads those settings)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from portal.accounts.duties import may_hold_token


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token scheme, looked up once a request, with the account's unit and division.

    AccountPolicyMiddleware reads the token before the view (to refuse an account whose password
    must change) and DRF reads it again inside; scoping then reads the unit and its division. On
    a 1,000-feature page those three extra queries were a tenth of the time.
    """

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        underlying = request._request if isinstance(request, Request) else request
        found = underlying.__dict__.get("_tianfu_token")
        if found is None:
            found = super().authenticate(request)
            underlying.__dict__["_tianfu_token"] = found
        return found  # type: ignore[no-any-return]

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        # The division's boundary is the largest value on the way and scoping needs its code only.
        tokens = self.get_model().objects.select_related("user__unit__division")
        tokens = tokens.defer("user__unit__division__geom")
        token = tokens.filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if not may_hold_token(token.user):
            # Checked at every use, not only when the token was issued: an account given a role
            # that signs in with a second factor (or an administrator duty) since then must not
            # keep a way in that skips it.
            raise exceptions.AuthenticationFailed(
                _("This account's role may not use an API token; sign in to the portal.")
            )
        return token.user, token
