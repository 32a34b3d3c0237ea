"""Completing a trip: who may, which figures are refused, which tariff applies and how the
amount is billed (steps of started half-hours, money rounded half up to the fen)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation

from portal.fleet.choices import BookingAction, BookingStatus, RegionClass
from portal.fleet.exceptions import FleetForbiddenError, FleetInputError, FleetStateError
from portal.fleet.models import Trip
from portal.fleet.services.trips import TripFigures, billed_hours, complete_trip, round_fen
from tests.factories import UnitFactory, UserFactory, VehicleFactory
from tests.portal.fleet.factories import TariffFactory
from tests.portal.fleet.trip_data import assigned_booking, figures, local, province_admin, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def test_completion_freezes_the_settlement(w):
    booking = assigned_booking(w)
    trip = complete_trip(
        booking,
        by=w.manager,
        figures=figures(
            booking,
            km="123.4",
            minutes=250,
            tolls=Decimal("35.00"),
            parking=Decimal("10.00"),
            fuel_cost=Decimal("88.00"),
        ),
    )
    # 123.4 km × 2.50 + 4.5 h (250 min → 9 half-hours) × 30.00 = 308.50 + 135.00; + tolls, parking
    assert trip.distance_km == Decimal("123.4")
    assert trip.billed_hours == Decimal("4.5")
    assert (trip.per_km, trip.per_hour) == (Decimal("2.50"), Decimal("30.00"))
    assert trip.amount == Decimal("488.50")
    assert trip.fuel_cost == Decimal("88.00")  # the holder's running cost, not billed
    assert (trip.payer, trip.payee) == (w.requester_unit, w.holder)
    assert trip.vehicle == w.vehicle
    assert trip.driver == booking.assignments.get().driver
    assert trip.region_class == RegionClass.SICHUAN
    assert trip.completed_by == w.manager


def test_completion_closes_the_booking_and_logs_it(w):
    booking = assigned_booking(w)
    complete_trip(booking, by=w.manager, figures=figures(booking, km="50.0"))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    change = booking.changes.get(action=BookingAction.COMPLETED)
    assert change.by == w.manager
    assert change.changes == {"status": ["assigned", "completed"]}
    w.vehicle.refresh_from_db()
    assert w.vehicle.odometer_km == 12050


def test_odometer_never_goes_back(w):
    w.vehicle.odometer_km = 20000
    w.vehicle.save()
    booking = assigned_booking(w)
    complete_trip(booking, by=w.manager, figures=figures(booking, km="50.0"))
    w.vehicle.refresh_from_db()
    assert w.vehicle.odometer_km == 20000


def test_holder_officer_may_complete(w):
    booking = assigned_booking(w)
    assert complete_trip(booking, by=w.holder_officer, figures=figures(booking)).pk


@pytest.mark.parametrize("who", ["requester", "stranger", "viewer"])
def test_others_may_not_complete(w, who):
    booking = assigned_booking(w)
    user = {
        "requester": w.requester,
        "stranger": UserFactory(),
        "viewer": UserFactory(unit=w.holder, role="viewer"),
    }[who]
    with pytest.raises(FleetForbiddenError):
        complete_trip(booking, by=user, figures=figures(booking))
    assert not Trip.objects.exists()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ASSIGNED


def test_province_admin_may_complete(w):
    booking = assigned_booking(w)
    assert complete_trip(booking, by=province_admin(), figures=figures(booking)).pk


@pytest.mark.parametrize(
    "status", [BookingStatus.SUBMITTED, BookingStatus.APPROVED, BookingStatus.CANCELLED]
)
def test_wrong_state_is_refused(w, status):
    booking = assigned_booking(w, status=status)
    with pytest.raises(FleetStateError):
        complete_trip(booking, by=w.manager, figures=figures(booking))


def test_completed_twice_is_refused(w):
    booking = assigned_booking(w)
    complete_trip(booking, by=w.manager, figures=figures(booking))
    with pytest.raises(FleetStateError):
        complete_trip(booking, by=w.manager, figures=figures(booking))
    assert Trip.objects.count() == 1


def test_released_assignment_leaves_nothing_to_complete(w):
    booking = assigned_booking(w)
    booking.assignments.update(released_at=timezone.now())
    with pytest.raises(FleetStateError):
        complete_trip(booking, by=w.manager, figures=figures(booking))


def test_odometer_backwards_is_refused(w):
    booking = assigned_booking(w)
    sheet = dataclasses.replace(figures(booking), odometer_end=Decimal("11999.9"))
    with translation.override("en"), pytest.raises(FleetInputError, match="odometer at the end"):
        complete_trip(booking, by=w.manager, figures=sheet)


def test_end_before_start_is_refused(w):
    booking = assigned_booking(w)
    sheet = figures(booking, minutes=0)
    with translation.override("en"), pytest.raises(FleetInputError, match="end after it starts"):
        complete_trip(booking, by=w.manager, figures=sheet)


def test_end_in_the_future_is_refused(w):
    booking = assigned_booking(w, starts_at=timezone.now() - dt.timedelta(hours=1))
    sheet = figures(booking, minutes=180)
    with translation.override("en"), pytest.raises(FleetInputError, match="future"):
        complete_trip(booking, by=w.manager, figures=sheet)


@pytest.mark.parametrize("cost", ["tolls", "parking", "fuel_cost", "charge_cost", "fuel_litres"])
def test_negative_costs_are_refused(w, cost):
    booking = assigned_booking(w)
    sheet = figures(booking, **{cost: Decimal("-0.01")})
    with translation.override("en"), pytest.raises(FleetInputError, match="cannot be negative"):
        complete_trip(booking, by=w.manager, figures=sheet)
    assert not Trip.objects.exists()


# -- tariffs ----------------------------------------------------------------------------------


def test_region_class_tariff_wins_over_any_class(w):
    TariffFactory(
        pool=w.pool,
        region_class=RegionClass.CROSS_PROVINCE,
        per_km=Decimal("3.10"),
        per_hour=Decimal("40.00"),
    )
    TariffFactory(pool=w.pool, region_class=RegionClass.COOPERATION, per_km=Decimal("9.99"))
    booking = assigned_booking(w, region_class=RegionClass.CROSS_PROVINCE, crosses_border=True)
    trip = complete_trip(booking, by=w.manager, figures=figures(booking, km="10.0", minutes=60))
    assert (trip.per_km, trip.per_hour) == (Decimal("3.10"), Decimal("40.00"))
    assert trip.amount == Decimal("71.00")
    assert trip.crosses_border is True


def test_tariff_of_another_type_or_pool_is_ignored(w):
    TariffFactory(pool=w.pool, vehicle_type="bus", per_km=Decimal("9.00"))
    TariffFactory(per_km=Decimal("8.00"))  # another pool
    booking = assigned_booking(w)
    trip = complete_trip(booking, by=w.manager, figures=figures(booking))
    assert trip.per_km == Decimal("2.50")


def test_tariff_valid_on_the_trip_start_date(w):
    day = timezone.localdate() - dt.timedelta(days=2)
    w.pool.tariffs.update(valid_to=day - dt.timedelta(days=1))
    TariffFactory(pool=w.pool, per_km=Decimal("2.80"), valid_from=day, valid_to=day)
    TariffFactory(pool=w.pool, per_km=Decimal("3.00"), valid_from=day + dt.timedelta(days=1))
    booking = assigned_booking(w, starts_at=local(day, 9))
    trip = complete_trip(booking, by=w.manager, figures=figures(booking))
    assert trip.per_km == Decimal("2.80")
    assert trip.tariff.valid_from == day


def test_no_tariff_names_pool_type_and_date(w):
    w.pool.tariffs.all().delete()
    booking = assigned_booking(w)
    with translation.override("en"), pytest.raises(FleetStateError) as refused:
        complete_trip(booking, by=w.manager, figures=figures(booking))
    message = refused.value.user_message
    assert w.pool.name in message
    assert "sedan" in message
    assert booking.starts_at.date().isoformat() in message
    assert not Trip.objects.exists()


def test_frozen_rates_survive_a_tariff_change(w):
    booking = assigned_booking(w)
    trip = complete_trip(booking, by=w.manager, figures=figures(booking))
    w.pool.tariffs.update(per_km=Decimal("99.00"))
    trip.refresh_from_db()
    assert trip.per_km == Decimal("2.50")
    assert trip.amount == Decimal("370.00")


# -- billing arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(1, "0.5"), (30, "0.5"), (31, "1.0"), (60, "1.0"), (61, "1.5"), (179, "3.0"), (181, "3.5")],
)
def test_billing_counts_started_half_hours(minutes, hours):
    start = local(dt.date(2026, 3, 1), 8)
    assert billed_hours(start, start + dt.timedelta(minutes=minutes)) == Decimal(hours)


def test_billing_step_follows_the_setting(settings):
    settings.TIANFU_FLEET = {**settings.TIANFU_FLEET, "billing_step_minutes": 60}
    start = local(dt.date(2026, 3, 1), 8)
    assert billed_hours(start, start + dt.timedelta(minutes=61)) == Decimal("2")


def test_billing_step_must_give_exact_tenths(settings):
    settings.TIANFU_FLEET = {**settings.TIANFU_FLEET, "billing_step_minutes": 20}
    start = local(dt.date(2026, 3, 1), 8)
    with pytest.raises(ImproperlyConfigured, match="multiple of 6"):
        billed_hours(start, start + dt.timedelta(minutes=61))


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),
        ("10.125", "10.13"),
        ("10.135", "10.14"),
    ],
)
def test_money_rounds_half_up_to_the_fen(value, rounded):
    assert round_fen(Decimal(value)) == Decimal(rounded)


def test_amount_rounds_half_up_once_before_tolls():
    w = world(per_km=Decimal("1.25"), per_hour=Decimal("0.01"))
    booking = assigned_booking(w)
    # 0.1 km × 1.25 = 0.125, + 0.5 h × 0.01 = 0.005 → 0.130 → 0.13; + 0.01 toll
    trip = complete_trip(
        booking, by=w.manager, figures=figures(booking, km="0.1", minutes=30, tolls=Decimal("0.01"))
    )
    assert trip.amount == Decimal("0.14")


def test_half_fen_rounds_up():
    w = world(per_km=Decimal("0.05"), per_hour=Decimal("0.00"))
    booking = assigned_booking(w)
    trip = complete_trip(booking, by=w.manager, figures=figures(booking, km="0.1", minutes=30))
    assert trip.amount == Decimal("0.01")  # 0.005 → 0.01, not banker's 0.00


def test_own_vehicle_trip_is_recorded_with_payer_equal_payee(w):
    booking = assigned_booking(w, unit=w.holder)
    trip = complete_trip(booking, by=w.holder_officer, figures=figures(booking))
    assert trip.payer == trip.payee == w.holder


def test_vehicle_of_another_pool_member(w):
    other = UnitFactory()
    w.pool.members.add(other)
    van = VehicleFactory(holder=other, vehicle_type="mpv", seats=7)
    TariffFactory(pool=w.pool, vehicle_type="mpv", per_km=Decimal("3.00"))
    booking = assigned_booking(w, vehicle=van)
    trip = complete_trip(booking, by=w.manager, figures=figures(booking, km="10.0", minutes=30))
    assert trip.payee == other
    assert trip.amount == Decimal("45.00")


# -- the booked window and the columns' bounds ---------------------------------------------------


def test_a_trip_is_not_completed_before_its_booking_starts(w):
    booking = assigned_booking(w, starts_at=local(timezone.localdate() + dt.timedelta(days=5), 9))
    sheet = TripFigures(
        odometer_start=Decimal("12000.0"),
        odometer_end=Decimal("12100.0"),
        actual_start=local(dt.date(2024, 1, 1), 9),
        actual_end=local(dt.date(2024, 1, 1), 12),
    )
    with translation.override("en"), pytest.raises(FleetStateError, match="completed before"):
        complete_trip(booking, by=w.manager, figures=sheet)
    assert not Trip.objects.exists()


@pytest.mark.parametrize(
    ("start_shift", "end_shift", "field", "side"),
    [(-25, 0, "Actual start", "before"), (0, 25, "Actual end", "after")],
)
def test_actual_times_far_from_the_booked_window_are_refused(
    w, start_shift, end_shift, field, side
):
    booking = assigned_booking(w, starts_at=local(timezone.localdate() - dt.timedelta(days=3), 9))
    sheet = dataclasses.replace(
        figures(booking),
        actual_start=booking.starts_at + dt.timedelta(hours=start_shift),
        actual_end=booking.ends_at + dt.timedelta(hours=end_shift),
    )
    with translation.override("en"), pytest.raises(FleetInputError) as refused:
        complete_trip(booking, by=w.manager, figures=sheet)
    message = refused.value.user_message
    assert message.startswith(field)
    assert f"24 hours {side} the booked window" in message
    assert timezone.localtime(booking.starts_at).strftime("%Y-%m-%d %H:%M") in message
    assert not Trip.objects.exists()


def test_actual_times_within_a_day_of_the_window_are_accepted(w):
    booking = assigned_booking(w, starts_at=local(timezone.localdate() - dt.timedelta(days=3), 9))
    sheet = dataclasses.replace(
        figures(booking),
        actual_start=booking.starts_at - dt.timedelta(hours=23),
        actual_end=booking.ends_at + dt.timedelta(hours=23),
    )
    assert complete_trip(booking, by=w.manager, figures=sheet).pk


def test_a_distance_beyond_ten_thousand_km_is_refused(w):
    booking = assigned_booking(w)
    with translation.override("en"), pytest.raises(FleetInputError, match=r"^Odometer at end"):
        complete_trip(booking, by=w.manager, figures=figures(booking, km="10000.1"))
    assert complete_trip(booking, by=w.manager, figures=figures(booking, km="10000.0")).pk


def test_an_amount_the_column_cannot_hold_is_refused():
    w = world(per_km=Decimal("999999.99"))
    booking = assigned_booking(w)
    # 10,000 km × 999,999.99 + 4 h × 30.00 = 10,000,000,020.00: past the 12 digits of money
    with translation.override("en"), pytest.raises(FleetInputError, match=r"^Amount due"):
        complete_trip(booking, by=w.manager, figures=figures(booking, km="10000.0"))
    assert not Trip.objects.exists()


def test_hours_the_column_cannot_hold_are_refused():
    w = world(valid_from=dt.date(2000, 1, 1))
    start = local(dt.date(2005, 1, 1), 9)
    booking = assigned_booking(w, starts_at=start, hours=120_000)  # a window of 13.7 years
    sheet = dataclasses.replace(figures(booking), actual_end=start + dt.timedelta(hours=100_000))
    with translation.override("en"), pytest.raises(FleetInputError, match=r"^Billed hours"):
        complete_trip(booking, by=w.manager, figures=sheet)
    assert not Trip.objects.exists()
