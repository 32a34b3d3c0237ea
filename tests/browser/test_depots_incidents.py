"""Incident response in headless Chromium. A Chengdu administrator opens an incident, finds its
depots ranked by travel time in the table and joined to it on the map, and confirms the
suggested dispatch: the dispatch's page lists its movements and the stock is taken out. An
officer reports an incident by clicking the map. Travel times come from the synthetic terrain of
:mod:`tests.portal.depots.factories_incidents`; the page fixture fails the test on console
errors, failed requests and other hosts."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.depots import response
from portal.depots.models import Dispatch, Incident, StockMovement
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.portal.depots.factories_incidents import category, incident, item, stocked_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(monkeypatch):
    found = stocked_world()
    monkeypatch.setattr(response, "travel_surface", lambda: found.cost)
    return found


def test_an_administrator_confirms_the_suggested_dispatch(page, live_server, w):
    found = incident(w.jinjiang, {"1010000": 100})
    sign_in(page, live_server, w["city_admin"], found.get_absolute_url())

    ranked = page.locator(".ranking-table tbody tr")
    expect(ranked).to_have_count(3)
    order = [ranked.nth(i).get_attribute("data-depot") for i in range(3)]
    assert order == [str(w.depots[name].pk) for name in ("south_west", "north", "east")]
    expect(ranked.nth(2).locator(".travel-minutes")).to_have_text("42.0")
    expect(page.locator(".incident-map path.incident-line")).to_have_count(3)
    expect(page.locator(".incident-map path.leaflet-interactive")).to_have_count(3 + 3 + 1)
    suggested = page.locator(f"tr[data-batch='{item('SW-SOON').pk}'] input")
    expect(suggested).to_have_value("50.00")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "incident_ranking.png", full_page=True)

    page.locator("#dispatch-form input[name='note']").fill("第一批")
    page.locator("#confirm-dispatch").click()
    page.wait_for_url(re.compile(r"/depots/dispatches/\d+/$"))
    dispatch = Dispatch.objects.get()
    expect(page.locator("#record-title")).to_have_text(dispatch.document_no)
    expect(page.locator("#movement-table tbody tr")).to_have_count(3)

    left = {b: item(b).quantity for b in ("SW-SOON", "SW-LATE", "N-COTTON", "E-BEDS")}
    assert left == {"SW-SOON": 0, "SW-LATE": 0, "N-COTTON": 20, "E-BEDS": 100}
    assert sorted(m.change for m in StockMovement.objects.all()) == [-50, -30, -20]
    assert dispatch.note == "第一批"


def test_an_officer_reports_an_incident_by_clicking_the_map(page, live_server, w):
    tents = category("1010100")
    sign_in(page, live_server, w["officer"], "/depots/incidents/")
    page.locator("#incident-new-link").click()
    page.wait_for_url(re.compile(r"/depots/incidents/new/$"))
    form = page.locator("#incident-form")
    form.locator("#id_name").fill("山洪")
    form.locator("#id_source_crs").select_option("EPSG:3857")
    picker = page.locator(".incident-picker")
    expect(picker.locator(".leaflet-tile-pane, .leaflet-overlay-pane").first).to_be_attached()
    box = picker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(form.locator("#id_x")).not_to_have_value("")
    expect(form.locator("#id_source_crs")).to_have_value("EPSG:4490")  # a click is CGCS2000
    form.locator("#id_needs-0-category").select_option(str(tents.pk))
    form.locator("#id_needs-0-quantity").fill("30")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/depots/incidents/\d+/$"))

    found = Incident.objects.get()
    assert found.source_crs == "EPSG:4490"
    assert found.geom.x == pytest.approx(104.07, abs=0.3)  # the picker opens on Chengdu
    assert found.geom.y == pytest.approx(30.66, abs=0.3)
    assert found.needs.get().quantity == Decimal(30)
    expect(page.locator("#record-title")).to_have_text("山洪")
