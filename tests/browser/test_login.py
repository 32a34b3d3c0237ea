import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-Test-2026!"


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
