"""Single sign-on with the provincial identity, end to end against a real OpenID Connect
provider on loopback (tests/portal/accounts/oidc_provider.py): an identity signs in the account
of the same user name, and nothing else — no account is created, no role is granted."""

from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse

from portal.accounts.policy import SSO_BACKEND
from portal.org.choices import Role
from portal.org.models import User
from tests.factories import UserFactory
from tests.portal.accounts.helpers import code_of, enrolled
from tests.portal.accounts.oidc_provider import Provider

pytestmark = pytest.mark.django_db

START = "/oidc/authenticate/"


@pytest.fixture
def provider(settings):
    with Provider() as running:
        for name, value in running.settings().items():
            setattr(settings, name, value)
        yield running


def single_sign_on(client, provider: Provider, username: str, next: str = "/map/"):
    """The browser's round trip: portal → provider (who signs in ``username``) → portal."""
    start = client.get(START, {"next": next})
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.issuer}/authorize?")
    provider.username = username
    back = urlsplit(provider.authorize(start["Location"]))
    assert back.path == "/oidc/callback/"
    return client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})


def test_the_identity_signs_in_the_account_of_the_same_name(client, provider, officer):
    response = single_sign_on(client, provider, "officer")
    assert response["Location"] == "/map/"
    assert client.session["_auth_user_id"] == str(officer.pk)
    assert client.session[BACKEND_SESSION_KEY] == SSO_BACKEND
    assert client.get("/map/").status_code == 200


def test_the_request_to_the_provider_carries_state_nonce_and_pkce(client, provider):
    start = client.get(START)
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["client_id"] == ["tianfu-atlas"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    assert {"state", "nonce", "code_challenge"} <= set(query)
    assert query["scope"] == ["openid profile"]


def test_an_unknown_identity_creates_nothing(client, provider):
    heard = []

    def listen(sender, credentials, request=None, **kwargs):
        heard.append(sender)

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the message is written in the callback's
    before = User.objects.count()
    user_login_failed.connect(listen)
    try:
        response = single_sign_on(client, provider, "stranger")
    finally:
        user_login_failed.disconnect(listen)
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == before
    assert heard  # the audit hears of the failed sign-in
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign-in with the provincial identity did not succeed." in page


def test_an_inactive_account_is_not_signed_in(client, provider):
    UserFactory(username="retired", is_active=False)
    assert single_sign_on(client, provider, "retired")["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_roles_stay_what_the_security_administrator_granted(client, provider):
    viewer = UserFactory(username="reader", role="viewer", is_staff=False)
    provider.extra_claims = {"role": "security_admin", "roles": ["security_admin"]}
    single_sign_on(client, provider, "reader")
    viewer.refresh_from_db()
    assert (viewer.role, viewer.is_staff, viewer.is_superuser) == ("viewer", False, False)


def test_a_token_from_another_issuer_is_refused(client, provider, officer):
    provider.extra_claims = {"iss": "http://127.0.0.1:1/someone-else"}
    assert single_sign_on(client, provider, "officer")["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_token_for_another_client_is_refused(client, provider, officer):
    provider.extra_claims = {"aud": "another-portal"}
    assert single_sign_on(client, provider, "officer")["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_an_expired_token_is_refused(client, provider, officer):
    provider.extra_claims = {"exp": 1_000_000_000}  # September 2001
    assert single_sign_on(client, provider, "officer")["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_token_signed_with_another_key_is_refused(client, provider, officer):
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert single_sign_on(client, provider, "officer")["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_replayed_answer_is_refused(client, provider, officer):
    start = client.get(START)
    provider.username = "officer"
    back = urlsplit(provider.authorize(start["Location"]))
    params = {k: v[0] for k, v in parse_qs(back.query).items()}
    assert client.get(back.path, params)["Location"] == reverse("core:home")
    assert client.get(back.path, params)["Location"] == reverse("login")
    other = type(client)()
    assert other.get(back.path, params)["Location"] == reverse("login")
    assert "_auth_user_id" not in other.session


def test_a_code_on_the_password_form_starts_no_exchange(client, provider, officer):
    requests_before = provider.token_requests
    response = client.post(
        f"{reverse('login')}?code=stolen&state=whatever",
        {"username": "officer", "password": "Wrong-Password-1"},
    )
    assert response.status_code == 200
    assert provider.token_requests == requests_before


def test_the_second_factor_still_applies_but_not_the_password_change(client, provider):
    user = UserFactory(username="officer", must_change_password=True)
    device = enrolled(user)
    single_sign_on(client, provider, "officer")
    verify = reverse("accounts:otp_verify")
    assert client.get("/map/")["Location"].startswith(verify)
    client.post(verify, {"code": code_of(device)})
    assert client.get("/map/").status_code == 200


def test_the_login_page_offers_single_sign_on_only_when_configured(client, settings):
    label = "Sign in with provincial identity"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert label not in page
    assert client.get(START).status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404
    with Provider() as running:
        for name, value in running.settings().items():
            setattr(settings, name, value)
        page = client.get(f"{reverse('login')}?next=/map/", HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="{START}?next=/map/"' in page.content.decode()
    assert label in page.content.decode()


# -- what single sign-on refuses (review findings) ---------------------------------------------


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_an_identity_never_signs_in_an_administrator(client, provider, role):
    UserFactory(username="secadmin", role=role)
    response = single_sign_on(client, provider, "secadmin")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_locked_user_name_is_not_signed_in_by_the_identity(client, provider, officer):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "officer", "password": "Wrong-Password-1"})
    response = single_sign_on(client, provider, "officer")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(("subject", "signed_in"), [("sub-officer", True), ("sub-other", False)])
def test_userinfo_must_be_of_the_id_tokens_subject(
    client, provider, settings, officer, subject, signed_in
):
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.issuer}/userinfo"
    provider.userinfo = {"sub": subject, "preferred_username": "officer"}
    response = single_sign_on(client, provider, "officer")
    assert (response["Location"] == reverse("login")) is not signed_in
    assert ("_auth_user_id" in client.session) is signed_in
