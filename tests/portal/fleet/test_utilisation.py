"""Utilisation on hand-made hours: assigned hours inside the working day of the weekdays over
weekdays × working hours, by vehicle, holder unit and city; km of the trips begun in the
period; idle vehicles and their one-click offer to the public asset warehouse."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from portal.assets.exceptions import WarehouseForbiddenError
from portal.assets.models import Listing
from portal.fleet.exceptions import FleetStateError
from portal.fleet.models import Vehicle
from portal.fleet.services.utilisation import (
    idle_vehicles,
    offer_idle_vehicle,
    utilisation,
    weekdays,
)
from tests.factories import AssetFactory, UnitFactory, UserFactory, VehicleFactory
from tests.portal.fleet.factories import PoolFactory
from tests.portal.fleet.map_data import assign, booking, complete, local

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 2)
FRIDAY = dt.date(2026, 3, 6)
SATURDAY = dt.date(2026, 3, 7)


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


@pytest.fixture
def fleet(settings):
    settings.TIANFU_FLEET = {
        **settings.TIANFU_FLEET,
        "working_hours": 8,
        "idle_days": 5,
        "idle_pct": 15,
    }
    unit = UnitFactory(name="甲单位")
    far = UnitFactory(name="乙单位", division_code="510703")
    operator = UnitFactory()
    manager = UserFactory(unit=operator)
    pool = PoolFactory(operator=operator, members=[unit, far], managers=[manager])
    officer = UserFactory(unit=unit)
    car = VehicleFactory(holder=unit, plate="川A00001", asset=AssetFactory(holder=unit))
    van = VehicleFactory(holder=unit, plate="川A00002")
    VehicleFactory(holder=far, plate="川B00001")
    VehicleFactory(holder=unit, plate="川A00003", status="maintenance")

    def trip(vehicle, start, end, **assignment):
        item = booking(unit, officer, pool, start, end)
        return item, assign(item, vehicle, manager, **assignment)

    # car: Monday 8–12 counts 9–12 (3 h); Tuesday 16:00 to Wednesday 10:00 counts 1 h + 1 h;
    # Saturday is no working day; a released assignment on Thursday does not count: 5 h.
    monday, monday_assignment = trip(car, local(day(0), 8), local(day(0), 12))
    trip(car, local(day(1), 16), local(day(2), 10))
    trip(car, local(SATURDAY, 9), local(SATURDAY, 17))
    trip(car, local(day(3), 9), local(day(3), 17), released_at=timezone.now())
    # van: all of Thursday's working day (8 h), and the evening after it (none).
    trip(van, local(day(3), 7), local(day(3), 22))
    complete(monday, car, monday_assignment.driver, manager, "55.5")
    # A trip begun the Friday before the period: its km are not the period's.
    before, before_assignment = trip(car, local(day(-3), 9), local(day(-3), 11))
    complete(before, car, before_assignment.driver, manager, "40")
    # The vehicles were recorded long before: every hour of the period is theirs to be used.
    Vehicle.objects.update(created_at=local(dt.date(2026, 1, 5), 8))
    return {
        "unit": unit,
        "officer": officer,
        "car": car,
        "van": van,
        "manager": manager,
        "pool": pool,
    }


def rows(lines):
    return {line.label: (line.vehicles, line.hours, line.percent) for line in lines}


# The usage statement, the vehicles with their holders' divisions, when each entered service.
USAGE_QUERIES = 3


def test_weekdays_are_monday_to_friday():
    assert weekdays(MONDAY, FRIDAY) == 5
    assert weekdays(MONDAY, SATURDAY + dt.timedelta(days=1)) == 5
    assert weekdays(FRIDAY, MONDAY) == 0


def test_hours_inside_the_working_day_of_weekdays_over_the_available_hours(fleet):
    report = utilisation(fleet["officer"], MONDAY, FRIDAY)
    assert report.weekdays == 5
    assert rows(report.by_vehicle) == {
        "川A00002": (1, 8.0, 20.0),
        "川A00001": (1, 5.0, 12.5),
        "川A00003": (1, 0.0, 0.0),
    }
    assert [line.label for line in report.by_vehicle] == ["川A00002", "川A00001", "川A00003"]
    assert rows(report.by_unit) == {"甲单位": (3, 13.0, pytest.approx(13 / 120 * 100, abs=0.005))}
    assert report.total.percent == 10.83


def test_km_are_those_of_the_trips_begun_in_the_period(fleet):
    report = utilisation(fleet["officer"], MONDAY, FRIDAY)
    car = next(line for line in report.by_vehicle if line.label == "川A00001")
    assert (car.km, car.trips) == (Decimal("55.5"), 1)
    wider = utilisation(fleet["officer"], day(-3), FRIDAY)
    assert wider.total.km == Decimal("95.5")
    assert wider.weekdays == 6


def test_cities_pool_the_vehicles_of_their_units(fleet):
    admin = UserFactory(unit=fleet["unit"], role="province_admin")
    report = utilisation(admin, MONDAY, FRIDAY)
    by_city = rows(report.by_city)
    assert by_city["成都市"] == (3, 13.0, pytest.approx(10.83, abs=0.005))
    assert by_city["绵阳市"] == (1, 0.0, 0.0)
    assert rows(report.by_unit)["乙单位"] == (1, 0.0, 0.0)


def test_the_working_hours_come_from_the_setting(fleet, settings):
    settings.TIANFU_FLEET = {**settings.TIANFU_FLEET, "working_hours": 4}
    report = utilisation(fleet["officer"], MONDAY, FRIDAY)
    # 9:00–13:00: car 3 h Monday, Wednesday 1 h (Tuesday 16:00 is after closing); van 4 h.
    assert rows(report.by_vehicle)["川A00001"] == (1, 4.0, 20.0)
    assert rows(report.by_vehicle)["川A00002"] == (1, 4.0, 20.0)


def test_idle_vehicles_are_available_ones_below_the_threshold(fleet):
    idle = idle_vehicles(fleet["officer"], today=SATURDAY)
    assert [(line.label, line.percent) for line in idle] == [("川A00001", 12.5)]


def test_an_idle_vehicle_is_offered_in_the_warehouse_virtually(fleet):
    listing = offer_idle_vehicle(fleet["car"], by=fleet["officer"], today=SATURDAY)
    assert (listing.asset, listing.reason, listing.mode) == (fleet["car"].asset, "idle", "virtual")
    assert "12.5%" in listing.explanation


def test_only_an_idle_vehicle_with_an_asset_record_is_offered(fleet):
    fleet["van"].asset = AssetFactory(holder=fleet["unit"])
    fleet["van"].save()
    with translation.override("en"), pytest.raises(FleetStateError, match="is not idle"):
        offer_idle_vehicle(fleet["van"], by=fleet["officer"], today=SATURDAY)
    fleet["car"].asset = None
    with translation.override("en"), pytest.raises(FleetStateError, match="no asset record"):
        offer_idle_vehicle(fleet["car"], by=fleet["officer"], today=SATURDAY)


def test_another_units_officer_may_not_offer_it(fleet):
    with pytest.raises(WarehouseForbiddenError):
        offer_idle_vehicle(fleet["car"], by=UserFactory(), today=SATURDAY)
    assert not Listing.objects.exists()


def recorded(fleet, plate, at, **fields):
    vehicle = VehicleFactory(holder=fleet["unit"], plate=plate, **fields)
    Vehicle.objects.filter(pk=vehicle.pk).update(created_at=at)
    return vehicle


def used(fleet, vehicle, start, end):
    assign(
        booking(fleet["unit"], fleet["officer"], fleet["pool"], start, end),
        vehicle,
        fleet["manager"],
    )


def usage_of(report, plate):
    line = next(line for line in report.by_vehicle if line.label == plate)
    return line.available_hours, line.hours, line.percent


def test_a_vehicle_counts_the_working_hours_since_it_was_recorded(fleet):
    # Recorded Wednesday 11:00: Wednesday 11–17 (6 h), Thursday and Friday (8 h each) = 22 h.
    new = recorded(fleet, "川A00004", local(day(2), 11))
    used(fleet, new, local(day(3), 9), local(day(3), 13))
    report = utilisation(fleet["officer"], MONDAY, FRIDAY)
    assert usage_of(report, "川A00004") == (22.0, 4.0, 18.18)
    # Recorded on Saturday, after the period: no hours to use, none used.
    recorded(fleet, "川A00005", local(SATURDAY, 10))
    assert usage_of(utilisation(fleet["officer"], MONDAY, FRIDAY), "川A00005") == (0.0, 0.0, 0.0)


def test_a_vehicle_assigned_before_it_was_recorded_counts_from_that_assignment(fleet):
    # An imported fleet: recorded on Friday, but serving since Tuesday 9:00 (4 days × 8 h).
    imported = recorded(fleet, "川A00004", local(FRIDAY, 15))
    used(fleet, imported, local(day(1), 9), local(day(1), 17))
    assert usage_of(utilisation(fleet["officer"], MONDAY, FRIDAY), "川A00004") == (32.0, 8.0, 25.0)


def test_a_vehicle_recorded_today_is_not_idle(fleet):
    """It was counted 0 % over a window it did not exist in and could be offered at once."""
    asset = AssetFactory(holder=fleet["unit"])
    today = VehicleFactory(holder=fleet["unit"], plate="川A00006", asset=asset)
    assert "川A00006" not in [line.label for line in idle_vehicles(fleet["officer"])]
    with translation.override("en"), pytest.raises(FleetStateError, match="is not idle"):
        offer_idle_vehicle(today, by=fleet["officer"])
    # Recorded in the middle of the idle window and never used: idle over its 22 hours.
    recorded(fleet, "川A00007", local(day(2), 11))
    idle = {line.label: line for line in idle_vehicles(fleet["officer"], today=SATURDAY)}
    assert (idle["川A00007"].available_hours, idle["川A00007"].percent) == (22.0, 0.0)
    assert "川A00006" not in idle


def test_the_report_reads_a_constant_number_of_queries(fleet):
    """Each vehicle's city was once climbed to with a query per vehicle."""
    admin = UserFactory(unit=fleet["unit"], role="province_admin")
    with CaptureQueriesContext(connection) as few:
        utilisation(admin, MONDAY, FRIDAY)
    # Holders at every depth: counties of two cities, a city and the province itself.
    for n, code in enumerate(("510107", "510104", "510703", "510700", "510000")):
        VehicleFactory(holder=UnitFactory(division_code=code), plate=f"川C0000{n}")
    with CaptureQueriesContext(connection) as more:
        report = utilisation(admin, MONDAY, FRIDAY)
    assert len(few) == len(more) == USAGE_QUERIES
    assert {line.label for line in report.by_city} == {"成都市", "绵阳市", "四川省"}


def test_the_page_shows_the_tables_and_the_offer_button(client, fleet):
    client.force_login(fleet["officer"])
    query = {"from": MONDAY.isoformat(), "to": FRIDAY.isoformat()}
    response = client.get(reverse("fleet:utilisation"), query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-percent="12.50"' in content
    assert 'data-percent="10.83"' in content
    assert 'id="idle-table"' in content
    for heading in ("By holder unit", "By city", "By vehicle", "Holder unit"):
        assert heading in content
    offer = reverse("fleet:vehicle_offer", args=[fleet["car"].pk])
    assert f'action="{offer}"' in content
    assert " style=" not in content
    rule = (
        "Working days are Monday to Friday, from 09:00 for 8 hours; there is no holiday "
        "calendar, so public holidays count as working days. The period has 5 working days"
    )
    assert rule in content


def test_a_wrong_period_falls_back_to_the_last_30_days(client, fleet):
    client.force_login(fleet["officer"])
    response = client.get(
        reverse("fleet:utilisation"),
        {"from": "2026-03-06", "to": "2026-03-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "cannot come before" in response.context["period_error"]
    assert response.context["report"].last == timezone.localdate() - dt.timedelta(days=1)


@pytest.mark.parametrize(
    "query",
    [
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"from": "9999-12-01", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-31"},
        {"from": "1999-12-31", "to": "2000-01-05"},
    ],
)
def test_a_period_out_of_the_calendar_falls_back_with_a_form_error(client, fleet, query):
    """The day after 9999-12-31 overflowed into a 500."""
    client.force_login(fleet["officer"])
    response = client.get(reverse("fleet:utilisation"), query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["period_error"] == "Choose days from 2000-01-01 to 2100-12-31."
    assert response.context["report"].last == timezone.localdate() - dt.timedelta(days=1)


def test_the_offer_button_lists_the_vehicle_and_opens_the_listing(client, fleet):
    client.force_login(fleet["officer"])
    response = client.post(reverse("fleet:vehicle_offer", args=[fleet["car"].pk]))
    listing = Listing.objects.get()
    assert response.status_code == 302
    assert response.url == listing.get_absolute_url()


def test_the_offer_button_reports_a_refusal(client, fleet):
    client.force_login(fleet["officer"])
    response = client.post(
        reverse("fleet:vehicle_offer", args=[fleet["van"].pk]),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "has no asset record" in response.content.decode()
    assert not Listing.objects.exists()
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.post(reverse("fleet:vehicle_offer", args=[fleet["car"].pk])).status_code == 404
