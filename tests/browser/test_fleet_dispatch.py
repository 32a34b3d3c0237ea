"""Dispatch in headless Chromium. The pool manager opens the queue, follows the approved booking
to its dispatch page, finds the suggested vehicles ranked (the nearer first) and drawn on the map
with a line to the origin, and clicks Assign on the first row; the requester's booking page then
shows the vehicle and the driver. The page fixture fails the test on console errors, failed
requests and other hosts."""

import re

import pytest
from playwright.sync_api import expect

from portal.fleet.choices import BookingStatus
from portal.fleet.models import Assignment
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.portal.fleet.dispatch_world import ORIGIN, booking, driver, vehicle_at, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_assigns_in_one_click_and_the_requester_sees_it(page, live_server):
    w = world()
    vehicle_at(w.holder, (ORIGIN[0], ORIGIN[1] + 0.15), plate="川A00002")
    near = vehicle_at(w.holder, (ORIGIN[0], ORIGIN[1] + 0.01), plate="川A00001")
    chauffeur = driver(w.holder, name="张师傅", phone="13800000000")
    trip = booking(w, origin_label="省政府", destination_label="天府新区")

    sign_in(page, live_server, w.manager, "/fleet/dispatch/")
    page.locator(f"#waiting-table tr[data-booking='{trip.pk}'] a").click()
    page.wait_for_url(re.compile(rf"/fleet/dispatch/{trip.pk}/$"))
    rows = page.locator("#suggestion-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-plate", "川A00001")
    expect(page.locator(".dispatch-map path.dispatch-line")).to_have_count(2)
    expect(page.locator(".dispatch-map")).to_have_attribute("data-drawn", "2")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "fleet_dispatch_suggestions.png", full_page=True)

    rows.first.locator(".assign-button").click()
    page.wait_for_url(re.compile(rf"/fleet/dispatch/{trip.pk}/$"))
    expect(page.locator("#current-assignment")).to_contain_text("川A00001")
    made = Assignment.objects.get()
    assert (made.vehicle, made.driver) == (near, chauffeur)
    trip.refresh_from_db()
    assert trip.status == BookingStatus.ASSIGNED

    page.context.clear_cookies()
    sign_in(page, live_server, w.requester, trip.get_absolute_url())
    expect(page.locator("#assigned-vehicle")).to_contain_text("川A00001")
    expect(page.locator("#assigned-driver")).to_contain_text("张师傅")
    expect(page.locator("#assigned-driver")).to_contain_text("13800000000")
