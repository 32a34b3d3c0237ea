"""The running-cost dashboard in headless Chromium: a province administrator opens it, sees the
divisions drawn and coloured on the map with their legend, switches the indicator, follows the
ranking to a unit's trend charts and on to a building's drill-down, and downloads the XLSX.
The page fixture fails the test on console errors, failed requests and requests to other
hosts (the CSP would report inline script or style as console errors)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.portal.costs.dashboard_world import YEAR, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_map_ranking_trends_and_drill_down(page, live_server):
    w = build_world()
    path = f"/costs/?year={YEAR}"
    sign_in(page, live_server, w.province_admin, path)

    page.wait_for_function("() => document.querySelector('#costs-map[data-drawn]') !== null")
    expect(page.locator("#costs-map path.leaflet-interactive")).to_have_count(2)
    expect(page.locator("#figure-indicator")).to_have_text("137.78")
    expect(page.locator("#figures-status")).to_be_visible()
    swatch = page.locator(".legend .swatch").first
    assert swatch.evaluate("(e) => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

    page.locator("#id_indicator").select_option("per_person_yuan")
    page.get_by_role("button", name="显示").click()
    page.wait_for_url(f"{live_server.url}/costs/?*indicator=per_person_yuan*")
    expect(page.locator("#figure-indicator")).to_have_text("1,550.00")  # 62000 / 40 staff

    with page.expect_download() as downloaded:
        page.locator("#export-xlsx").click()
    assert downloaded.value.suggested_filename.endswith(".xlsx")

    page.locator("#table-ranking").get_by_role("link", name="甲单位").click()
    page.wait_for_url(f"{live_server.url}/costs/units/{w.jia.pk}/")
    expect(page.locator("#trend-charts svg")).to_have_count(5)
    expect(page.locator("#table-years tbody tr")).to_have_count(2)

    page.locator("#list-buildings").get_by_role("link", name="锦江大楼").click()
    page.wait_for_url(f"{live_server.url}/costs/buildings/{w.tower.pk}/")
    expect(page.locator("#table-building-years tbody tr")).to_have_count(1)
    expect(page.locator("#figure-area")).to_have_text("500.00")
