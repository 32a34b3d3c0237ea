"""Requesting a vehicle in headless Chromium: an officer of 锦江区 clicks the origin on the map,
finds the destination with the portal's search, submits, and sees the booking with its two
ends on the map; a colleague approves it from the page. The page fixture fails the test on
console errors, failed requests and other hosts."""

import re

import pytest
from playwright.sync_api import expect

from portal.fleet.models import Booking
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.portal.fleet.booking_data import make_world
from tests.portal.fleet.factories import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_trip(form) -> None:
    form.locator("#id_pool").select_option(label="省直公务用车平台")
    form.locator("#id_purpose").fill("平台调研")
    form.locator("#id_passengers").fill("2")
    form.locator("#id_seats_needed").fill("3")
    form.locator("#id_starts_at").fill(at(2, 9).strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_ends_at").fill(at(2, 17).strftime("%Y-%m-%dT%H:%M"))


def test_an_officer_picks_both_ends_and_submits(page, live_server):
    world = make_world()
    sign_in(page, live_server, world.officer_a, "/fleet/bookings/")
    page.locator("#booking-new-link").click()
    page.wait_for_url(re.compile(r"/fleet/bookings/new/$"))
    form = page.locator("#booking-form")
    fill_trip(form)

    picker = page.locator("#booking-picker[data-ready=true]")
    expect(picker).to_be_visible()
    box = picker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(form.locator("#id_origin_lon")).not_to_have_value("")
    expect(page.locator("#pick-destination")).to_be_checked()  # the choice moves on
    expect(form.locator("#id_origin_label")).not_to_have_value("")

    page.locator("#place-search").fill("涪城")
    page.locator("#place-search-button").click()
    result = page.locator("#place-results button.booking-result").first
    expect(result).to_contain_text("涪城区")
    result.click()
    expect(form.locator("#id_destination_label")).to_have_value("涪城区")
    expect(picker.locator("path[data-end]")).to_have_count(2)
    expect(picker.locator("path.booking-line")).to_have_count(1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "booking_form.png", full_page=True)

    page.locator("#booking-submit").click()
    page.wait_for_url(re.compile(r"/fleet/bookings/\d+/$"))
    booking = Booking.objects.get()
    assert booking.origin.x == pytest.approx(104.07, abs=0.3)  # the picker opens on Chengdu
    assert booking.destination.x == pytest.approx(104.74, abs=0.01)  # 涪城区's square centre
    assert booking.destination_label == "涪城区"
    assert booking.region_class == "sichuan"
    expect(page.locator("#booking-status")).to_have_attribute("class", re.compile("submitted"))
    trip_map = page.locator("#booking-map[data-ready=true]")
    expect(trip_map.locator("path.leaflet-interactive")).to_have_count(3)  # two ends, the line
    expect(trip_map.locator("path.booking-line")).to_have_count(1)
    expect(page.locator("#booking-history tbody tr")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "booking_detail.png", full_page=True)


def test_a_colleague_approves_from_the_awaiting_list(page, live_server):
    world = make_world()
    booking = world.book(starts_at=at(3, 9), ends_at=at(3, 12))
    sign_in(page, live_server, world.officer_a2, "/fleet/bookings/awaiting/")
    rows = page.locator("#awaiting-table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/fleet/bookings/{booking.pk}/$"))
    page.locator("#id_decision").select_option("approved")
    page.locator("#booking-sign").click()
    page.wait_for_url(re.compile(rf"/fleet/bookings/{booking.pk}/$"))
    expect(page.locator("#booking-chain li[data-state=signed]")).to_have_count(1)
    booking.refresh_from_db()
    assert booking.status == "approved"
