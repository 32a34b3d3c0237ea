"""The office-space page in headless Chromium: a unit's officer sees the unit against the
standard and offers a vacant room as shareable space; the page then lists the offer with its
withdrawal. The page fixture fails the test on console errors, failed requests and other hosts.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.assets.choices import SpaceListingStatus
from portal.assets.models import SpaceListing
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD
from tests.portal.buildings.space_data import offices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error}"))


def sign_in(page: Page, live_server, user, path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{path}")


def test_an_officer_offers_a_vacant_room(page, live_server):
    space = offices()
    room = space.rooms["102"]
    sign_in(page, live_server, space.users["officer"], "/space/")
    expect(page.locator("#space-edition")).to_contain_text("2014")
    bureau = page.locator(f'#space-units tr[data-unit="{space.bureau.pk}"]')
    expect(bureau).to_contain_text("12.00")
    expect(bureau.locator(".badge-flag")).to_have_count(1)
    expect(page.locator("#space-rooms tbody tr")).to_have_count(3)

    form = page.locator(f"#offer-room-{room.pk}")
    form.locator("input[name='note']").fill("朝南，可立即入驻")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/space/#space-offers$"))

    offer = SpaceListing.objects.get()
    assert (offer.room_id, offer.status) == (room.pk, SpaceListingStatus.PUBLISHED)
    row = page.locator(f'#space-offer-table tr[data-offer="{offer.pk}"]')
    expect(row).to_contain_text("朝南，可立即入驻")
    expect(row.locator(f"#withdraw-{offer.pk}")).to_have_count(1)
    expect(page.locator(f"#offer-room-{room.pk}")).to_have_count(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "space_room_offered.png", full_page=True)
