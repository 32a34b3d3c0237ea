"""The warehouse in headless Chromium: a unit's officer offers an asset from its page and finds
it on the warehouse list, drawn on its map; another unit's officer opens the listing there and
reserves it for a building of its own. The page fixture fails the test on console errors,
failed requests and requests to other hosts."""

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from portal.assets.choices import ListingStatus, ReservationStatus
from portal.assets.models import Listing, Reservation
from portal.org.choices import Role
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD, AssetFactory, BuildingFactory, UnitFactory, UserFactory
from tests.portal.assets.transfer_data import ensure_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error}"))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sign_in(page: Page, live_server, user, path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{path}")


def photo_shown(page: Page) -> None:
    image = page.locator("#listing-photos img").first
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('#listing-photos img').naturalWidth > 0")


def test_an_asset_offered_from_its_page_is_reserved_by_another_unit(page, live_server, tmp_path):
    ensure_default_rules()  # a transactional test's flush empties what migration 0006 seeded
    holder = UnitFactory(division_code="510104", name="锦江区测试局")
    building = BuildingFactory(managing_unit=holder)
    asset = AssetFactory(holder=holder, building=building, name="会议桌", geom=None)
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=holder)
    receiver = UnitFactory(division_code="510703", name="涪城区测试局")
    delivery = BuildingFactory(managing_unit=receiver, name="涪城区办公楼")
    other_officer = UserFactory(role=Role.UNIT_OFFICER, unit=receiver)

    sign_in(page, live_server, officer, asset.get_absolute_url())
    page.locator("#offer-link").click()
    form = page.locator("#publish-form")
    form.locator("select[name=reason]").select_option("over_standard")
    form.locator("textarea[name=explanation]").fill("机构调整后超出配置标准")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "warehouse_offer_form.png", full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/warehouse/\d+/$"))
    expect(page.locator("#listing-status")).to_be_visible()
    expect(page.locator("#edit-form")).to_be_visible()
    listing = Listing.objects.get(asset=asset)
    assert (listing.reason, listing.share_prefix) == ("over_standard", "51")
    photo = tmp_path / "会议桌.png"
    Image.new("RGB", (64, 48), (200, 120, 40)).save(photo)
    page.locator("#photo-form input[type=file]").set_input_files(photo)
    page.locator("#photo-form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(listing.get_absolute_url()) + "$"))
    photo_shown(page)

    page.goto(f"{live_server.url}/warehouse/?mine=1")
    expect(page.locator("#listing-table")).to_contain_text("会议桌")
    expect(page.locator("#listing-table")).to_contain_text(asset.ledger_code)
    expect(page.locator(".minimap .leaflet-interactive").first).to_be_attached()
    page.screenshot(path=ARTIFACTS / "warehouse_list_mine.png", full_page=True)

    page.context.clear_cookies()
    sign_in(page, live_server, other_officer, "/warehouse/")
    expect(page.locator("#listing-table")).to_contain_text("会议桌")
    page.locator("#listing-table a", has_text="会议桌").click()
    page.wait_for_url(re.compile(re.escape(listing.get_absolute_url()) + "$"))
    expect(page.locator("#edit-form")).to_have_count(0)
    photo_shown(page)  # served to the unit the listing is shared with
    reserve = page.locator("#reserve-form")
    expect(reserve).to_contain_text(listing.screening_ends_on.isoformat())
    reserve.locator("select").select_option(str(delivery.pk))
    reserve.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(listing.get_absolute_url()) + "$"))
    expect(page.locator("#listing-reservation")).to_contain_text("涪城区办公楼")
    expect(page.locator("#reserve-form")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "warehouse_listing_reserved.png", full_page=True)

    page.goto(f"{live_server.url}/warehouse/offer/")
    expect(page.locator("#bulk-publish-form")).to_be_visible()
    reservation = Reservation.objects.get(listing=listing)
    assert (reservation.receiving_unit, reservation.delivery_building) == (receiver, delivery)
    assert reservation.status == ReservationStatus.PENDING
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.RESERVED
