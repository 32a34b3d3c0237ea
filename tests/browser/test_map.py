"""The map page in headless Chromium: offline basemap, vector tiles, switcher, filters, search,
area query, measuring, locating, language, phone layout and the first-load budget.

The page fixture fails a test on console errors, failed requests and requests to other hosts;
uncaught script errors are added here. Screenshots go to test-artifacts/screenshots/.
"""

import json
import re
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from playwright.sync_api import Page, expect
from pyproj import Geod

from gis.china import wgs84_to_gcj02
from portal.org.choices import Role
from tests.factories import PASSWORD, AssetFactory, UnitFactory, UserFactory, centre, division

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILE = re.compile(r"/tiles/(\w+)/\d+/\d+/\d+\.pbf")
BUDGET_BYTES = 1_000_000
JINJIANG = centre("510104")  # the factories' units and assets stand here


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    """Uncaught script errors fail the test too; tiles still loading at the end are awaited
    (closing the page would abort them, which the page fixture counts as failed requests)."""
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error.stack}"))
    yield
    page.wait_for_load_state("networkidle")


@pytest.fixture
def data():
    for code in ("510104", "510107", "510703"):
        division(code)
    unit = UnitFactory(name="成都市锦江区机关事务服务中心", division_code="510104")
    assets = [
        AssetFactory(holder=unit, status=status, name=f"笔记本电脑{i}")
        for i, status in enumerate(("in_use", "idle", "repairable"))
    ]
    return {"user": UserFactory(role=Role.PROVINCE_ADMIN), "unit": unit, "assets": assets}


def open_map(page: Page, live_server, user, hash_: str = "") -> None:
    """Sign in and open the map, waiting for the offline basemap's boundaries and names."""
    page.goto(f"{live_server.url}/accounts/login/?next={quote(f'/map/#{hash_}', safe='')}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".division-label").first).to_be_attached()


def map_point(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a lon/lat on the map."""
    box = page.locator("#map").bounding_box()
    point = page.evaluate(
        "([lat, lon]) => { const p = Tianfu.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    return box["x"] + point[0], box["y"] + point[1]


def map_centre(page: Page) -> tuple[float, float, int]:
    return tuple(
        page.evaluate(
            "() => { const c = Tianfu.map.getCenter();"
            " return [c.lng, c.lat, Tianfu.map.getZoom()]; }"
        )
    )


def test_offline_basemap_and_tiles_load_without_errors(page, live_server, data):
    tiles = []
    page.on("response", lambda r: tiles.append(r) if TILE.search(r.url) else None)
    open_map(page, live_server, data["user"], "map=9/30.63/104.08")
    page.wait_for_function("() => document.querySelector('img.hillshade')?.naturalWidth > 0")
    expect(page.locator(".division-label--city span").first).to_be_visible()
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("DEM")
    expect(page.locator(".cell-count").first).to_have_text("3")  # the three assets, one cell
    page.wait_for_load_state("networkidle")
    assert {TILE.search(r.url).group(1) for r in tiles} == {"units", "assets"}
    assert all(r.status == 200 for r in tiles)


def test_layer_switcher_adds_and_removes_tiles(page, live_server, data):
    open_map(page, live_server, data["user"], "map=9/30.63/104.08&layers=assets")
    legend = page.locator('.legend[data-layer="assets"]')
    expect(legend).to_be_visible()
    with page.expect_response(re.compile(r"/tiles/depots/\d+/")):
        page.get_by_role("checkbox", name=re.compile("仓库|depots")).check()
    page.get_by_role("checkbox", name=re.compile("assets|国有资产|资产")).uncheck()
    expect(legend).to_be_hidden()
    expect(page.locator(".cell-count")).to_have_count(0)
    assert "layers=depots" in page.url


def test_filters_go_to_tiles_and_into_a_shareable_link(page, live_server, data):
    open_map(page, live_server, data["user"], "map=9/30.63/104.08&layers=assets")
    page.locator("#section-filters > summary").click()
    page.locator('input[name="assets.status"][value="idle"]').check()
    page.locator('input[name="assets.status"][value="repairable"]').check()
    page.locator("#f-division").select_option("510104")
    with page.expect_response(re.compile(r"/tiles/assets/.*status=idle")) as tile:
        page.locator("#map-filters button[type=submit]").click()
    query = parse_qs(urlsplit(tile.value.url).query)
    assert query == {"status": ["idle", "repairable"], "division": ["510104"]}
    expect(page.locator(".cell-count").first).to_have_text("2")
    link = page.url
    assert "assets.status=idle" in link
    assert "division=510104" in link
    page.wait_for_load_state("networkidle")  # leaving with tiles in flight aborts them
    page.goto("about:blank")
    page.goto(link)
    expect(page.locator('input[name="assets.status"][value="repairable"]')).to_be_checked()
    expect(page.locator(".cell-count").first).to_have_text("2")


def test_search_flies_to_a_unit_and_links_its_page(page, live_server, data):
    open_map(page, live_server, data["user"], "map=7/30.66/104.07")
    page.get_by_label("搜索").first.fill("锦江区机关事务")
    page.locator("#map-search button[type=submit]").click()
    result = page.locator(".search-result").first
    expect(result).to_contain_text("成都市锦江区机关事务服务中心")
    expect(page.locator(".search-detail").first).to_have_attribute(
        "href", f"/units/{data['unit'].pk}/"
    )
    # A single match flies there by itself.
    page.wait_for_function(
        "([lon, lat]) => { const c = Tianfu.map.getCenter(); return Tianfu.map.getZoom() >= 15"
        " && Math.abs(c.lng - lon) < 1e-3 && Math.abs(c.lat - lat) < 1e-3; }",
        arg=[JINJIANG.x, JINJIANG.y],
    )


def test_popup_shows_attributes_and_detail_link(page, live_server, data):
    asset = data["assets"][0]
    open_map(page, live_server, data["user"], f"map=16/{JINJIANG.y}/{JINJIANG.x}&layers=assets")
    page.wait_for_selector(".leaflet-pane.leaflet-tianfu-data-pane path.leaflet-interactive")
    page.mouse.click(*map_point(page, JINJIANG.x, JINJIANG.y))
    popup = page.locator(".map-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("ZC")  # the ledger code
    href = popup.locator("a.popup-link").get_attribute("href")
    assert re.fullmatch(r"/assets/\d+/", href)
    assert int(href.split("/")[2]) in {a.pk for a in data["assets"]}
    assert asset.ledger_code.startswith("ZC")


def test_drawn_polygon_queries_the_area(page, live_server, data):
    open_map(page, live_server, data["user"], f"map=15/{JINJIANG.y}/{JINJIANG.x}&layers=assets")
    x, y = map_point(page, JINJIANG.x, JINJIANG.y)
    page.get_by_role("button", name=re.compile("多边形|Polygon")).click()
    corners = [(x - 80, y - 60), (x + 90, y - 50), (x + 70, y + 80), (x - 60, y + 70)]
    for corner in corners:
        page.mouse.click(*corner)
    with page.expect_response(re.compile(r"/map/query\.json")) as answer:
        page.mouse.click(*corners[0])
    assert answer.value.status == 200
    query = parse_qs(urlsplit(answer.value.url).query)
    assert query["layer"] == ["assets"]
    ring = json.loads(unquote(query["intersects"][0]))["coordinates"][0]
    assert len(ring) == 5
    assert ring[0] == ring[-1]
    results = page.locator("#query-results")
    expect(results).to_contain_text("3")
    expect(results.locator("table.query-table tbody tr")).to_have_count(3)
    exports = results.locator(".query-exports a")
    assert exports.nth(0).get_attribute("href").startswith("/map/query.xlsx?layer=assets")
    assert exports.nth(1).get_attribute("href").startswith("/map/query.csv?layer=assets")
    csv = page.request.get(live_server.url + exports.nth(1).get_attribute("href"))
    assert csv.status == 200
    assert csv.body().decode("utf-8-sig").count("\n") >= 4


def test_circle_query_sends_metres_around_the_centre(page, live_server, data):
    open_map(page, live_server, data["user"], f"map=15/{JINJIANG.y}/{JINJIANG.x}&layers=assets")
    x, y = map_point(page, JINJIANG.x, JINJIANG.y)
    page.get_by_role("button", name=re.compile("圆|Circle")).click()
    page.mouse.click(x, y)
    with page.expect_response(re.compile(r"/map/query\.json")) as answer:
        page.mouse.click(x + 100, y)
    lon, lat, metres = (
        float(v) for v in parse_qs(urlsplit(answer.value.url).query)["near"][0].split(",")
    )
    assert abs(lon - JINJIANG.x) < 1e-4
    assert abs(lat - JINJIANG.y) < 1e-4
    edge = page.evaluate(
        "([x, y]) => { const b = document.getElementById('map').getBoundingClientRect();"
        " const p = Tianfu.map.containerPointToLatLng([x - b.left, y - b.top]);"
        " return [p.lng, p.lat]; }",
        [x + 100, y],
    )
    _, _, expected = Geod(ellps="WGS84").inv(lon, lat, *edge)
    assert abs(metres - expected) <= 1.5
    expect(page.locator("#query-results")).to_contain_text("3")


def test_measurements_are_geodesic_on_the_ellipsoid(page, live_server, data):
    open_map(page, live_server, data["user"], "map=8/30.63/104.08&layers=")
    geod = Geod(ellps="WGS84")
    lons, lats = [103.5, 104.5, 104.6, 103.4], [30.2, 30.3, 31.1, 31.0]
    length = page.evaluate(
        "(pts) => Tianfu.measure.length(pts.map(([lon, lat]) => L.latLng(lat, lon)))",
        list(zip(lons, lats, strict=True)),
    )
    area = page.evaluate(
        "(pts) => Tianfu.measure.area(pts.map(([lon, lat]) => L.latLng(lat, lon)))",
        list(zip(lons, lats, strict=True)),
    )
    expected_area, _ = geod.polygon_area_perimeter(lons, lats)
    assert abs(area - abs(expected_area)) < 1.0  # m², of about 10,000 km²
    assert abs(length - geod.line_length(lons, lats)) < 0.01
    # And through the tool: a line of two clicks is labelled with its geodesic length.
    page.get_by_role("button", name=re.compile("测距|Distance|距离")).click()
    start, end = map_point(page, 103.8, 30.5), map_point(page, 104.3, 30.8)
    page.mouse.click(*start)
    page.mouse.click(*end)
    page.mouse.click(*end)
    label = page.locator(".measure-label")
    # The unit is translated: "km" in English, "千米" in the default Chinese.
    expect(label).to_contain_text(re.compile("km|千米"))
    ends = page.evaluate(
        "() => Tianfu.tools.drawn.getLayers()[0].getLatLngs().map((p) => [p.lng, p.lat])"
    )
    expected = geod.line_length([p[0] for p in ends], [p[1] for p in ends]) / 1000
    shown_text = re.search(r"([\d.,]+)\s*(?:km|千米)", label.inner_text()).group(1)
    shown = float(shown_text.replace(",", ""))
    assert abs(shown - expected) < 0.01


def test_locate_me_reports_refusal_then_marks_the_position(page, live_server, data):
    open_map(page, live_server, data["user"], "map=8/30.63/104.08&layers=")
    status = page.locator("#map-status")
    page.get_by_role("button", name=re.compile("定位|Locate")).click()
    expect(status).not_to_have_text(re.compile(r"^$|…"))
    refused = status.inner_text()
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 30.66, "longitude": 104.06, "accuracy": 30})
    page.get_by_role("button", name=re.compile("定位|Locate")).click()
    expect(status).to_contain_text("30")
    assert status.inner_text() != refused
    page.wait_for_function("() => Tianfu.map.getZoom() >= 15")


def test_gcj02_basemap_shows_approval_number_and_shifts_layers(page, live_server, data, settings):
    # A same-origin template (every tile is the hillshade image) stands in for an AMap server.
    settings.TIANFU_BASEMAPS = [
        {
            "name": "amap-like",
            "label": "GCJ-02 test basemap",
            "url": "/static/maps/basemap/hillshade.png?z={z}&x={x}&y={y}",
            "attribution": "Test tiles",
            "approval_no": "GS(2099)0001号",
            "gcj02": True,
            "max_zoom": 18,
        }
    ]
    open_map(page, live_server, data["user"], "map=12/30.63/104.08&layers=assets")
    with page.expect_response(re.compile(r"hillshade\.png\?z=12")):
        page.get_by_role("radio", name="GCJ-02 test basemap").check()
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("GS(2099)0001号")
    expect(page.locator("#map-gcj02-note")).to_be_visible()
    shift = page.evaluate("() => Tianfu.map.getPane('tianfu-data').style.transform")
    dx, dy = (float(v) for v in re.findall(r"(-?[\d.]+)px", shift)[:2])
    # Around Chengdu GCJ-02 lies about 240 m east and 270 m south: some pixels at zoom 12.
    assert 0 < dx < 30, shift
    assert 0 < dy < 30, shift
    assert "amap-like" in page.url
    # The display shift is gis.china's formula, ported.
    for lon, lat in [(104.08, 30.63), (97.4, 26.1), (110.2, 34.3)]:
        shown = page.evaluate("([lon, lat]) => Tianfu.gcj02.wgs84ToGcj02(lon, lat)", [lon, lat])
        assert shown == pytest.approx(wgs84_to_gcj02(lon, lat), abs=1e-12)
        back = page.evaluate("([lon, lat]) => Tianfu.gcj02.gcj02ToWgs84(lon, lat)", shown)
        assert back == pytest.approx([lon, lat], abs=1e-9)


def test_language_switch_gives_english_strings_and_drawing_hints(page, live_server, data):
    open_map(page, live_server, data["user"], "map=8/30.63/104.08&layers=assets")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Polygon")).to_be_visible()
    expect(page.locator(".division-label").first).to_be_attached()
    assert page.evaluate("() => Tianfu.t('details')") == "Details"
    page.get_by_role("button", name="Polygon").click()
    page.mouse.move(*map_point(page, 104.0, 30.6))
    expect(page.locator(".leaflet-tooltip").first).to_contain_text("Click")


def test_phone_layout_folds_the_panel(page, live_server, data):
    page.set_viewport_size({"width": 390, "height": 844})
    open_map(page, live_server, data["user"], "map=8/30.63/104.08")
    toggle = page.locator("#map-panel-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#map-panel")).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#map-panel")).to_be_visible()
    expect(page.get_by_label("搜索").first).to_be_visible()
    for tool in page.locator("#map-toolbar button").all():
        expect(tool).to_be_visible()


def test_keyboard_reaches_search_tools_and_map(page, live_server, data):
    open_map(page, live_server, data["user"], "map=8/30.63/104.08")
    page.get_by_label("搜索").first.focus()
    page.keyboard.type("锦江")
    page.keyboard.press("Enter")
    expect(page.locator(".search-result").first).to_be_visible()
    page.locator("#map-toolbar [data-tool=distance]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#map-toolbar [data-tool=distance]")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.press("Escape")
    expect(page.locator("#map-toolbar [data-tool=distance]")).to_have_attribute(
        "aria-pressed", "false"
    )
    page.locator("#map").focus()
    zoom = map_centre(page)[2]
    page.keyboard.press("+")
    page.wait_for_function(f"Tianfu.map.getZoom() > {zoom}")


def test_first_load_transfers_under_a_megabyte_of_js_and_css(page, live_server, data):
    sizes = {}

    def record(response):
        if response.request.resource_type in {"script", "stylesheet"}:
            sizes[response.url] = len(response.body())

    page.on("response", record)
    open_map(page, live_server, data["user"])
    page.wait_for_load_state("networkidle")
    assert any("leaflet.js" in url for url in sizes)
    assert any("map.css" in url for url in sizes)
    total = sum(sizes.values())
    print(f"map page first load: {total:,} bytes of JS/CSS in {len(sizes)} files")
    assert total < BUDGET_BYTES, sizes
