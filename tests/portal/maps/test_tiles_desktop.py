"""Vector tiles and TileJSON for a desktop client without a session: the API token or HTTP Basic
over HTTPS that OGC API – Features takes (portal.accounts.desktop), refused alike."""

import base64

import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from portal.org.choices import Role
from tests.factories import PASSWORD, UserFactory
from tests.portal.maps.mvt import HERE, decode, tile_at, tile_url

pytestmark = pytest.mark.django_db

FULL = tile_at(*HERE, 14)
TILEJSON = "/tiles/assets.json"


@pytest.fixture
def analyst(tile_world):
    """A province administrator of 锦江 (internal clearance), as tile_client signs in."""
    return UserFactory(username="analyst", role=Role.PROVINCE_ADMIN, unit=tile_world.jinjiang)


def basic(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def fetch(client, path: str, authorization: str, *, secure: bool = False):
    return client.get(
        path, secure=secure, HTTP_AUTHORIZATION=authorization, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_token_opens_the_tilejson_and_its_tiles(client, tile_world, analyst):
    header = f"Token {Token.objects.create(user=analyst).key}"
    document = fetch(client, TILEJSON, header)
    assert document.status_code == 200, document.content
    template = document.json()["tiles"][0]
    assert template == "http://testserver/tiles/assets/{z}/{x}/{y}.pbf"
    tile = fetch(client, tile_url("assets", FULL), header)
    assert tile.status_code == 200
    assert tile["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert {f["id"] for f in decode(tile)["assets"]} == {tile_world.own.pk, tile_world.other.pk}
    assert "private" in tile["Cache-Control"]
    assert "_auth_user_id" not in client.session


def test_the_tiles_keep_the_token_users_scope(client, tile_world):
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=tile_world.wuhou)
    header = f"Token {Token.objects.create(user=officer).key}"
    tile = fetch(client, tile_url("assets", FULL), header)
    assert {f["id"] for f in decode(tile)["assets"]} == {tile_world.other.pk}


def test_basic_over_https_opens_the_tiles(client, tile_world, analyst):
    document = fetch(client, TILEJSON, basic("analyst"), secure=True)
    assert document.json()["tiles"][0].startswith("https://testserver/tiles/assets/")
    tile = fetch(client, tile_url("assets", FULL), basic("analyst"), secure=True)
    assert {f["id"] for f in decode(tile)["assets"]} == {tile_world.own.pk, tile_world.other.pk}


def test_basic_over_plain_http_is_refused_unchecked_with_a_token_challenge(client, analyst):
    response = fetch(client, tile_url("assets", FULL), basic("analyst", "Wrong-Password-1"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"].startswith("HTTP Basic is accepted only over HTTPS")
    assert not AccessAttempt.objects.exists()


def test_a_wrong_password_is_a_401_with_the_basic_challenge(client, analyst):
    response = fetch(client, TILEJSON, basic("analyst", "Wrong-Password-1"), secure=True)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Tianfu Atlas", charset="UTF-8"'
    assert response.json() == {"detail": "Invalid username/password."}


def test_a_locked_name_gets_the_pause_as_json_with_retry_after(client, analyst, settings):
    settings.TIANFU_LOGIN_LOCKOUT_MINUTES = 45
    for _ in range(settings.TIANFU_LOGIN_FAILURE_LIMIT):
        fetch(client, TILEJSON, basic("analyst", "Wrong-Password-1"), secure=True)
    response = fetch(client, TILEJSON, basic("analyst"), secure=True)
    assert response.status_code == 429
    assert response["Retry-After"] == str(45 * 60)
    assert response.json()["detail"].startswith("Sign-in is paused after too many failed")


def test_a_bad_token_and_a_token_whose_password_must_change_are_refused(client, analyst):
    bad = fetch(client, TILEJSON, "Token 0123456789abcdef0123456789abcdef01234567")
    assert bad.status_code == 401
    assert bad.json() == {"detail": "Invalid token."}
    header = f"Token {Token.objects.create(user=analyst).key}"
    analyst.must_change_password = True
    analyst.save(update_fields=["must_change_password"])
    refused = fetch(client, tile_url("assets", FULL), header)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("The password of this account must be changed")


def test_a_role_with_a_second_factor_reads_no_tiles_as_a_desktop_client(client, analyst, settings):
    settings.TIANFU_OTP_REQUIRED_ROLES = [Role.PROVINCE_ADMIN]
    assert fetch(client, TILEJSON, basic("analyst"), secure=True).status_code == 403
    header = f"Token {Token.objects.create(user=analyst).key}"
    assert fetch(client, TILEJSON, header).status_code == 401


def test_an_account_with_an_authenticator_uses_its_token_for_tiles(client, analyst):
    TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    assert fetch(client, TILEJSON, basic("analyst"), secure=True).status_code == 403
    header = f"Token {Token.objects.create(user=analyst).key}"
    assert fetch(client, TILEJSON, header).status_code == 200
