from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-Test-2026!"
NEW_PASSWORD = "Chosen-By-Me-2027?"


@pytest.fixture
def officer():
    return UserFactory(username="officer", password=PASSWORD)


def test_sign_in_and_switch_to_english(page, live_server, officer):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="欢迎，officer")).to_be_visible()
    expect(page.locator(".status")).to_contain_text("PostGIS")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.get_by_role("heading", name="Welcome, officer")).to_be_visible()


def test_wrong_password_shows_an_error(page, live_server, officer):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。")


def current_code(key: bytes) -> str:
    return f"{totp(key):06d}"


def test_first_sign_in_asks_the_code_then_a_new_password(page, live_server):
    user = UserFactory(username="newcomer", password=PASSWORD, must_change_password=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("用户名").fill("newcomer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/accounts/otp/?next=%2F")
    page.locator("#id_code").fill(current_code(device.bin_key))
    page.locator("#id_code").press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/password/?next=%2F")
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").press("Enter")
    expect(page.get_by_role("heading", name="欢迎，newcomer")).to_be_visible()
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)


def test_an_administrator_enrols_an_authenticator_app(page, live_server, settings):
    settings.TIANFU_OTP_REQUIRED_ROLES = ["security_admin"]
    UserFactory(username="secadmin", password=PASSWORD, role="security_admin")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("secadmin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/accounts/otp/setup/?next=%2F")
    qr = page.locator("img.account-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    page.locator("#id_code").fill(current_code(b32decode(secret)))
    page.locator("#id_code").press("Enter")
    expect(page.get_by_role("heading", name="欢迎，secadmin")).to_be_visible()
    assert TOTPDevice.objects.get(user__username="secadmin").confirmed
