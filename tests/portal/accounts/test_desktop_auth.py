"""Credentials of desktop GIS clients on OGC API – Features (portal.accounts.desktop): an API token
in a header, or HTTP Basic over HTTPS only, through the sign-in page's lockout and audit, refused
to accounts with a second factor or a password that must change."""

import base64

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from portal.audits.choices import AuditAction
from portal.audits.models import AuditEvent
from portal.org.choices import Role
from tests.factories import PASSWORD, BuildingFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

ITEMS = "/ogc/collections/buildings/items"
CHALLENGE = 'Basic realm="Tianfu Atlas", charset="UTF-8"'
OVER_HTTP = (
    "HTTP Basic is accepted only over HTTPS; connect with https:// or send an API token "
    "(Authorization: Token <key>)."
)
ROLE_SECOND_FACTOR = (
    "This account's role signs in with a second factor, which a desktop client cannot carry: "
    "use the portal in a browser."
)
NO_TOKEN_FOR_ROLE = "This account's role may not use an API token; sign in to the portal."
SECOND_FACTOR = (
    "This account signs in with a second factor, which HTTP Basic cannot carry: ask the "
    "security administrator for an API token."
)
MUST_CHANGE = "The password of this account must be changed: sign in to the portal to change it."


def basic(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def get(client, authorization: str | None = None, path: str = ITEMS, *, secure: bool = True):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    return client.get(path, secure=secure, **headers)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {feature["id"] for feature in response.json()["features"]}


@pytest.fixture
def officer():
    """A unit officer with a building of their unit; another unit's building stays out."""
    user = UserFactory(username="officer")
    user.own = BuildingFactory(managing_unit=user.unit)
    BuildingFactory(managing_unit=UnitFactory(division_code="510703"))
    return user


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The user names whose password the model backend checked."""
    checked: list[str] = []
    original = ModelBackend.authenticate

    def spy(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", spy)
    return checked


def failures(username: str) -> int:
    return sum(
        AccessAttempt.objects.filter(username=username).values_list(
            "failures_since_start", flat=True
        )
    )


def audited(action: str) -> list[str]:
    return list(AuditEvent.objects.filter(action=action).values_list("username", flat=True))


# --- token -------------------------------------------------------------------------------------


def test_a_token_reads_the_users_records_over_plain_http(client, officer):
    key = Token.objects.create(user=officer).key
    assert ids(get(client, f"Token {key}", secure=False)) == {officer.own.pk}
    assert get(client, f"Token {key}", "/ogc/collections", secure=False).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_wrong_token_is_refused_and_counts_no_sign_in_failure(client, officer):
    response = get(client, "Token 0123456789abcdef0123456789abcdef01234567", secure=False)
    assert response.status_code == 401
    assert response.json() == {"code": "NotAuthenticated", "description": "Invalid token."}
    assert not AccessAttempt.objects.exists()


# --- HTTP Basic --------------------------------------------------------------------------------


def test_basic_over_https_reads_the_users_records(client, officer):
    assert ids(get(client, basic("officer"))) == {officer.own.pk}
    assert "_auth_user_id" not in client.session  # no session: every request carries it


def test_basic_takes_a_non_ascii_password(client):
    password = "天府-图集-Pass-2026!"
    user = UserFactory(username="analyst")
    user.set_password(password)
    user.save()
    assert get(client, basic("analyst", password)).status_code == 200
    latin1 = "Grüße-Pass-2026!"
    user.set_password(latin1)
    user.save()
    # RFC 7617 asks for UTF-8; a client sending Latin-1 is understood too (DRF's fallback).
    raw = base64.b64encode(f"analyst:{latin1}".encode("latin-1")).decode()
    assert get(client, f"Basic {raw}").status_code == 200


def test_basic_over_plain_http_is_refused_and_the_password_not_checked(
    client, officer, settings, password_checks
):
    for password in [PASSWORD] + ["Wrong-Password-1"] * settings.TIANFU_LOGIN_FAILURE_LIMIT:
        response = get(client, basic("officer", password), secure=False)
        assert response.status_code == 401
        assert response.json() == {"code": "NotAuthenticated", "description": OVER_HTTP}
    assert password_checks == []
    assert not AccessAttempt.objects.exists()
    assert audited(AuditAction.LOGIN_FAILED) == []
    # Nothing counted: the right password over HTTPS still works.
    assert get(client, basic("officer")).status_code == 200


def test_a_wrong_password_is_refused_counted_and_audited_like_a_sign_in(client, officer):
    response = get(client, basic("officer", "Wrong-Password-1"))
    assert response.status_code == 401
    assert response.json() == {
        "code": "NotAuthenticated",
        "description": "Invalid username/password.",
    }
    assert failures("officer") == 1
    assert audited(AuditAction.LOGIN_FAILED) == ["officer"]


def test_the_limit_of_failures_locks_the_name_and_the_right_password_is_not_checked(
    client, officer, settings, password_checks
):
    limit = settings.TIANFU_LOGIN_FAILURE_LIMIT
    answers = [get(client, basic("officer", "Wrong-Password-1")) for _ in range(limit)]
    # As on the sign-in page, the failure that reaches the limit is already answered with the pause.
    assert [answer.status_code for answer in answers] == [401] * (limit - 1) + [429]
    assert audited(AuditAction.LOCKED_OUT) == ["officer"]
    del password_checks[:]
    locked = get(client, basic("officer"))
    assert locked.status_code == 429
    assert locked.headers["Content-Type"].startswith("application/json")
    assert locked.json()["code"] == "TooManyRequests"
    assert locked.headers["Retry-After"] == str(settings.TIANFU_LOGIN_LOCKOUT_MINUTES * 60)
    assert locked.json()["description"].startswith(
        "Sign-in is paused after too many failed attempts. Try again after "
    )
    assert password_checks == []
    # Another account from the same address is not locked; a token of the locked one still works.
    UserFactory(username="colleague")
    assert get(client, basic("colleague")).status_code == 200
    key = Token.objects.create(user=officer).key
    assert ids(get(client, f"Token {key}")) == {officer.own.pk}


def test_unknown_inactive_and_sign_on_only_accounts_get_the_same_refusal(client, officer):
    UserFactory(username="left", is_active=False)
    sso = UserFactory(username="sso")
    sso.set_unusable_password()
    sso.save()
    bodies = {get(client, basic(name)).content for name in ("nobody", "left", "sso")}
    assert bodies == {get(client, basic("officer", "Wrong-Password-1")).content}
    assert {name: failures(name) for name in ("nobody", "left", "sso")} == dict.fromkeys(
        ("nobody", "left", "sso"), 1
    )


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic ",
        "Basic a b",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"officer\x00:x").decode(),
        "basic " + base64.b64encode(b"\xff\xfe:\x80").decode(),
    ],
)
def test_a_malformed_basic_header_is_a_401_not_an_error(client, officer, header):
    response = get(client, header)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "NotAuthenticated"
    assert response.headers["WWW-Authenticate"] == CHALLENGE


# --- accounts Basic must not open ---------------------------------------------------------------


def test_a_role_that_requires_a_second_factor_has_no_desktop_access(client, settings):
    """Neither Basic nor a token: the admin issues no token to such a role, and one issued before
    the account got that role is refused at every use."""
    settings.TIANFU_OTP_REQUIRED_ROLES = [Role.PROVINCE_ADMIN]
    admin = UserFactory(username="admin", role=Role.PROVINCE_ADMIN)
    response = get(client, basic("admin"))
    assert response.status_code == 403
    assert response.json() == {"code": "Forbidden", "description": ROLE_SECOND_FACTOR}
    key = Token.objects.create(user=admin).key
    by_token = get(client, f"Token {key}")
    assert by_token.status_code == 401
    assert by_token.json() == {"code": "NotAuthenticated", "description": NO_TOKEN_FOR_ROLE}


def test_an_account_with_an_authenticator_uses_a_token_not_basic(client, officer):
    TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    response = get(client, basic("officer"))
    assert response.status_code == 403
    assert response.json() == {"code": "Forbidden", "description": SECOND_FACTOR}
    key = Token.objects.create(user=officer).key
    assert ids(get(client, f"Token {key}")) == {officer.own.pk}


def test_a_password_that_must_change_refuses_basic_and_the_token(client, officer):
    officer.must_change_password = True
    officer.save(update_fields=["must_change_password"])
    by_basic = get(client, basic("officer"))
    assert by_basic.status_code == 403
    assert by_basic.json() == {"code": "Forbidden", "description": MUST_CHANGE}
    key = Token.objects.create(user=officer).key
    by_token = get(client, f"Token {key}")
    assert by_token.status_code == 403
    assert by_token.json() == {
        "code": "Forbidden",
        "description": MUST_CHANGE,
        "step": "password_change",
    }


# --- challenges ---------------------------------------------------------------------------------


def test_no_credentials_get_a_401_with_the_scheme_the_connection_allows(client, officer):
    for secure, scheme in ((True, CHALLENGE), (False, "Token")):
        for path in ("/ogc/", "/ogc/collections", ITEMS):
            response = get(client, path=path, secure=secure)
            assert response.status_code == 401
            assert response.json() == {
                "code": "NotAuthenticated",
                "description": "Authentication credentials were not provided.",
            }
            assert response.headers["WWW-Authenticate"] == scheme


def test_a_refused_basic_over_http_is_challenged_for_a_token(client, officer):
    response = get(client, basic("officer"), secure=False)
    assert response.headers["WWW-Authenticate"] == "Token"
    wrong = get(client, basic("officer", "Wrong-Password-1"))
    assert wrong.headers["WWW-Authenticate"] == CHALLENGE


def test_the_token_header_is_read_before_a_session(client, officer):
    client.force_login(UserFactory(username="someone-else"))
    key = Token.objects.create(user=officer).key
    assert ids(get(client, f"Token {key}")) == {officer.own.pk}
