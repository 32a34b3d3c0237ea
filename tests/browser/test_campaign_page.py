"""The campaign dashboard in headless Chromium: the choropleth draws from local files only.

The page fixture fails a test on console errors, failed requests and requests to other hosts;
uncaught script errors are added here.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.test_pages import sign_in
from tests.portal.titles.campaign_data import build_campaign_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error}"))


def test_campaign_page_draws_the_choropleth(page, live_server):
    data = build_campaign_data()
    sign_in(page, live_server, data.province_admin, "/titles/")
    expect(page.locator("#figure-cases")).to_have_text("9")
    expect(page.locator("#figure-overdue")).to_have_text("3")
    choropleth = page.locator("#campaign-map.leaflet-container")
    expect(choropleth).to_be_visible()
    # 成都市 and 绵阳市, each an interactive SVG path coloured by its share registered.
    paths = choropleth.locator("path.leaflet-interactive")
    expect(paths).to_have_count(2)
    fills = {paths.nth(i).get_attribute("fill") for i in range(2)}
    assert fills == {"#f0f9e8", "#7bccc4"}  # 14.3% and 50% registered
    assert choropleth.locator(".leaflet-tile").count() == 0, "no tile host at all"
    paths.first.hover()
    expect(page.locator(".leaflet-tooltip")).to_be_visible()
    # The legend's swatches are coloured by the script, not by inline styles.
    swatch = page.locator(".legend .swatch").first
    colour = swatch.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour == "rgb(240, 249, 232)"


def test_campaign_page_by_county_for_an_officer(page, live_server):
    data = build_campaign_data()
    sign_in(page, live_server, data.officer_a, "/titles/?level=county")
    expect(page.locator("#figure-cases")).to_have_text("4")
    paths = page.locator("#campaign-map path.leaflet-interactive")
    expect(paths).to_have_count(3)  # 锦江区, 武侯区, 涪城区: the last two without cases
    expect(page.locator("#table-overdue a")).to_have_count(1)
