"""Detail pages and the dashboard in headless Chromium: the mini-map, the history diff map, the
choropleth and the charts render from local files only.

The page fixture fails a test on console errors, failed requests and requests to other hosts;
uncaught script errors are added here. Screenshots go to test-artifacts/screenshots/.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from portal.org.choices import Role
from tests.browser.conftest import ARTIFACTS
from tests.factories import (
    PASSWORD,
    AssetFactory,
    BuildingFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    division,
    square,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error}"))


@pytest.fixture
def data():
    for code in ("510104", "510107", "510703"):
        division(code)
    unit = UnitFactory(name="成都市锦江区机关事务服务中心", division_code="510104", synthetic=True)
    lon, lat = unit.location.x, unit.location.y
    building = BuildingFactory(
        managing_unit=unit, name="锦江区行政中心1号楼", footprint=square(lon, lat, 0.0002)
    )
    ParcelFactory(holder=unit, title_status="registered")
    for status, value in (("in_use", "3000"), ("idle", "1200"), ("over_standard", "800")):
        AssetFactory(holder=unit, building=building, status=status, net_value=Decimal(value))
    AssetFactory(holder__division_code="510703", net_value=Decimal("2500"))
    # An edit of the footprint, for the history's before/after map.
    building.footprint = square(lon + 0.0001, lat, 0.00025)
    building.save()
    return {"user": UserFactory(role=Role.PROVINCE_ADMIN), "building": building, "unit": unit}


def sign_in(page: Page, live_server, user, path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{path}")


def test_building_page_draws_its_map_and_history(page, live_server, data):
    building = data["building"]
    sign_in(page, live_server, data["user"], f"/buildings/{building.pk}/")
    expect(page.get_by_role("heading", name=building.name)).to_be_visible()
    minimap = page.locator(".minimap.leaflet-container")
    expect(minimap).to_be_visible()
    # The footprint, and the parcel under it, drawn as interactive SVG paths.
    expect(minimap.locator("path.leaflet-interactive")).to_have_count(2)
    # The offline basemap arrives as non-interactive division outlines beneath them.
    expect(minimap.locator("path:not(.leaflet-interactive)").first).to_be_attached()
    assert minimap.locator(".leaflet-tile").count() == 0, "no tile host at all"
    diff = page.locator(".diff-map.leaflet-container")
    expect(diff).to_have_count(1)
    expect(diff.locator("path.leaflet-interactive")).to_have_count(2)  # before and after
    diff.scroll_into_view_if_needed()


def test_unit_page_on_a_phone(page, live_server, data):
    page.set_viewport_size({"width": 390, "height": 844})
    unit = data["unit"]
    sign_in(page, live_server, data["user"], f"/units/{unit.pk}/")
    expect(page.locator(".badge-demo").first).to_be_visible()
    expect(page.locator(".minimap.leaflet-container")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "unit_page_on_a_phone.png", full_page=True)
    # Keyboard: the building link in the related list is reachable and opens its page.
    link = page.get_by_role("link", name=data["building"].name).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/buildings/{data['building'].pk}/")


def test_dashboard_draws_the_choropleth_and_charts(page, live_server, data):
    sign_in(page, live_server, data["user"], "/dashboard/")
    regions = page.locator("#chart-regions svg")
    expect(regions).to_be_visible()
    # The three cities of the factories' province, each a filled region path.
    assert regions.locator("path").count() >= 3
    for name in ("status", "category", "title"):
        expect(page.locator(f"#chart-{name} svg")).to_be_visible()
    expect(page.locator("#figure-count")).to_have_text("4")
    expect(page.locator("#figure-idle")).to_have_text("50.0%")  # idle and over standard
    # Colour the map by net value instead, from the keyboard.
    page.locator("input[name=metric][value=count]").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("input[name=metric][value=total]")).to_be_checked()
    expect(regions.locator("path").first).to_be_attached()
