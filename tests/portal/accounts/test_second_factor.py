"""The second factor (TOTP): enrolment with a server-drawn QR code, a code after the password
before any page, wrong codes counted as failed sign-ins, roles that must enrol, and the
security administrator's reset."""

import re
from base64 import b32decode

import pytest
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.accounts.checks import check_otp_roles
from tests.factories import UserFactory
from tests.portal.accounts.helpers import code_of, enrolled, sign_in, wrong_code

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:otp_verify")
SETUP = reverse("accounts:otp_setup")


@pytest.fixture
def no_throttle(settings):
    """django-otp slows down guesses after a wrong code (1 s, 2 s, …); the tests that enter a
    right code after a wrong one would otherwise depend on the clock."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_enrolment_shows_a_qr_image_and_the_secret(client, officer):
    client.force_login(officer)
    page = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    shown = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert b32decode(shown) == device.bin_key
    assert f'src="{reverse("accounts:otp_qr")}"' in page
    assert "<script" not in page
    image = client.get(reverse("accounts:otp_qr"))
    assert image["Content-Type"] == "image/svg+xml"
    assert image["Cache-Control"] == "no-store"
    assert image.content.startswith(b"<svg")
    assert b"<path" in image.content
    # A reload keeps the same secret, so an app set up from the first page still works.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_enrolment_is_confirmed_by_a_code(client, officer):
    client.force_login(officer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    with translation.override("en"):
        refused = client.post(SETUP, {"code": wrong_code(device)}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The code is not correct." in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_a_right_code_confirms_and_verifies_the_session(client, officer):
    client.force_login(officer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(SETUP, {"code": code_of(device), "next": "/map/"})
    assert response["Location"] == "/map/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session["otp_device_id"] == device.persistent_id
    # Enrolled: the page now refuses to replace the device.
    again = client.get(SETUP)
    assert again.status_code == 409
    assert not TOTPDevice.objects.filter(user=officer, confirmed=False).exists()


def test_an_enrolled_account_enters_a_code_before_any_page(client, officer):
    device = enrolled(officer)
    response = sign_in(client, "officer", next="/map/")
    assert response.status_code == 302
    for path in (
        "/map/",
        reverse("core:home"),
        reverse("admin:index"),
        reverse("accounts:password_change"),
    ):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer["Location"].startswith(f"{VERIFY}?next=")
    assert client.get("/map/")["Location"] == f"{VERIFY}?next=%2Fmap%2F"
    assert client.get(VERIFY).status_code == 200
    done = client.post(VERIFY, {"code": code_of(device), "next": "/map/"})
    assert done["Location"] == "/map/"
    assert client.get(reverse("core:home")).status_code == 200


def test_a_session_api_call_before_the_code_gets_json(client, officer):
    enrolled(officer)
    sign_in(client, "officer")
    response = client.get("/api/assets/")
    assert response.status_code == 403
    assert response.json()["step"] == "otp_verify"
    # A token is a credential of its own: no second factor for it.
    token = Token.objects.create(user=officer)
    by_token = APIClient().get("/api/assets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.status_code == 200


def test_a_code_is_accepted_once(client, officer):
    device = enrolled(officer)
    sign_in(client, "officer")
    code = code_of(device)
    client.post(VERIFY, {"code": code})
    other = type(client)()
    sign_in(other, "officer")
    assert other.post(VERIFY, {"code": code}).status_code == 200  # the form again
    assert "otp_device_id" not in other.session


def test_a_wrong_code_is_a_failed_sign_in(client, officer, no_throttle):
    device = enrolled(officer)
    heard = []

    def listen(sender, credentials, request=None, **kwargs):
        heard.append(credentials)

    sign_in(client, "officer")
    user_login_failed.connect(listen)
    try:
        response = client.post(VERIFY, {"code": wrong_code(device)}, HTTP_ACCEPT_LANGUAGE="en")
    finally:
        user_login_failed.disconnect(listen)
    assert heard == [{"username": "officer"}]
    assert response.status_code == 200
    assert "The code is not correct." in response.content.decode()
    assert client.post(VERIFY, {"code": code_of(device)}).status_code == 302


def test_wrong_codes_lock_the_account_and_end_the_session(client, officer, no_throttle):
    device = enrolled(officer)
    sign_in(client, "officer")
    statuses = [client.post(VERIFY, {"code": wrong_code(device)}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert "_auth_user_id" not in client.session
    # Locked: even the right password and code get nowhere now.
    assert sign_in(client, "officer").status_code == 429


def test_password_failures_count_with_code_failures(client, officer, no_throttle):
    device = enrolled(officer)
    for _ in range(3):
        sign_in(client, "officer", "Wrong-Password-1")
    sign_in(client, "officer")
    statuses = [client.post(VERIFY, {"code": wrong_code(device)}).status_code for _ in range(2)]
    assert statuses == [200, 429]


def test_a_new_sign_in_asks_for_the_code_again(client, officer):
    device = enrolled(officer)
    sign_in(client, "officer")
    client.post(VERIFY, {"code": code_of(device)})
    assert client.get(reverse("core:home")).status_code == 200
    sign_in(client, "officer")
    assert client.get(reverse("core:home"))["Location"].startswith(VERIFY)


def test_required_roles_must_enrol_before_anything_else(client, settings):
    settings.TIANFU_OTP_REQUIRED_ROLES = ["security_admin"]
    security = UserFactory(role="security_admin")
    viewer = UserFactory(role="viewer")
    client.force_login(viewer)
    assert client.get(reverse("core:home")).status_code == 200
    client.force_login(security)
    home = client.get(reverse("core:home"))
    assert home["Location"] == f"{SETUP}?next=%2F"
    assert client.get(reverse("admin:index"))["Location"].startswith(SETUP)
    assert client.get(SETUP).status_code == 200
    assert client.get(reverse("accounts:otp_qr")).status_code == 200
    device = TOTPDevice.objects.get(user=security)
    assert client.post(SETUP, {"code": code_of(device), "next": "/"})["Location"] == "/"
    assert client.get(reverse("core:home")).status_code == 200


def test_a_forced_password_change_comes_after_the_code(client):
    user = UserFactory(username="newcomer", must_change_password=True)
    device = enrolled(user)
    sign_in(client, "newcomer")
    assert client.get("/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_of(device)})
    assert client.get("/")["Location"].startswith(reverse("accounts:password_change"))


def test_the_security_administrator_resets_a_lost_device(client, officer):
    device = enrolled(officer)
    security = UserFactory(role="security_admin")
    own = enrolled(security)
    client.force_login(security)
    # The security administrator's own session passes its second factor first.
    client.post(VERIFY, {"code": code_of(own)})
    changelist = reverse("admin:otp_totp_totpdevice_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    detail = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert device.key not in detail.content.decode()
    data = {"action": "reset_second_factor", "_selected_action": [device.pk, own.pk]}
    assert client.post(changelist, data).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert TOTPDevice.objects.filter(pk=own.pk).exists()  # never one's own


def test_a_reset_device_no_longer_asks_for_a_code(client, officer):
    enrolled(officer)
    sign_in(client, "officer")
    assert client.get("/")["Location"].startswith(VERIFY)
    TOTPDevice.objects.filter(user=officer).delete()
    assert client.get(VERIFY)["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


@pytest.mark.parametrize("role", ["system_admin", "audit_admin", "province_admin", "unit_officer"])
def test_other_roles_cannot_see_devices(client, officer, role):
    device = enrolled(officer)
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 403
    data = {"action": "reset_second_factor", "_selected_action": [device.pk]}
    client.post(reverse("admin:otp_totp_totpdevice_changelist"), data)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_unknown_roles_in_the_setting_fail_the_checks(settings):
    settings.TIANFU_OTP_REQUIRED_ROLES = ["security_admin", "securty_admin"]
    errors = check_otp_roles()
    assert [error.id for error in errors] == ["accounts.E001"]
    assert "securty_admin" in errors[0].msg
    settings.TIANFU_OTP_REQUIRED_ROLES = ["security_admin"]
    assert check_otp_roles() == []
