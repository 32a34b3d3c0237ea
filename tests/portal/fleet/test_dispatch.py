"""Dispatch on a crafted world: which vehicles are candidates, where they stand, how they rank,
which driver goes with each, and the assign / release / reassign services."""

import datetime as dt

import pytest
from django.utils import translation
from pyproj import Geod

from portal.fleet.choices import BookingAction, BookingStatus
from portal.fleet.exceptions import (
    DoubleBookingError,
    FleetForbiddenError,
    FleetInputError,
    FleetStateError,
)
from portal.fleet.models import Assignment, BookingChange
from portal.fleet.services.dispatch import assign, reassign, release, suggest
from tests.factories import UnitFactory, VehicleFactory
from tests.portal.fleet.dispatch_world import (
    ORIGIN,
    booking,
    driver,
    hold,
    vehicle_at,
    world,
)
from tests.portal.fleet.factories import at, nev

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="GRS80")


def road_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] * 1.3 / 1000


def north(degrees: float) -> tuple[float, float]:
    return (ORIGIN[0], ORIGIN[1] + degrees)


def plates(suggestions: list) -> list[str]:
    return [s.vehicle.plate for s in suggestions]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return world()


def test_nearer_vehicle_first_with_road_km(w) -> None:
    vehicle_at(w.holder, north(0.20), plate="川A00001")
    vehicle_at(w.holder, north(0.02), plate="川A00002")
    vehicle_at(w.requester_unit, north(0.08), plate="川A00003")
    found = suggest(booking(w), by=w.manager)
    assert plates(found) == ["川A00002", "川A00003", "川A00001"]
    near = found[0].vehicle
    assert near.position_source == "building"
    assert near.to_origin_km == pytest.approx(road_km(ORIGIN, north(0.02)), rel=1e-3)
    assert near.trip_km == pytest.approx(2 * road_km(ORIGIN, north(0.10)), rel=1e-3)
    assert [s.rank for s in found] == [1, 2, 3]
    assert found[0].distance_score > found[1].distance_score > found[2].distance_score == 0


def test_only_available_vehicles_of_member_units(w) -> None:
    vehicle_at(w.holder, north(0.05), plate="川A00001")
    vehicle_at(w.outsider, north(0.01), plate="川A00002")
    vehicle_at(w.holder, north(0.01), plate="川A00003", status="maintenance")
    assert plates(suggest(booking(w), by=w.manager)) == ["川A00001"]


def test_last_trip_end_beats_base(w) -> None:
    far = vehicle_at(w.holder, north(0.30), plate="川A00001")
    vehicle_at(w.holder, north(0.05), plate="川A00002")
    earlier = booking(
        w,
        starts_at=at(1, 5),
        hours=2,
        origin=north(0.30),
        destination=north(0.01),
        round_trip=False,
    )
    hold(earlier, far, driver(w.holder), w.manager)
    found = suggest(booking(w, starts_at=at(1, 9)), by=w.manager)
    assert plates(found) == ["川A00001", "川A00002"]
    assert found[0].vehicle.position_source == "trip"
    assert found[0].vehicle.to_origin_km == pytest.approx(road_km(ORIGIN, north(0.01)), rel=1e-3)


def test_round_trip_ends_where_it_started(w) -> None:
    far = vehicle_at(w.holder, north(0.30), plate="川A00001")
    earlier = booking(w, starts_at=at(1, 5), hours=2, origin=north(0.02), destination=north(0.5))
    hold(earlier, far, driver(w.holder), w.manager)
    found = suggest(booking(w, starts_at=at(1, 9)), by=w.manager)
    assert found[0].vehicle.lat == pytest.approx(ORIGIN[1] + 0.02)


def test_trip_older_than_return_hours_leaves_the_vehicle_at_base(w, settings) -> None:
    settings.TIANFU_FLEET = {**settings.TIANFU_FLEET, "return_hours": 1}
    far = vehicle_at(w.holder, north(0.30), plate="川A00001")
    earlier = booking(
        w, starts_at=at(1, 5), hours=2, origin=north(0.30), destination=ORIGIN, round_trip=False
    )
    hold(earlier, far, driver(w.holder), w.manager)
    found = suggest(booking(w, starts_at=at(1, 9)), by=w.manager)
    assert found[0].vehicle.position_source == "building"


def test_nev_range_excludes_and_nev_ok_false_excludes_all_nevs(w) -> None:
    # To the origin 0.1° (≈14.4 road km) plus the round trip 2 × 0.1° (≈28.9): ≈43.3 km.
    building = vehicle_at(w.holder, north(0.10), plate="川A00009").base_building
    nev(w.holder, "川AD00001", range_km=50, base_building=building)  # 40 km usable: too short
    nev(w.holder, "川AD00002", range_km=60, base_building=building)  # 48 km usable
    found = suggest(booking(w), by=w.manager)
    assert sorted(plates(found)) == ["川A00009", "川AD00002"]
    left = next(s for s in found if s.vehicle.plate == "川AD00002").vehicle.range_left_km
    expected = 48 - road_km(ORIGIN, north(0.10)) * 3
    assert left == pytest.approx(expected, rel=1e-3)
    assert plates(suggest(booking(w, nev_ok=False), by=w.manager)) == ["川A00009"]


def test_one_way_trip_needs_less_range(w) -> None:
    building = vehicle_at(w.holder, north(0.10), plate="川A00009").base_building
    nev(w.holder, "川AD00001", range_km=50, base_building=building)
    found = suggest(booking(w, round_trip=False), by=w.manager)
    assert "川AD00001" in plates(found)


def test_seats(w) -> None:
    vehicle_at(w.holder, north(0.01), plate="川A00001", seats=5)
    vehicle_at(w.holder, north(0.09), plate="川A00002", seats=7, vehicle_type="mpv")
    vehicle_at(w.holder, north(0.05), plate="川A00003", seats=33, vehicle_type="bus")
    found = suggest(booking(w, passengers=6), by=w.manager)
    assert sorted(plates(found)) == ["川A00002", "川A00003"]
    assert {s.vehicle.plate: s.fit_score for s in found}["川A00002"] == pytest.approx(6 / 7)


def test_busy_vehicle_excluded_released_or_adjacent_not(w) -> None:
    busy = vehicle_at(w.holder, north(0.01), plate="川A00001")
    freed = vehicle_at(w.holder, north(0.02), plate="川A00002")
    adjacent = vehicle_at(w.holder, north(0.03), plate="川A00003")
    d1, d2, d3 = driver(w.holder), driver(w.holder), driver(w.holder)
    hold(booking(w, starts_at=at(1, 10), hours=2), busy, d1, w.manager)
    released = hold(booking(w, starts_at=at(1, 10), hours=2), freed, d2, w.manager)
    Assignment.objects.filter(pk=released.pk).update(released_at=at(0, 8))
    hold(booking(w, starts_at=at(1, 12), hours=2), adjacent, d3, w.manager)
    found = suggest(booking(w, starts_at=at(1, 9), hours=3), by=w.manager)
    assert plates(found) == ["川A00002", "川A00003"]
    # The drivers follow the same rule: d1 is busy, d2 released, d3 starts when the trip ends.
    assert {s.driver.id for s in found} <= {d2.pk, d3.pk}


def test_balance_breaks_ties_with_exact_hours(w, settings) -> None:
    settings.TIANFU_FLEET = {**settings.TIANFU_FLEET, "balance_days": 10}
    used = vehicle_at(w.holder, north(0.05), plate="川A00001")
    fresh = vehicle_at(w.holder, north(0.05), plate="川A00002")
    drv = driver(w.holder)
    hold(booking(w, starts_at=at(-3, 9), hours=4), used, drv, w.manager)
    # Only the last 2 of these 6 hours fall inside the 10-day window before the new trip.
    hold(booking(w, starts_at=at(-9, 5), hours=6), used, drv, w.manager)
    hold(booking(w, starts_at=at(-20, 9), hours=8), fresh, drv, w.manager)  # outside the window
    found = suggest(booking(w, starts_at=at(1, 9)), by=w.manager)
    assert plates(found) == ["川A00002", "川A00001"]
    hours = {s.vehicle.plate: s.vehicle.booked_hours for s in found}
    assert hours == {"川A00001": pytest.approx(6.0), "川A00002": 0.0}
    assert found[0].balance_score == 1.0
    assert found[1].balance_score == 0.0


def test_driver_licence_unit_and_use(w) -> None:
    vehicle_at(w.holder, north(0.01), plate="川A00001", seats=12, vehicle_type="minibus")
    vehicle_at(w.holder, north(0.02), plate="川A00002")
    driver(w.holder, "C1", name="小车司机")
    busy_b1 = driver(w.requester_unit, "B1", name="甲中巴司机")
    driver(w.requester_unit, "B1", name="甲另一中巴司机")
    fresh_b1 = driver(w.holder, "B1", name="乙中巴司机")
    found = {s.vehicle.plate: s.driver for s in suggest(booking(w), by=w.manager)}
    # The holder's own drivers first; of those the C1 driver is enough for the sedan.
    assert found["川A00001"].id == fresh_b1.pk
    assert found["川A00002"].name == "小车司机"
    fresh_b1.delete()
    hold(
        booking(w, starts_at=at(-2, 9), hours=5), vehicle_at(w.outsider, ORIGIN), busy_b1, w.manager
    )
    found = {s.vehicle.plate: s.driver for s in suggest(booking(w), by=w.manager)}
    assert found["川A00001"].name == "甲另一中巴司机"


def test_no_driver_may_drive_the_bus(w) -> None:
    vehicle_at(w.holder, north(0.01), plate="川A00001", seats=33, vehicle_type="bus")
    driver(w.holder, "B1")
    [only] = suggest(booking(w), by=w.manager)
    assert only.driver is None


def test_limit_and_empty(w) -> None:
    assert suggest(booking(w), by=w.manager) == []
    for n in range(4):
        vehicle_at(w.holder, north(0.01 * (n + 1)), plate=f"川A0000{n}")
    assert plates(suggest(booking(w), by=w.manager, limit=2)) == ["川A00000", "川A00001"]


def test_a_limit_pairs_drivers_as_the_full_list(w) -> None:
    # 乙's minibus has only a sedan driver of its own: its driver comes from 甲, the others'
    # from their holders; a limit looks drivers up for fewer vehicles, never picks others.
    vehicle_at(w.holder, north(0.01), plate="川A00001", seats=12, vehicle_type="minibus")
    vehicle_at(w.holder, north(0.02), plate="川A00002")
    vehicle_at(w.requester_unit, north(0.03), plate="川A00003")
    driver(w.holder, "C1", name="乙小车司机")
    driver(w.requester_unit, "B1", name="甲中巴司机")
    b = booking(w)
    full = [(s.vehicle.plate, s.driver.name) for s in suggest(b, by=w.manager)]
    assert sorted(full) == [
        ("川A00001", "甲中巴司机"),
        ("川A00002", "乙小车司机"),
        ("川A00003", "甲中巴司机"),
    ]
    for n in range(1, 4):
        limited = suggest(b, by=w.manager, limit=n)
        assert [(s.vehicle.plate, s.driver.name) for s in limited] == full[:n]
    assert [s.rank for s in limited] == [1, 2, 3]


def test_only_managers_and_only_open_bookings(w) -> None:
    with pytest.raises(FleetForbiddenError):
        suggest(booking(w), by=w.requester)
    w.pool.active = False
    w.pool.save()
    with pytest.raises(FleetForbiddenError):
        suggest(booking(w), by=w.manager)
    w.pool.active = True
    w.pool.save()
    for status in (BookingStatus.SUBMITTED, BookingStatus.COMPLETED, BookingStatus.CANCELLED):
        with pytest.raises(FleetStateError):
            suggest(booking(w, status=status), by=w.manager)


# -- assign, release, reassign -------------------------------------------------------------------


def test_assign_writes_assignment_status_and_history(w) -> None:
    car = vehicle_at(w.holder, north(0.01))
    drv = driver(w.holder)
    b = booking(w)
    made = assign(b, car, drv, by=w.manager)
    b.refresh_from_db()
    assert b.status == BookingStatus.ASSIGNED
    assert (made.period.lower, made.period.upper) == (b.starts_at, b.ends_at)
    change = BookingChange.objects.get(booking=b)
    assert change.action == BookingAction.ASSIGNED
    assert change.changes == {"vehicle": [None, car.plate], "driver": [None, drv.name]}
    with pytest.raises(FleetStateError):
        assign(b, car, drv, by=w.manager)


def test_assign_refuses_unsuitable_pairs(w) -> None:
    b = booking(w, passengers=3)
    good_car, good_driver = vehicle_at(w.holder, north(0.01)), driver(w.holder)
    cases = [
        (vehicle_at(w.outsider, north(0.01)), good_driver, "not held by a member unit"),
        (good_car, driver(w.outsider), "not an active driver"),
        (good_car, driver(w.holder, active=False), "not an active driver"),
        (vehicle_at(w.holder, ORIGIN, seats=2), good_driver, "has 2 seats"),
        (vehicle_at(w.holder, ORIGIN, status="retired"), good_driver, "is retired"),
        (vehicle_at(w.holder, ORIGIN, vehicle_type="bus", seats=30), good_driver, "does not cover"),
        (nev(w.holder, "川AD00001", range_km=10), good_driver, "range does not cover"),
    ]
    for car, drv, message in cases:
        with pytest.raises(FleetInputError, match=message):
            assign(b, car, drv, by=w.manager)
    b.nev_ok = False
    b.save()
    with pytest.raises(FleetInputError, match="does not accept a new-energy"):
        assign(b, nev(w.holder, "川AD00002", range_km=900), good_driver, by=w.manager)
    with pytest.raises(FleetForbiddenError):
        assign(b, good_car, good_driver, by=w.requester)
    assert not Assignment.objects.exists()


def test_assign_busy_vehicle_or_driver_is_double_booking(w) -> None:
    car, drv = vehicle_at(w.holder, north(0.01)), driver(w.holder)
    assign(booking(w, starts_at=at(1, 9), hours=3), car, drv, by=w.manager)
    overlapping = booking(w, starts_at=at(1, 11), hours=3)
    with pytest.raises(DoubleBookingError, match=f"Vehicle {car.plate} is already assigned"):
        assign(overlapping, car, driver(w.holder), by=w.manager)
    with pytest.raises(DoubleBookingError, match=f"Driver {drv.name} is already assigned"):
        assign(overlapping, vehicle_at(w.holder, ORIGIN), drv, by=w.manager)
    overlapping.refresh_from_db()
    assert overlapping.status == BookingStatus.APPROVED
    assert not overlapping.changes.exists()


def test_release_frees_the_pair(w) -> None:
    car, drv = vehicle_at(w.holder, north(0.01)), driver(w.holder)
    b = booking(w)
    made = assign(b, car, drv, by=w.manager)
    with pytest.raises(FleetForbiddenError):
        release(b, by=w.requester)
    release(b, by=w.manager, reason="车辆临时检修")
    made.refresh_from_db()
    b.refresh_from_db()
    assert made.released_at is not None
    assert made.release_reason == "车辆临时检修"
    assert b.status == BookingStatus.APPROVED
    last = b.changes.last()
    assert (last.action, last.note) == (BookingAction.RELEASED, "车辆临时检修")
    assert last.changes == {"vehicle": [car.plate, None], "driver": [drv.name, None]}
    other = booking(w, starts_at=b.starts_at)
    assign(other, car, drv, by=w.manager)  # the released period blocks nothing
    with pytest.raises(FleetStateError):
        release(b, by=w.manager)


def test_reassign_swaps_and_keeps_the_old_on_refusal(w) -> None:
    car, other_car = vehicle_at(w.holder, north(0.01)), vehicle_at(w.holder, north(0.02))
    drv = driver(w.holder)
    b = booking(w)
    first = assign(b, car, drv, by=w.manager)
    # The booking's own assignment does not make its vehicle busy for its suggestions.
    assert car.plate in plates(suggest(b, by=w.manager))
    with pytest.raises(FleetInputError, match="already serve"):
        reassign(b, car, drv, by=w.manager)
    second = reassign(b, other_car, drv, by=w.manager, reason="换车")
    first.refresh_from_db()
    assert first.released_at is not None
    assert b.assignments.get(released_at__isnull=True) == second
    assert b.changes.last().changes == {"vehicle": [car.plate, other_car.plate]}
    blocker = booking(w, starts_at=b.starts_at)
    assign(blocker, car, driver(w.holder), by=w.manager)
    with pytest.raises(DoubleBookingError):
        reassign(b, car, drv, by=w.manager)
    assert b.assignments.get(released_at__isnull=True) == second
    with pytest.raises(FleetStateError):
        reassign(booking(w), car, drv, by=w.manager)


def test_assignment_window_is_the_booking_window(w) -> None:
    b = booking(w, starts_at=at(2, 14, 30), hours=1.5)
    made = assign(b, vehicle_at(w.holder, ORIGIN), driver(w.holder), by=w.manager)
    assert made.period.upper - made.period.lower == dt.timedelta(hours=1.5)


def test_assigned_booking_without_an_assignment_is_refused_not_guessed(w) -> None:
    b = booking(w, status=BookingStatus.ASSIGNED)
    with pytest.raises(FleetStateError, match="holds no vehicle"):
        release(b, by=w.manager)
    with pytest.raises(FleetStateError, match="holds no vehicle"):
        reassign(b, vehicle_at(w.holder, ORIGIN), driver(w.holder), by=w.manager)
    b.refresh_from_db()
    assert b.status == BookingStatus.ASSIGNED


def test_without_a_base_the_holder_address_then_unknown(w) -> None:
    vehicle_at(w.holder, north(0.30), plate="川A00001")
    VehicleFactory(holder=w.holder, plate="川A00002")  # no base: the holder's address
    nowhere = UnitFactory(name="无地址单位", location=None)
    w.pool.members.add(nowhere)
    VehicleFactory(holder=nowhere, plate="川A00003")
    nev(nowhere, "川AD00001", range_km=900)  # a range but no place: never a candidate
    found = suggest(booking(w), by=w.manager)
    assert plates(found) == ["川A00002", "川A00001", "川A00003"]
    sources = [(s.vehicle.position_source, s.vehicle.to_origin_km is None) for s in found]
    assert sources == [("unit", False), ("building", False), (None, True)]
    assert found[0].vehicle.to_origin_km == pytest.approx(
        road_km(ORIGIN, (104.08, 30.63)), rel=1e-3
    )
    assert found[2].distance_score == 0.0


def test_assign_checks_the_vehicle_and_driver_as_stored_not_as_loaded(w) -> None:
    """A vehicle retired, or a driver deactivated, after the manager loaded the page is refused:
    the service re-reads both under a row lock."""
    b = booking(w)
    car, drv = vehicle_at(w.holder, north(0.01)), driver(w.holder)
    type(car).objects.filter(pk=car.pk).update(status="retired")
    with pytest.raises(FleetInputError, match="is retired"):
        assign(b, car, drv, by=w.manager)
    fresh_car = vehicle_at(w.holder, north(0.02))
    type(drv).objects.filter(pk=drv.pk).update(active=False)
    with pytest.raises(FleetInputError, match="not an active driver"):
        assign(b, fresh_car, drv, by=w.manager)
    assert not Assignment.objects.exists()


def test_a_booking_whose_window_has_passed_is_not_dispatched(w) -> None:
    b = booking(w, starts_at=at(-2, 9))
    with pytest.raises(FleetStateError, match="time window has passed"):
        assign(b, vehicle_at(w.holder, north(0.01)), driver(w.holder), by=w.manager)
    assert not Assignment.objects.exists()
