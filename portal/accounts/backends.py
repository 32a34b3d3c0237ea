"""Single sign-on with the provincial identity provider (OpenID Connect).

The provider says who the person is; the portal decides what they may do. A verified identity
signs in the existing, active account whose user name equals the identity's username claim
(TIANFU_OIDC_USERNAME_CLAIM); nothing is created, and roles stay what the security
administrator granted. The claim must be one the provider never lets a person change
(docs/operations.md). Administrator accounts never sign in this way, nor a user name that the
password lockout currently holds: a provider identity named "secadmin" is not the security
administrator, and single sign-on is no way around the lockout.
"""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from portal.accounts.duties import ADMIN_DUTIES
from portal.org.models import User

REQUIRED_SETTINGS = (
    "TIANFU_OIDC_ISSUER",
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


def sso_enabled() -> bool:
    """Whether single sign-on is configured (settings.py refuses a half configuration)."""
    return all(getattr(settings, name, "") for name in REQUIRED_SETTINGS)


class ProvincialIdentityBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, mapped onto existing accounts by user name."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback view passes a nonce: a password sign-in whose URL happens to carry
        # ?code=&state= must not start a token exchange with a code it did not obtain.
        if not sso_enabled() or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks the signature, expiry and nonce; the issuer and audience too."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss") != settings.TIANFU_OIDC_ISSUER:
            raise SuspiciousOperation("ID token from another issuer")
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict[str, Any]:
        """The signed ID token's claims, or the userinfo endpoint's when one is configured."""
        if settings.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            # OpenID Connect Core 5.3.2: userinfo of another subject must not be used.
            if userinfo.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo of another subject than the ID token")
            return userinfo
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get(settings.TIANFU_OIDC_USERNAME_CLAIM))

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return f"user name {claims.get(settings.TIANFU_OIDC_USERNAME_CLAIM)!r}"

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        username = claims.get(settings.TIANFU_OIDC_USERNAME_CLAIM)
        accounts = User.objects.filter(username=username, is_active=True)
        if AxesProxyHandler.is_locked(self.request, credentials={"username": username}):
            return accounts.none()
        return accounts.exclude(role__in=ADMIN_DUTIES)

    def create_user(self, claims: dict[str, Any]) -> User:
        # OIDC_CREATE_USER is off; this refuses even if a deployment turned it on.
        raise SuspiciousOperation("single sign-on never creates accounts")
