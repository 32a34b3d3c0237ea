"""Trip and statement pages and the trips API: completing from the form, refusals with their
status, the trip list and detail, the statement's scope, the pool matrix."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.fleet.choices import BookingStatus, RegionClass
from portal.fleet.models import Trip
from tests.factories import UserFactory
from tests.portal.fleet.trip_data import assigned_booking, local, province_admin, trip, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def signed_in(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def sheet(booking, **overrides):
    start = timezone.localtime(booking.starts_at)
    data = {
        "odometer_start": "12000.0",
        "odometer_end": "12080.5",
        "actual_start": start.strftime("%Y-%m-%dT%H:%M"),
        "actual_end": (start + dt.timedelta(minutes=95)).strftime("%Y-%m-%dT%H:%M"),
        "tolls": "20.00",
        "parking": "",
        "fuel_cost": "60.00",
        "notes": "准时",
    }
    return {**data, **overrides}


# -- completing --------------------------------------------------------------------------------


def test_form_is_prefilled_for_the_manager(client, w):
    booking = assigned_booking(w)
    response = signed_in(client, w.manager).get(reverse("fleet:trip_complete", args=[booking.pk]))
    assert response.status_code == 200
    assert response.context["form"].initial["odometer_start"] == Decimal("12000")
    assert w.vehicle.plate in response.content.decode()


def test_completing_from_the_form(client, w):
    booking = assigned_booking(w)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    response = signed_in(client, w.manager).post(url, sheet(booking))
    trip = Trip.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("fleet:trip_detail", args=[trip.pk])
    # 80.5 km × 2.50 + 2 h (95 min → 4 half-hours) × 30.00 = 201.25 + 60.00, + 20.00 tolls
    assert trip.amount == Decimal("281.25")
    assert trip.parking == Decimal("0.00")
    page = client.get(response.url)
    assert "281.25" in page.content.decode()
    assert "Settlement" in page.content.decode()


def test_holder_officer_completes(client, w):
    booking = assigned_booking(w)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    response = signed_in(client, w.holder_officer).post(url, sheet(booking))
    assert response.status_code == 302


def test_requester_is_refused(client, w):
    booking = assigned_booking(w)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    response = signed_in(client, w.requester).get(url)
    assert response.status_code == 403
    assert signed_in(client, w.requester).post(url, sheet(booking)).status_code == 403
    assert not Trip.objects.exists()


def test_a_booking_yet_to_start_has_no_log_sheet(client, w):
    booking = assigned_booking(w, starts_at=local(timezone.localdate() + dt.timedelta(days=5), 9))
    url = reverse("fleet:trip_complete", args=[booking.pk])
    response = signed_in(client, w.manager).get(url)
    assert response.status_code == 409
    assert "cannot be completed before" in response.content.decode()
    assert client.post(url, sheet(booking)).status_code == 409
    assert not Trip.objects.exists()


def test_booking_out_of_sight_is_404(client, w):
    booking = assigned_booking(w)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    assert signed_in(client, UserFactory()).get(url).status_code == 404


def test_completed_booking_is_409(client, w):
    booking = assigned_booking(w, status=BookingStatus.COMPLETED)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    assert signed_in(client, w.manager).get(url).status_code == 409


def test_backwards_odometer_comes_back_with_the_message(client, w):
    booking = assigned_booking(w)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    response = signed_in(client, w.manager).post(url, sheet(booking, odometer_end="11000.0"))
    assert response.status_code == 400
    assert "cannot be below the start" in response.content.decode()
    assert not Trip.objects.exists()


def test_unparseable_form_is_400(client, w):
    booking = assigned_booking(w)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    response = signed_in(client, w.manager).post(url, sheet(booking, actual_end="tomorrow"))
    assert response.status_code == 400


def test_missing_tariff_is_409_on_the_page(client, w):
    w.pool.tariffs.all().delete()
    booking = assigned_booking(w)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    response = signed_in(client, w.manager).post(url, sheet(booking))
    assert response.status_code == 409
    assert "has no tariff" in response.content.decode()


def test_sign_in_required(client, w):
    booking = assigned_booking(w)
    response = client.get(reverse("fleet:trip_complete", args=[booking.pk]))
    assert response.status_code == 302
    assert "login" in response.url


# -- the trip list and detail ------------------------------------------------------------------


def test_trip_list_is_scoped_and_filtered_by_month(client, w):
    sept = trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="10.00",
        ended=local(dt.date(2026, 9, 5), 12),
    )
    octo = trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="20.00",
        ended=local(dt.date(2026, 10, 5), 12),
    )
    other = world()
    hidden = trip(
        other,
        payer=other.requester_unit,
        payee_vehicle=other.vehicle,
        amount="1.00",
        ended=local(dt.date(2026, 9, 6), 12),
    )
    response = signed_in(client, w.requester).get(reverse("fleet:trip_list"))
    assert set(response.context["trips"]) == {sept, octo}
    response = client.get(reverse("fleet:trip_list"), {"month": "2026-09"})
    assert list(response.context["trips"]) == [sept]
    assert client.get(reverse("fleet:trip_detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("fleet:trip_list"), {"month": "2026-9x"}).status_code == 400
    assert set(
        signed_in(client, province_admin()).get(reverse("fleet:trip_list")).context["trips"]
    ) == {sept, octo, hidden}


# -- statements ---------------------------------------------------------------------------------


@pytest.fixture
def september(w):
    trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="100.05",
        ended=local(dt.date(2026, 9, 2), 12),
    )
    trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="0.01",
        ended=local(dt.date(2026, 9, 3), 12),
        region_class=RegionClass.CROSS_PROVINCE,
        crosses_border=True,
    )
    return w


def test_statement_page_defaults_to_own_unit(client, september):
    w = september
    response = signed_in(client, w.requester).get(reverse("fleet:statement"), {"month": "2026-09"})
    assert response.status_code == 200
    statement = response.context["statement"]
    assert statement.unit == w.requester_unit
    assert statement.payable == Decimal("100.06")
    html = response.content.decode()
    assert "100.06" in html
    assert "Sichuan–Chongqing cross-border trips" in html
    assert reverse("fleet:statement_xlsx") in html
    assert reverse("fleet:statement_pdf") in html


def test_statement_of_another_unit_is_refused(client, september):
    w = september
    response = signed_in(client, w.requester).get(
        reverse("fleet:statement"), {"month": "2026-09", "unit": w.holder.pk}
    )
    assert response.status_code == 400
    assert response.context["statement"] is None


def test_pool_manager_and_province_admin_open_any_member(client, september):
    w = september
    for user in (w.manager, province_admin()):
        response = signed_in(client, user).get(
            reverse("fleet:statement"), {"month": "2026-09", "unit": w.holder.pk}
        )
        assert response.status_code == 200
        assert response.context["statement"].receivable == Decimal("100.06")


def test_bad_month_is_400(client, september):
    response = signed_in(client, september.requester).get(
        reverse("fleet:statement"), {"month": "2026-13"}
    )
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


@pytest.mark.parametrize("month", ["0000-01", "1999-12", "2101-01", "9999-12"])
def test_months_outside_the_supported_years_are_400(client, september, month):
    w = september
    signed_in(client, w.manager)
    for url in (
        reverse("fleet:statement"),
        reverse("fleet:statement_xlsx"),
        reverse("fleet:trip_list"),
        reverse("fleet:pool_statement", args=[w.pool.pk]),
        reverse("fleet:pool_statement_xlsx", args=[w.pool.pk]),
    ):
        response = client.get(url, {"month": month})
        assert response.status_code == 400, url
        assert "between 2000-01 and 2100-12" in response.content.decode(), url


def test_a_managers_statement_of_another_unit_says_it_is_partial(client, september):
    w = september
    note = "Trips of pools you manage only"
    response = signed_in(client, w.manager).get(
        reverse("fleet:statement"), {"month": "2026-09", "unit": w.holder.pk}
    )
    assert note in response.content.decode()
    response = signed_in(client, w.holder_officer).get(
        reverse("fleet:statement"), {"month": "2026-09"}
    )
    assert response.context["statement"].unit == w.holder
    assert note not in response.content.decode()


def test_pool_statement(client, september):
    w = september
    url = reverse("fleet:pool_statement", args=[w.pool.pk])
    response = signed_in(client, w.manager).get(url, {"month": "2026-09"})
    assert response.status_code == 200
    assert response.context["summary"].total == Decimal("100.06")
    assert w.requester_unit.name in response.content.decode()
    assert signed_in(client, w.requester).get(url).status_code == 404


# -- the API ---------------------------------------------------------------------------------


def api_sheet(booking, **overrides):
    data = {
        "booking": booking.pk,
        "odometer_start": "12000.0",
        "odometer_end": "12010.0",
        "actual_start": booking.starts_at.isoformat(),
        "actual_end": (booking.starts_at + dt.timedelta(minutes=60)).isoformat(),
        "tolls": "5.00",
    }
    return {**data, **overrides}


def test_api_completes_and_lists(client, w):
    booking = assigned_booking(w)
    signed_in(client, w.manager)
    response = client.post(
        reverse("api:trip-list"), api_sheet(booking), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert Decimal(str(body["amount"])) == Decimal("60.00")  # 10 km × 2.50 + 1 h × 30.00 + 5.00
    assert body["payer"] == w.requester_unit.credit_code
    assert body["vehicle"] == w.vehicle.plate
    listed = client.get(reverse("api:trip-list")).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    signed_in(client, UserFactory())
    assert client.get(reverse("api:trip-list")).json()["results"] == []
    assert client.get(reverse("api:trip-detail", args=[body["id"]])).status_code == 404


def test_api_refusals(client, w):
    booking = assigned_booking(w)
    url = reverse("api:trip-list")
    signed_in(client, w.requester)
    response = client.post(url, api_sheet(booking), content_type="application/json")
    assert response.status_code == 403
    assert "complete a trip" in response.json()["detail"]
    signed_in(client, w.manager)
    response = client.post(url, api_sheet(booking, tolls="-1.00"), content_type="application/json")
    assert response.status_code == 400
    assert "cannot be negative" in response.json()["detail"]
    signed_in(client, UserFactory())
    response = client.post(url, api_sheet(booking), content_type="application/json")
    assert response.status_code == 400
    assert "booking" in response.json()["errors"]
    assert not Trip.objects.exists()


def test_api_refuses_figures_the_trip_cannot_hold(client):
    w = world(per_km=Decimal("999999.99"))
    booking = assigned_booking(w)
    url = reverse("api:trip-list")
    signed_in(client, w.manager)
    far = api_sheet(booking, odometer_start="0.0", odometer_end="99999999.9")
    response = client.post(url, far, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Odometer at end")
    # 10,000 km × 999,999.99 + 1 h × 30.00 + 100.00 tolls = 10,000,000,030.00
    costly = api_sheet(booking, odometer_start="0.0", odometer_end="10000.0", tolls="100.00")
    response = client.post(url, costly, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Amount due")
    early = api_sheet(booking, actual_start="2024-01-01T09:00:00+08:00")
    response = client.post(url, early, content_type="application/json")
    assert response.status_code == 400
    assert "booked window" in response.json()["detail"]
    assert not Trip.objects.exists()


def test_form_refuses_an_amount_the_trip_cannot_hold(client):
    w = world(per_km=Decimal("999999.99"))
    booking = assigned_booking(w)
    url = reverse("fleet:trip_complete", args=[booking.pk])
    data = sheet(booking, odometer_start="0.0", odometer_end="99999999.9")
    response = signed_in(client, w.manager).post(url, data)
    assert response.status_code == 400
    assert "Odometer at end" in response.content.decode()
    assert not Trip.objects.exists()


def _page_queries(client, user, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("fleet:statement"), {"month": "2026-09", **params})
    assert response.status_code == 200
    return len(queries)


def test_statement_queries_do_not_grow_with_lines(client, w):
    signed_in(client, w.manager)
    for n in range(1, 3):
        trip(w, payer=w.requester_unit, payee_vehicle=w.vehicle, amount="1.00",
             ended=local(dt.date(2026, 9, n), 12))  # fmt: skip
    few = _page_queries(client, w.manager, unit=w.requester_unit.pk)
    for n in range(3, 12):
        trip(w, payer=w.requester_unit, payee_vehicle=w.vehicle, amount="1.00",
             ended=local(dt.date(2026, 9, n), 12))  # fmt: skip
    assert _page_queries(client, w.manager, unit=w.requester_unit.pk) == few
