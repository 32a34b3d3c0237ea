"""Dispatch pages and API: the manager's queue, a booking's suggestions with one-click Assign,
release and reassign; scope (404 for bookings of pools the user does not manage), refusals with
the error's own status and nothing written; the API's suggestions and assignment."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from portal.fleet.choices import BookingStatus
from portal.fleet.models import Assignment
from portal.fleet.services.dispatch import assign
from tests.factories import UnitFactory
from tests.portal.core.test_offline import EXTERNAL
from tests.portal.fleet.dispatch_world import ORIGIN, booking, driver, vehicle_at, world
from tests.portal.fleet.factories import PoolFactory, at

pytestmark = pytest.mark.django_db

# Session, user, the booking, its active assignment, the manager check, the candidate vehicles,
# the free drivers, the signed-in user's unit (base template), the session's save.
SUGGESTION_PAGE_QUERIES = 11


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    # The pages follow the browser's language, not the one active in the test.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def w():
    w = world()
    w.near = vehicle_at(w.holder, (ORIGIN[0], ORIGIN[1] + 0.01), plate="川A00001")
    w.far = vehicle_at(w.holder, (ORIGIN[0], ORIGIN[1] + 0.2), plate="川A00002")
    w.driver = driver(w.holder, name="张师傅", phone="13800000000")
    w.other_driver = driver(w.requester_unit, name="李师傅")
    w.booking = booking(w, origin_label="省政府", destination_label="天府新区")
    return w


def page_url(b):
    return reverse("fleet:dispatch_booking", args=[b.pk])


def test_pages_need_a_login(client, w):
    for url in (reverse("fleet:dispatch_queue"), page_url(w.booking)):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_queue_lists_waiting_and_assigned_bookings(client, w):
    assigned = booking(w, starts_at=at(3, 9))
    assign(assigned, w.far, w.other_driver, by=w.manager)
    booking(w, status=BookingStatus.SUBMITTED)
    client.force_login(w.manager)
    page = client.get(reverse("fleet:dispatch_queue"))
    body = page.content.decode()
    assert page.status_code == 200
    waiting = re.search(r'<table id="waiting-table">.*?</table>', body, re.S).group(0)
    assert f'data-booking="{w.booking.pk}"' in waiting
    assert f'data-booking="{assigned.pk}"' not in waiting
    done = re.search(r'<table id="assigned-table">.*?</table>', body, re.S).group(0)
    assert f'data-booking="{assigned.pk}"' in done
    assert "川A00002" in done
    assert "李师傅" in done
    assert not EXTERNAL.search(body)


def test_queue_of_a_non_manager_is_empty(client, w):
    client.force_login(w.requester)
    page = client.get(reverse("fleet:dispatch_queue"))
    assert page.status_code == 200
    assert 'id="dispatch-no-pool"' in page.content.decode()
    assert f'data-booking="{w.booking.pk}"' not in page.content.decode()


def test_booking_page_ranks_with_components_and_map(client, w, django_assert_max_num_queries):
    client.force_login(w.manager)
    with django_assert_max_num_queries(SUGGESTION_PAGE_QUERIES):
        page = client.get(page_url(w.booking))
    body = page.content.decode()
    assert page.status_code == 200
    rows = re.findall(r'<tr data-vehicle="\d+" data-plate="([^"]+)"', body)
    assert rows == ["川A00001", "川A00002"]
    first = re.search(r'data-plate="川A00001">(.*?)</tr>', body, re.S).group(1)
    assert "base building" in first
    assert f'<option value="{w.driver.pk}" selected>' in first
    assert 'name="action" value="assign"' in first
    data = json.loads(re.search(r'id="dispatch-map-data"[^>]*>(.*?)</script>', body, re.S)[1])
    assert data["origin"]["geometry"]["coordinates"] == list(ORIGIN)
    assert len(data["vehicles"]) == len(data["lines"]) == 2
    assert data["lines"][0]["geometry"]["coordinates"][1] == list(ORIGIN)
    assert "style=" not in body
    assert not EXTERNAL.search(body)


def test_one_click_assign_and_the_requester_sees_it(client, w):
    client.force_login(w.manager)
    response = client.post(
        page_url(w.booking), {"action": "assign", "vehicle": w.near.pk, "driver": w.driver.pk}
    )
    assert response.status_code == 302
    w.booking.refresh_from_db()
    assert w.booking.status == BookingStatus.ASSIGNED
    page = client.get(page_url(w.booking)).content.decode()
    current = re.search(r'<dl class="attributes" id="current-assignment">(.*?)</dl>', page, re.S)
    assert "川A00001" in current.group(1)
    assert "13800000000" in current.group(1)
    assert 'name="action" value="reassign"' in page
    client.force_login(w.requester)
    booking_page = client.get(w.booking.get_absolute_url())
    assert booking_page.status_code == 200
    assert "川A00001" in booking_page.content.decode()


def test_release_and_reassign_from_the_page(client, w):
    assign(w.booking, w.near, w.driver, by=w.manager)
    client.force_login(w.manager)
    response = client.post(
        page_url(w.booking),
        {"action": "reassign", "vehicle": w.far.pk, "driver": w.driver.pk, "reason": "换车"},
    )
    assert response.status_code == 302
    assert w.booking.assignments.get(released_at__isnull=True).vehicle == w.far
    response = client.post(page_url(w.booking), {"action": "release", "reason": "取消派车"})
    assert response.status_code == 302
    w.booking.refresh_from_db()
    assert w.booking.status == BookingStatus.APPROVED
    assert not w.booking.assignments.filter(released_at__isnull=True).exists()


def test_refusals_keep_their_status_and_write_nothing(client, w):
    client.force_login(w.manager)
    busy = booking(w)
    assign(busy, w.near, w.other_driver, by=w.manager)
    response = client.post(
        page_url(w.booking), {"action": "assign", "vehicle": w.near.pk, "driver": w.driver.pk}
    )
    assert response.status_code == 409
    assert "is already assigned to another trip" in response.content.decode()
    bus_driver_missing = vehicle_at(w.holder, ORIGIN, seats=30, vehicle_type="bus")
    response = client.post(
        page_url(w.booking),
        {"action": "assign", "vehicle": bus_driver_missing.pk, "driver": w.driver.pk},
    )
    assert response.status_code == 400
    assert "does not cover" in response.content.decode()
    outside = vehicle_at(w.outsider, ORIGIN)
    response = client.post(
        page_url(w.booking), {"action": "assign", "vehicle": outside.pk, "driver": w.driver.pk}
    )
    assert response.status_code == 400
    assert client.post(page_url(w.booking), {"action": "nothing"}).status_code == 400
    assert client.post(page_url(w.booking), {"action": "release"}).status_code == 409
    assert Assignment.objects.filter(booking=w.booking).count() == 0


def test_bookings_of_pools_one_does_not_manage_are_404(client, w):
    client.force_login(w.requester)
    assert client.get(page_url(w.booking)).status_code == 404
    response = client.post(
        page_url(w.booking), {"action": "assign", "vehicle": w.near.pk, "driver": w.driver.pk}
    )
    assert response.status_code == 404
    assert not Assignment.objects.exists()


def test_closed_booking_page_offers_nothing(client, w):
    done = booking(w, status=BookingStatus.CANCELLED)
    client.force_login(w.manager)
    body = client.get(page_url(done)).content.decode()
    assert 'id="not-dispatchable"' in body
    assert "assign-button" not in body


# -- API ------------------------------------------------------------------------------------------


def api(pk, what):
    return f"/api/vehicle-dispatch/{pk}/{what}/"


def test_api_suggestions_and_assign(client, w):
    client.force_login(w.manager)
    found = client.get(api(w.booking.pk, "suggestions"), {"limit": 1})
    assert found.status_code == 200
    [first] = found.json()
    assert first["rank"] == 1
    assert first["vehicle"]["plate"] == "川A00001"
    assert first["driver"]["name"] == "张师傅"
    assert set(first) >= {"distance_score", "fit_score", "balance_score", "score"}
    assert first["vehicle"]["position_source"] == "building"
    assert client.get(api(w.booking.pk, "suggestions"), {"limit": 0}).status_code == 400
    made = client.post(
        api(w.booking.pk, "assign"),
        {"vehicle": w.near.pk, "driver": w.driver.pk},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["vehicle"] == "川A00001"
    assert made.json()["released_at"] is None
    again = client.post(
        api(w.booking.pk, "assign"),
        {"vehicle": w.near.pk, "driver": w.driver.pk},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_api_double_booking_release_and_reassign(client, w):
    client.force_login(w.manager)
    assign(booking(w), w.near, w.other_driver, by=w.manager)
    taken = client.post(
        api(w.booking.pk, "assign"),
        {"vehicle": w.near.pk, "driver": w.driver.pk},
        content_type="application/json",
    )
    assert taken.status_code == 409
    assert taken.json()["detail"].startswith("Vehicle 川A00001 is already assigned")
    assign(w.booking, w.far, w.driver, by=w.manager)
    spare = vehicle_at(w.holder, ORIGIN, plate="川A00003")
    swapped = client.post(
        api(w.booking.pk, "reassign"),
        {"vehicle": spare.pk, "driver": w.driver.pk, "reason": "近"},
        content_type="application/json",
    )
    assert swapped.status_code == 200
    assert swapped.json()["vehicle"] == "川A00003"
    freed = client.post(api(w.booking.pk, "release"), {}, content_type="application/json")
    assert freed.status_code == 200
    assert freed.json()["released_at"] is not None


def test_api_scope_and_input(client, w):
    anonymous = client.get(api(w.booking.pk, "suggestions"))
    assert anonymous.status_code == 401
    client.force_login(w.requester)
    assert client.get(api(w.booking.pk, "suggestions")).status_code == 404
    client.force_login(w.manager)
    bad = client.post(
        api(w.booking.pk, "assign"), {"vehicle": w.near.pk}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert "driver" in bad.json()["errors"]


def test_api_takes_only_vehicles_and_drivers_of_the_pools_members(client, w):
    """Any id was once taken and the service's refusal named the plate or driver of another
    unit, so walking ids listed them all: now they "do not exist", as the page's form has it."""
    client.force_login(w.manager)
    # The manager manages another pool too, whose vehicles and drivers he may read.
    PoolFactory(operator=w.pool.operator, members=[w.outsider], managers=[w.manager])
    foreign = vehicle_at(w.outsider, ORIGIN, plate="川A09999")
    stranger = driver(w.outsider, name="王外人")
    nowhere = vehicle_at(UnitFactory(name="丁单位"), ORIGIN, plate="川A08888")
    tries = [
        ("assign", {"vehicle": foreign.pk, "driver": w.driver.pk}, "vehicle"),
        ("assign", {"vehicle": nowhere.pk, "driver": w.driver.pk}, "vehicle"),
        ("assign", {"vehicle": w.near.pk, "driver": stranger.pk}, "driver"),
        ("reassign", {"vehicle": foreign.pk, "driver": stranger.pk}, "vehicle"),
    ]
    for what, body, field in tries:
        refused = client.post(api(w.booking.pk, what), body, content_type="application/json")
        assert refused.status_code == 400, (what, body)
        assert field in refused.json()["errors"]
        text = refused.content.decode()
        assert "does not exist" in text
        for name in ("川A09999", "川A08888", "王外人"):
            assert name not in text
    assert not Assignment.objects.exists()
    made = client.post(
        api(w.booking.pk, "assign"),
        {"vehicle": w.near.pk, "driver": w.other_driver.pk},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
