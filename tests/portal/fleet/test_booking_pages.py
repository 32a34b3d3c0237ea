"""Booking pages and API: the list and its filter, the request form, a booking's page (chain,
history, the vehicle and driver for the requester), signing and cancelling from it, amending,
the awaiting list; scope (404 outside it) and refusals (the error's own status, nothing written).
"""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from portal.fleet.choices import BookingStatus
from portal.fleet.models import Booking, TripApprovalRule
from portal.fleet.services.approvals import sign
from tests.portal.core.test_offline import EXTERNAL
from tests.portal.fleet.booking_data import assign, world_in_english
from tests.portal.fleet.factories import at

world = pytest.fixture(world_in_english, name="world")


@pytest.fixture
def client(client):
    # The pages follow the browser's language, not the one active in the test.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signed_in(client, user):
    client.force_login(user)
    return client


def form_data(**overrides):
    data = {
        "unit": "",
        "pool": "",
        "trip_type": "business",
        "purpose": "调研",
        "passengers": "2",
        "passenger_names": "张三",
        "origin_label": "锦江区政府",
        "origin_lon": "104.08",
        "origin_lat": "30.63",
        "destination_label": "涪城区政府",
        "destination_lon": "104.74",
        "destination_lat": "31.46",
        "starts_at": at(2, 9).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": at(2, 18).strftime("%Y-%m-%dT%H:%M"),
        "round_trip": "on",
        "seats_needed": "3",
        "nev_ok": "on",
        "vehicle_type": "",
    }
    data.update(overrides)
    return data


# -- the list and the awaiting page -------------------------------------------------------------


def test_pages_need_a_login(client, world):
    booking = world.book()
    for url in (
        reverse("fleet:booking_list"),
        reverse("fleet:booking_create"),
        reverse("fleet:booking_awaiting"),
        booking.get_absolute_url(),
        reverse("fleet:booking_amend", args=[booking.pk]),
    ):
        assert client.get(url).status_code == 302


def test_the_list_shows_what_the_user_may_see(client, world):
    mine = world.book(purpose="锦江调研")
    theirs = world.book(by=world.officer_b, unit=world.unit_b, purpose="武侯调研")
    page = signed_in(client, world.officer_a).get(reverse("fleet:booking_list"))
    assert page.status_code == 200
    shown = {b.pk for b in page.context["bookings"]}
    assert shown == {mine.pk}
    page = signed_in(client, world.manager).get(reverse("fleet:booking_list"))
    assert {b.pk for b in page.context["bookings"]} == {mine.pk, theirs.pk}  # the pool's


def test_the_list_filters(client, world):
    first = world.book(purpose="调研甲")
    second = world.book(purpose="会议乙", trip_type="conference")
    sign(second, "approved", by=world.officer_a2)
    signed_in(client, world.officer_a)
    url = reverse("fleet:booking_list")
    assert [b.pk for b in client.get(url, {"status": "approved"}).context["bookings"]] == [
        second.pk
    ]
    assert [b.pk for b in client.get(url, {"trip_type": "business"}).context["bookings"]] == [
        first.pk
    ]
    assert [b.pk for b in client.get(url, {"q": "会议"}).context["bookings"]] == [second.pk]
    assert client.get(url, {"region_class": "cooperation"}).context["bookings"].count() == 0
    assert client.get(url, {"status": "bogus"}).context["bookings"].count() == 0


def test_the_awaiting_page_lists_what_the_user_signs(client, world):
    booking = world.book()
    page = signed_in(client, world.officer_a2).get(reverse("fleet:booking_awaiting"))
    assert [b.pk for b in page.context["bookings"]] == [booking.pk]
    page = signed_in(client, world.officer_a).get(reverse("fleet:booking_awaiting"))
    assert page.context["bookings"] == []
    assert b"Nothing awaits your approval" in page.content


# -- requesting -----------------------------------------------------------------------------------


def test_the_request_form_offers_a_map_picker_without_inline_script(client, world):
    page = signed_in(client, world.officer_a).get(reverse("fleet:booking_create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-booking-picker="booking-picker-data"' in html
    picker = json.loads(re.search(r'id="booking-picker-data"[^>]*>(.*?)</script>', html).group(1))
    assert picker["search"] == reverse("maps:search")
    assert not EXTERNAL.search(html)
    assert "onclick" not in html
    assert 'style="' not in html
    assert page.context["form"].fields["unit"].initial == world.unit_a.pk


def test_a_request_is_submitted_from_the_form(client, world):
    signed_in(client, world.officer_a)
    data = form_data(unit=world.unit_a.pk, pool=world.pool.pk)
    response = client.post(reverse("fleet:booking_create"), data)
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response.url == booking.get_absolute_url()
    assert booking.requested_by == world.officer_a
    assert (round(booking.origin.x, 2), round(booking.origin.y, 2)) == (104.08, 30.63)
    assert booking.region_class == "sichuan"
    assert booking.round_trip is True
    assert booking.nev_ok is True


def test_a_refused_request_shows_why_and_writes_nothing(client, world):
    signed_in(client, world.officer_a)
    data = form_data(unit=world.unit_a.pk, pool=world.pool.pk, passengers="4", seats_needed="3")
    response = client.post(reverse("fleet:booking_create"), data)
    assert response.status_code == 400
    assert "Ask for at least 4 seats" in response.content.decode()
    bad = client.post(reverse("fleet:booking_create"), form_data(unit=world.unit_a.pk))
    assert bad.status_code == 400
    assert not Booking.objects.exists()


def test_the_form_offers_only_units_the_user_may_request_for(client, world):
    signed_in(client, world.officer_a)
    data = form_data(unit=world.unit_b.pk, pool=world.pool.pk)
    assert client.post(reverse("fleet:booking_create"), data).status_code == 400
    assert not Booking.objects.exists()


def test_a_viewer_may_not_request(client, world):
    response = signed_in(client, world.viewer_a).get(reverse("fleet:booking_create"))
    assert response.status_code == 403
    assert "Only officers" in response.content.decode()


# -- a booking's page -----------------------------------------------------------------------------


def test_the_requester_sees_the_chain_history_and_the_assignment(client, world):
    booking = world.book()
    sign(booking, "approved", by=world.officer_a2)
    assign(booking, world)
    page = signed_in(client, world.officer_a).get(booking.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "川A12345" in html
    assert "王师傅" in html
    assert "13800000000" in html
    assert [s.state for s in page.context["steps"]] == ["signed"]
    assert [row["change"].action for row in page.context["history"]] == ["submitted", "approved"]
    data = page.context["map_data"]
    assert data["origin"]["geometry"]["type"] == "Point"
    assert data["line"]["geometry"]["coordinates"][1] == [104.74, 31.46]
    assert not EXTERNAL.search(html)


def test_a_booking_outside_the_scope_is_a_404(client, world):
    booking = world.book()
    assert signed_in(client, world.officer_b).get(booking.get_absolute_url()).status_code == 404
    url = reverse("fleet:booking_amend", args=[booking.pk])
    assert client.get(url).status_code == 404


def test_the_holder_of_the_serving_vehicle_sees_the_booking(client, world):
    booking = world.book()
    sign(booking, "approved", by=world.officer_a2)
    assign(booking, world)  # a vehicle of unit B
    assert signed_in(client, world.officer_b).get(booking.get_absolute_url()).status_code == 200


def test_signing_from_the_page(client, world):
    booking = world.book()
    signed_in(client, world.officer_a2)
    page = client.get(booking.get_absolute_url())
    assert page.context["may_sign"] is True
    response = client.post(
        booking.get_absolute_url(), {"action": "sign", "decision": "approved", "comment": ""}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED


def test_a_wrong_signer_is_refused_on_the_page(client, world):
    TripApprovalRule.objects.create(unit=world.unit_a, trip_type="", steps=["unit", "pool"])
    booking = world.book()
    signed_in(client, world.manager)
    assert client.get(booking.get_absolute_url()).context["may_sign"] is False
    response = client.post(booking.get_absolute_url(), {"action": "sign", "decision": "approved"})
    assert response.status_code == 403
    assert "is not yours to sign" in response.content.decode()
    assert booking.approvals.count() == 0


def test_the_page_offers_no_second_signature_to_the_same_person(client, world):
    TripApprovalRule.objects.create(unit=world.unit_a, trip_type="", steps=["unit", "division"])
    booking = world.book()
    sign(booking, "approved", by=world.province_admin)
    signed_in(client, world.province_admin)
    assert client.get(booking.get_absolute_url()).context["may_sign"] is False
    response = client.post(booking.get_absolute_url(), {"action": "sign", "decision": "approved"})
    assert response.status_code == 403
    assert "already signed" in response.content.decode()
    assert booking.approvals.count() == 1


def test_a_rejection_from_the_page_needs_a_comment(client, world):
    booking = world.book()
    signed_in(client, world.officer_a2)
    response = client.post(booking.get_absolute_url(), {"action": "sign", "decision": "rejected"})
    assert response.status_code == 400
    response = client.post(
        booking.get_absolute_url(), {"action": "sign", "decision": "rejected", "comment": "不必"}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REJECTED


def test_cancelling_from_the_page(client, world):
    booking = world.book()
    signed_in(client, world.officer_a)
    assert client.post(booking.get_absolute_url(), {"action": "cancel"}).status_code == 400
    response = client.post(booking.get_absolute_url(), {"action": "cancel", "reason": "改期"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (BookingStatus.CANCELLED, "改期")
    page = client.get(booking.get_absolute_url())
    assert page.context["may_amend"] is False
    again = client.post(booking.get_absolute_url(), {"action": "cancel", "reason": "再次"})
    assert again.status_code == 409


def test_the_manager_may_not_cancel(client, world):
    booking = world.book()
    signed_in(client, world.manager)
    response = client.post(booking.get_absolute_url(), {"action": "cancel", "reason": "不用"})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.SUBMITTED


# -- amending -------------------------------------------------------------------------------------


def test_the_amend_form_starts_from_the_booking(client, world):
    booking = world.book()
    page = signed_in(client, world.officer_a).get(reverse("fleet:booking_amend", args=[booking.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    assert "unit" not in form.fields
    assert "note" in form.fields
    assert form.initial["origin_lon"] == 104.08
    assert form.initial["purpose"] == booking.purpose


def test_amending_an_assigned_booking_from_the_page_releases_the_vehicle(client, world):
    booking = world.book()
    sign(booking, "approved", by=world.officer_a2)
    assignment = assign(booking, world)
    signed_in(client, world.officer_a)
    data = form_data(
        purpose=booking.purpose,
        passenger_names=booking.passenger_names,
        origin_label=booking.origin_label,
        destination_label=booking.destination_label,
        starts_at=at(1, 9).strftime("%Y-%m-%dT%H:%M"),
        ends_at=at(1, 17).strftime("%Y-%m-%dT%H:%M"),
        passengers="2",
        seats_needed="5",
        note="多带设备",
    )
    response = client.post(reverse("fleet:booking_amend", args=[booking.pk]), data)
    assert response.status_code == 302
    booking.refresh_from_db()
    assignment.refresh_from_db()
    assert booking.status == BookingStatus.SUBMITTED
    assert assignment.released_at is not None
    change = booking.changes.last()
    assert change.changes["seats_needed"] == [4, 5]
    assert change.note == "多带设备"


def test_a_closed_booking_cannot_be_amended(client, world):
    booking = world.book()
    sign(booking, "rejected", by=world.officer_a2, comment="不必")
    response = signed_in(client, world.officer_a).get(
        reverse("fleet:booking_amend", args=[booking.pk])
    )
    assert response.status_code == 409


def test_the_manager_sees_but_may_not_amend(client, world):
    booking = world.book()
    response = signed_in(client, world.manager).get(
        reverse("fleet:booking_amend", args=[booking.pk])
    )
    assert response.status_code == 403


# -- the API --------------------------------------------------------------------------------------


@pytest.fixture
def api():
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def api_body(world, **overrides):
    body = {
        "unit": world.unit_a.credit_code,
        "pool": world.pool.pk,
        "trip_type": "business",
        "purpose": "调研",
        "passengers": 2,
        "origin": {"type": "Point", "coordinates": [104.08, 30.63]},
        "origin_label": "锦江区政府",
        "destination": [104.74, 31.46],
        "destination_label": "涪城区政府",
        "starts_at": at(3, 9).isoformat(),
        "ends_at": at(3, 12).isoformat(),
        "round_trip": False,
        "seats_needed": 2,
        "nev_ok": False,
    }
    body.update(overrides)
    return body


def test_the_api_submits_reads_and_lists(api, world):
    api.force_authenticate(world.officer_a)
    created = api.post("/api/vehicle-bookings/", api_body(world), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "submitted"
    assert body["awaiting_step"] == "unit"
    assert body["origin"] == {"type": "Point", "coordinates": [104.08, 30.63]}
    assert body["region_class"] == "sichuan"
    assert body["assignment"] is None
    listed = api.get("/api/vehicle-bookings/", {"status": "submitted"}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    api.force_authenticate(world.officer_b)
    assert api.get(f"/api/vehicle-bookings/{body['id']}/").status_code == 404


def test_the_api_refuses_with_the_services_errors(api, world):
    api.force_authenticate(world.officer_b)
    refused = api.post("/api/vehicle-bookings/", api_body(world), format="json")
    assert refused.status_code == 403
    assert "may not request vehicles" in refused.json()["detail"]
    api.force_authenticate(world.officer_a)
    bad = api.post(
        "/api/vehicle-bookings/", api_body(world, passengers=3, seats_needed=2), format="json"
    )
    assert bad.status_code == 400
    assert "at least 3 seats" in bad.json()["detail"]
    far = api.post("/api/vehicle-bookings/", api_body(world, origin=[0, 0]), format="json")
    assert far.status_code == 400
    assert "origin" in far.json()["errors"]
    assert not Booking.objects.exists()


@pytest.mark.parametrize("coordinate", [10**400, -(10**400)])
def test_the_api_refuses_a_coordinate_beyond_any_float(api, world, coordinate):
    api.force_authenticate(world.officer_a)
    body = api_body(world, origin={"type": "Point", "coordinates": [coordinate, 30.6]})
    response = api.post("/api/vehicle-bookings/", body, format="json")
    assert response.status_code == 400
    assert "origin" in response.json()["errors"]
    assert not Booking.objects.exists()


def test_the_api_amends_approves_and_cancels(api, world):
    booking = world.book()
    api.force_authenticate(world.officer_a)
    url = f"/api/vehicle-bookings/{booking.pk}/"
    amended = api.patch(url, {"purpose": "检查", "note": "更正"}, format="json")
    assert amended.status_code == 200
    assert amended.json()["purpose"] == "检查"
    assert api.post(url + "approve/", {}, format="json").status_code == 403  # his own
    api.force_authenticate(world.officer_a2)
    approved = api.post(url + "approve/", {"comment": "同意"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert api.post(url + "reject/", {"comment": "晚了"}, format="json").status_code == 409
    assert api.post(url + "cancel/", {}, format="json").status_code == 400
    cancelled = api.post(url + "cancel/", {"reason": "改期"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert api.patch(url, {"purpose": "再改"}, format="json").status_code == 409


def test_the_api_shows_the_assignment_to_the_requester(api, world):
    booking = world.book()
    sign(booking, "approved", by=world.officer_a2)
    assign(booking, world)
    api.force_authenticate(world.officer_a)
    body = api.get(f"/api/vehicle-bookings/{booking.pk}/").json()
    assert body["assignment"]["vehicle"] == "川A12345"
    assert body["assignment"]["driver_phone"] == "13800000000"
    assert body["status"] == "assigned"


def test_the_page_links_to_dispatch_and_completion_for_those_who_may(client, world):
    booking = world.book()
    sign(booking, "approved", by=world.officer_a2)
    page = signed_in(client, world.manager).get(booking.get_absolute_url())
    assert page.context["links"] == {
        "dispatch": reverse("fleet:dispatch_booking", args=[booking.pk])
    }
    assert signed_in(client, world.officer_a).get(booking.get_absolute_url()).context["links"] == {}
    assign(booking, world)
    links = signed_in(client, world.officer_b).get(booking.get_absolute_url()).context["links"]
    assert links == {"complete": reverse("fleet:trip_complete", args=[booking.pk])}


def test_the_api_answers_the_step_awaited_after_signing(api, world):
    TripApprovalRule.objects.create(unit=world.unit_a, trip_type="", steps=["unit", "pool"])
    booking = world.book()
    api.force_authenticate(world.officer_a2)
    body = api.post(f"/api/vehicle-bookings/{booking.pk}/approve/", {}, format="json").json()
    assert body["status"] == "submitted"
    assert body["awaiting_step"] == "pool"


def test_growing_lists_add_no_queries(client, api, world):
    def count(fetch):
        with CaptureQueriesContext(connection) as queries:
            assert fetch().status_code == 200
        return len(queries)

    first = world.book()
    sign(first, "approved", by=world.officer_a2)
    assign(first, world)
    signed_in(client, world.officer_a)
    api.force_authenticate(world.officer_a)
    page = count(lambda: client.get(reverse("fleet:booking_list")))
    listed = count(lambda: api.get("/api/vehicle-bookings/"))
    for day in range(2, 6):
        world.book(starts_at=at(day, 9), ends_at=at(day, 12))
    assert count(lambda: client.get(reverse("fleet:booking_list"))) == page
    assert count(lambda: api.get("/api/vehicle-bookings/")) == listed


def test_a_purpose_change_on_the_page_keeps_the_approval_of_a_time_with_seconds(client, world):
    booking = world.book(starts_at=at(1, 9).replace(second=30))
    sign(booking, "approved", by=world.officer_a2)
    signed_in(client, world.officer_a)
    url = reverse("fleet:booking_amend", args=[booking.pk])
    shown = client.get(url).context["form"]
    data = {name: shown[name].value() for name in shown.fields}
    data = {name: value for name, value in data.items() if value not in (None, False)}
    data["starts_at"] = shown["starts_at"].value().strftime("%Y-%m-%dT%H:%M")
    data["ends_at"] = shown["ends_at"].value().strftime("%Y-%m-%dT%H:%M")
    data["purpose"] = "改为检查"
    response = client.post(url, data)
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED
    assert booking.changes.last().changes == {"purpose": ["调研公务用车平台", "改为检查"]}
    unchanged = client.post(url, data)
    assert unchanged.status_code == 400
    assert "changes nothing" in unchanged.content.decode()
