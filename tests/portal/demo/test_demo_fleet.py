"""The demo's pooled fleet at the "tiny" scale: pools, drivers, bookings, trips and positions
obey the fleet's rules and the shared semantics (one load shared by the module)."""

import datetime as dt
import math
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.test import override_settings
from django.utils import timezone

from portal.demo.data import fleet as data
from portal.demo.generators.accounts import ACCOUNTS
from portal.demo.services import load_demo
from portal.fleet.choices import BookingStatus, RegionClass, licence_covers
from portal.fleet.models import (
    Assignment,
    Booking,
    BookingApproval,
    Driver,
    Tariff,
    Trip,
    TripApprovalRule,
    Vehicle,
    VehiclePool,
    VehiclePosition,
)
from portal.fleet.services.regions import classify
from portal.org.scoping import edit_scope

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=media),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield load_demo(scale="tiny", allow_outside_demo=True)
        transaction.set_rollback(True)


def test_the_fleet_stage_runs_after_the_accounts(tiny):
    names = [s.name for s in tiny.stages]
    assert names.index("fleet") == names.index("accounts") + 1
    fleet = next(s for s in tiny.stages if s.name == "fleet")
    assert fleet.rows > Booking.objects.count()
    for label in ("fleet.Booking", "fleet.Trip", "fleet.Driver", "fleet.VehiclePool"):
        assert tiny.counts[label] > 0, label


def test_new_energy_vehicles_have_a_range_and_every_holder_drivers(tiny):
    nev = Vehicle.objects.filter(energy="nev")
    assert nev.exists()
    assert not nev.filter(range_km=None).exists()
    assert not Vehicle.objects.filter(energy="fuel").exclude(range_km=None).exists()
    for vehicle in nev:
        low, high = data.NEV_RANGE_KM[vehicle.vehicle_type]
        assert low - 10 <= vehicle.range_km <= high
    holders = set(Vehicle.objects.values_list("holder", flat=True))
    assert holders == set(Driver.objects.values_list("unit", flat=True))
    for holder in holders:
        types = set(Vehicle.objects.filter(holder=holder).values_list("vehicle_type", flat=True))
        licences = Driver.objects.filter(unit=holder).values_list("licence_class", flat=True)
        for type_ in types & {"bus", "minibus"}:
            assert any(licence_covers(c, type_) for c in licences), (holder, type_)


def test_two_pools_with_members_on_both_sides_and_demo_managers(tiny):
    provincial = VehiclePool.objects.get(name=data.PROVINCIAL_POOL)
    cross = VehiclePool.objects.get(name=data.CROSS_POOL)
    codes = set(cross.members.values_list("division__code", flat=True))
    assert any(c.startswith("50") for c in codes)
    assert any(c.startswith("51") for c in codes)
    assert not set(provincial.members.all()) & set(cross.members.all())
    demo = {a.username for a in ACCOUNTS}
    for pool in (provincial, cross):
        managers = set(pool.managers.values_list("username", flat=True))
        assert managers
        assert managers <= demo
        assert pool.operator.offices_administration
    assert set(cross.managers.values_list("username", flat=True)) == {
        "pool-manager",
        "chongqing-admin",
    }


def test_tariffs_cover_every_trip_and_region_tariffs_win(tiny):
    for trip in Trip.objects.select_related("booking__pool", "vehicle", "tariff"):
        day = timezone.localtime(trip.actual_start).date()
        valid = Tariff.objects.filter(
            Q(valid_to=None) | Q(valid_to__gte=day),
            pool=trip.booking.pool,
            vehicle_type=trip.vehicle.vehicle_type,
            valid_from__lte=day,
            region_class__in=["", trip.region_class],
        )
        own = valid.filter(region_class=trip.region_class)
        assert trip.tariff in (own if own.exists() else valid), trip.pk
    cross = Tariff.objects.filter(pool__name=data.CROSS_POOL)
    assert cross.filter(region_class="cross_province").exists()
    assert cross.filter(region_class="cooperation").exists()


def test_rules_for_emergencies_and_conferences(tiny):
    rules = {
        (r.unit_id, r.trip_type): r.steps for r in TripApprovalRule.objects.filter(active=True)
    }
    assert rules[(None, "")] == ["unit"]
    assert rules[(None, "emergency")] == ["pool"]
    assert rules[(None, "conference")] == ["unit", "division"]


def test_bookings_span_90_days_back_and_two_weeks_ahead_in_every_state(tiny):
    today = timezone.localdate()
    days = [
        timezone.localtime(s).date() for s in Booking.objects.values_list("starts_at", flat=True)
    ]
    assert min(days) >= today - dt.timedelta(days=data.HISTORY_DAYS)
    assert min(days) <= today - dt.timedelta(days=data.HISTORY_DAYS - 7)
    assert max(days) > today
    statuses = Counter(Booking.objects.values_list("status", flat=True))
    assert set(statuses) == set(BookingStatus.values), statuses
    assert statuses["completed"] == Trip.objects.count()
    now = timezone.now()
    assert not Booking.objects.filter(ends_at__lte=now, status__in=["submitted", "approved"])
    assert not Booking.objects.filter(starts_at__gt=now, status="completed").exists()
    assert not Booking.objects.filter(created_at__gt=F("starts_at")).exists()


def test_some_trips_cross_the_border_and_some_stay_in_a_cooperation_region(tiny):
    classes = Counter(Trip.objects.values_list("region_class", flat=True))
    assert classes[RegionClass.SICHUAN], classes
    assert classes[RegionClass.COOPERATION], classes
    assert Trip.objects.filter(crosses_border=True).exists()
    assert Booking.objects.filter(region_class=RegionClass.CROSS_PROVINCE).exists()


def test_region_classes_agree_with_the_classification_service(tiny):
    bookings = Booking.objects.select_related("region").order_by("pk")
    sample = list(bookings.filter(crosses_border=True)[:15]) + list(bookings[:15])
    sample += list(bookings.filter(region_class=RegionClass.COOPERATION)[:10])
    for booking in sample:
        found = classify(booking.origin, booking.destination)
        assert found.region_class == booking.region_class, booking.pk
        assert found.crosses_border == booking.crosses_border, booking.pk
        assert found.region == booking.region, booking.pk
        assert found.origin_division == booking.origin_division, booking.pk
        assert found.destination_division == booking.destination_division, booking.pk


def test_chains_follow_the_rules_and_nobody_signs_his_own_booking(tiny):
    assert not BookingApproval.objects.filter(by=F("booking__requested_by")).exists()
    for booking in Booking.objects.prefetch_related("approvals__by"):
        assert edit_scope(booking.requested_by).allows(booking.unit)
        if booking.crosses_border:
            assert "pool" in booking.chain
        signed = list(booking.approvals.all())
        assert [a.step for a in signed] == booking.chain[: len(signed)]
        approved = [a for a in signed if a.decision == "approved"]
        if booking.status in ("approved", "assigned", "completed"):
            assert len(approved) == len(booking.chain), booking.pk
        if booking.status == "rejected":
            assert signed[-1].decision == "rejected"
        for approval in signed:
            assert booking.created_at < approval.at <= booking.starts_at
            if approval.step == "pool":
                assert booking.pool.managers.filter(pk=approval.by_id).exists()
            else:
                assert edit_scope(approval.by).allows(booking.unit)


def test_assignments_hold_their_booking_window_with_a_fitting_vehicle_and_licensed_driver(tiny):
    assigned = Booking.objects.filter(status__in=["assigned", "completed"])
    assignments = Assignment.objects.select_related("booking", "vehicle", "driver")
    assert assignments.count() == assigned.count()
    assert not assignments.exclude(released_at=None).exists()
    reserve = settings.TIANFU_FLEET["nev_reserve"]
    for a in assignments:
        booking, vehicle = a.booking, a.vehicle
        assert (a.period.lower, a.period.upper) == (booking.starts_at, booking.ends_at)
        assert booking.pool.members.filter(pk=vehicle.holder_id).exists()
        assert booking.pool.members.filter(pk=a.driver.unit_id).exists()
        assert vehicle.seats >= booking.seats_needed
        assert licence_covers(a.driver.licence_class, vehicle.vehicle_type)
        assert a.driver.active
        if vehicle.energy == "nev":
            assert booking.nev_ok
            trip_km = booking.distance_m * settings.TIANFU_FLEET["road_factor"] / 1000
            assert vehicle.range_km * reserve >= trip_km * (2 if booking.round_trip else 1)


def test_no_vehicle_or_driver_is_booked_twice_at_once(tiny):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM fleet_assignment a JOIN fleet_assignment b ON a.id < b.id"
            " AND (a.vehicle_id = b.vehicle_id OR a.driver_id = b.driver_id)"
            " AND a.period && b.period"
        )
        assert cursor.fetchone() == (0,)


def _billed(trip: Trip) -> tuple[Decimal, Decimal]:
    step = settings.TIANFU_FLEET["billing_step_minutes"]
    minutes = (trip.actual_end - trip.actual_start).total_seconds() / 60
    hours = Decimal(math.ceil(minutes / step) * step) / 60
    fare = trip.distance_km * trip.per_km + hours * trip.per_hour
    return hours, fare.quantize(Decimal("0.01"), ROUND_HALF_UP) + trip.tolls + trip.parking


def test_trips_are_billed_as_the_settlement_rules_say(tiny):
    trips = Trip.objects.select_related("booking", "vehicle", "tariff")
    assert trips.exists()
    for trip in trips:
        hours, amount = _billed(trip)
        assert trip.billed_hours == hours
        assert trip.amount == amount, trip.pk
        assert trip.distance_km == trip.odometer_end - trip.odometer_start
        assert (trip.per_km, trip.per_hour) == (trip.tariff.per_km, trip.tariff.per_hour)
        assert trip.payer_id == trip.booking.unit_id
        assert trip.payee_id == trip.vehicle.holder_id
        assert trip.region_class == trip.booking.region_class
        assert trip.actual_start < trip.actual_end <= trip.created_at <= timezone.now()
    assert trips.exclude(payer=F("payee")).exists()


def test_odometers_run_forward_trip_after_trip(tiny):
    last: dict[int, Decimal] = {}
    for trip in Trip.objects.order_by("vehicle", "actual_start"):
        assert trip.odometer_start >= last.get(trip.vehicle_id, Decimal(0))
        last[trip.vehicle_id] = trip.odometer_end
    for vehicle in Vehicle.objects.filter(pk__in=last):
        assert vehicle.odometer_km >= last[vehicle.pk]


def test_part_of_the_fleet_reports_positions_some_stale(tiny):
    tracked = Vehicle.objects.exclude(last_position=None)
    assert 0 < tracked.count() < Vehicle.objects.count()
    stale = timezone.now() - dt.timedelta(minutes=settings.TIANFU_FLEET["stale_minutes"])
    assert tracked.filter(last_position_at__lt=stale).exists()
    assert tracked.filter(last_position_at__gte=stale).exists()
    for vehicle in tracked:
        newest = VehiclePosition.objects.filter(vehicle=vehicle).order_by("-recorded_at").first()
        assert (newest.recorded_at, newest.geom) == (
            vehicle.last_position_at,
            vehicle.last_position,
        )
    assert not VehiclePosition.objects.filter(recorded_at__gt=timezone.now()).exists()
