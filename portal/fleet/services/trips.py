"""Completing a trip: the figures the driver brings back, and the settlement fixed with them.

The tariff's rates and the amount are computed once, here, and copied onto the trip, so a
statement printed a year later shows the same amount whatever happened to the tariff table.
The booking's pool managers complete trips, and so do the editors of the unit holding the
vehicle (its driver's office hands in the log sheet). A trip is completed once its booking has
started, with actual times within a day of the booked window and figures its columns can hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from portal.core.services import writing
from portal.fleet.choices import BookingAction, BookingStatus
from portal.fleet.exceptions import FleetForbiddenError, FleetInputError, FleetStateError
from portal.fleet.models import Assignment, Booking, BookingChange, Tariff, Trip, Vehicle
from portal.fleet.services.dispatch import is_manager
from portal.org.scoping import edit_scope

if TYPE_CHECKING:
    from portal.org.models import User

FEN: Final = Decimal("0.01")
ZERO: Final = Decimal("0")
# A log sheet may be handed in a little before the minute it names (clocks differ).
CLOCK_SKEW: Final = dt.timedelta(minutes=5)
COSTS: Final = ("fuel_cost", "charge_cost", "tolls", "parking", "fuel_litres", "charge_kwh")
# How far the actual times may stray from the booked window (a late return, an early start).
WINDOW_SLACK: Final = dt.timedelta(hours=24)
# No trip of a pooled official vehicle runs further; a larger reading is a typing error.
MAX_DISTANCE_KM: Final = Decimal(10000)
# What the trip's columns hold: billed hours (6 digits, 1 decimal), money (12 digits, 2).
MAX_HOURS: Final = Decimal("99999.9")
MAX_AMOUNT: Final = Decimal("9999999999.99")


@dataclass(frozen=True)
class TripFigures:
    """What the log sheet says: odometer readings, actual times, energy and costs (yuan)."""

    odometer_start: Decimal
    odometer_end: Decimal
    actual_start: dt.datetime
    actual_end: dt.datetime
    fuel_litres: Decimal | None = None
    fuel_cost: Decimal = ZERO
    charge_kwh: Decimal | None = None
    charge_cost: Decimal = ZERO
    tolls: Decimal = ZERO
    parking: Decimal = ZERO
    notes: str = ""

    def as_fields(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True)
class Charge:
    """The settlement of one trip: billed distance and hours, rates and the amount due."""

    tariff: Tariff
    distance_km: Decimal
    billed_hours: Decimal
    amount: Decimal


def round_fen(value: Decimal) -> Decimal:
    """Money to the fen, halves away from zero (0.005 → 0.01), as a statement prints it."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def billing_step() -> int:
    """The billing step in minutes; a multiple of 6 so billed hours are exact to the tenth the
    trip stores (any other step would print hours that do not multiply to the amount)."""
    step = int(settings.TIANFU_FLEET["billing_step_minutes"])
    if step % 6:
        raise ImproperlyConfigured(
            f"TIANFU_FLEET_BILLING_STEP_MINUTES={step} must be a multiple of 6 minutes"
        )
    return step


def billed_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Hours billed for a trip from ``start`` to ``end``: started steps count whole."""
    step = billing_step()
    # Integer arithmetic on the timedelta: float seconds could add a step for a rounding error.
    steps = -(-(end - start) // dt.timedelta(minutes=step))
    return Decimal(steps * step) / 60


def find_tariff(booking: Booking, vehicle: Vehicle, day: dt.date) -> Tariff:
    """The pool's tariff for the vehicle's type valid on ``day``: one for the booking's region
    class wins over one for any class, then the most recent; none is a FleetStateError."""
    valid = Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    tariff = (
        Tariff.objects.filter(valid, pool=booking.pool, vehicle_type=vehicle.vehicle_type)
        .filter(valid_from__lte=day, region_class__in=[booking.region_class, ""])
        .order_by("-region_class", "-valid_from", "-pk")
        .first()
    )
    if tariff is None:
        raise FleetStateError(
            _(
                "The pool “%(pool)s” has no tariff for %(type)s valid on %(date)s: "
                "ask its managers to add one, then complete the trip."
            )
            % {"pool": booking.pool, "type": vehicle.get_vehicle_type_display(), "date": day}
        )
    return tariff


def charge_for(booking: Booking, vehicle: Vehicle, figures: TripFigures) -> Charge:
    """Distance × per-km plus billed hours × per-hour, rounded to the fen, plus tolls and
    parking. Fuel and charging stay with the holder: they are its running costs."""
    day = timezone.localdate(figures.actual_start)
    tariff = find_tariff(booking, vehicle, day)
    distance = figures.odometer_end - figures.odometer_start
    hours = billed_hours(figures.actual_start, figures.actual_end)
    if hours > MAX_HOURS:
        raise FleetInputError(
            _("%(field)s: %(hours)s billed hours are more than a trip can record.")
            % {"field": _label("billed_hours"), "hours": hours}
        )
    amount = round_fen(distance * tariff.per_km + hours * tariff.per_hour)
    amount += figures.tolls + figures.parking
    if amount > MAX_AMOUNT:
        raise FleetInputError(
            _("%(field)s: %(amount)s yuan is more than a trip can record; check the figures.")
            % {"field": _label("amount"), "amount": amount}
        )
    return Charge(tariff, distance, hours, amount)


def _label(name: str) -> str:
    return str(capfirst(Trip._meta.get_field(name).verbose_name))


def check_figures(figures: TripFigures) -> None:
    """Refuse figures no log sheet can hold, naming the field."""
    if figures.odometer_start < 0:
        raise FleetInputError(_("The odometer reading cannot be negative."))
    if figures.odometer_end < figures.odometer_start:
        raise FleetInputError(_("The odometer at the end cannot be below the start."))
    if figures.odometer_end - figures.odometer_start > MAX_DISTANCE_KM:
        raise FleetInputError(
            _("%(field)s: a trip covers at most %(km)s km; check the odometer readings.")
            % {"field": _label("odometer_end"), "km": MAX_DISTANCE_KM}
        )
    if figures.actual_end <= figures.actual_start:
        raise FleetInputError(_("The trip must end after it starts."))
    if figures.actual_end > timezone.now() + CLOCK_SKEW:
        raise FleetInputError(_("The trip cannot end in the future."))
    for name in COSTS:
        value = getattr(figures, name)
        if value is not None and value < 0:
            raise FleetInputError(_("%(field)s cannot be negative.") % {"field": _label(name)})


def not_started(booking: Booking) -> FleetStateError | None:
    """Why the trip of ``booking`` cannot be completed yet (None once its start has passed)."""
    if booking.starts_at <= timezone.now():
        return None
    return FleetStateError(
        _("Booking %(number)s starts at %(start)s: its trip cannot be completed before.")
        % {"number": booking.pk, "start": _when(booking.starts_at)}
    )


def check_window(booking: Booking, figures: TripFigures) -> None:
    """Refuse a trip completed before its booking starts, and actual times far from the booked
    window: a trip is billed in the month it ended at the tariff of its start, so a sheet
    dated elsewhere would reopen a settled month or pick another tariff."""
    early = not_started(booking)
    if early is not None:
        raise early
    window = {"start": _when(booking.starts_at), "end": _when(booking.ends_at)}
    if figures.actual_start < booking.starts_at - WINDOW_SLACK:
        raise FleetInputError(
            _("%(field)s lies more than 24 hours before the booked window (%(start)s – %(end)s).")
            % {"field": _label("actual_start"), **window}
        )
    if figures.actual_end > booking.ends_at + WINDOW_SLACK:
        raise FleetInputError(
            _("%(field)s lies more than 24 hours after the booked window (%(start)s – %(end)s).")
            % {"field": _label("actual_end"), **window}
        )


def _when(instant: dt.datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M")


def may_complete(user: User, booking: Booking, vehicle: Vehicle) -> bool:
    """The booking's pool managers, and the editors of the unit holding the vehicle."""
    return is_manager(booking, user) or edit_scope(user).allows(vehicle.holder)


def _active_assignment(booking: Booking) -> Assignment:
    assignment = (
        Assignment.objects.select_related("vehicle__holder", "driver")
        .filter(booking=booking, released_at__isnull=True)
        .first()
    )
    if assignment is None:
        raise FleetStateError(
            _("This booking has no vehicle assigned: there is no trip to complete.")
        )
    return assignment


def _locked_booking(booking: Booking) -> Booking:
    locked = Booking.objects.select_for_update(of=("self",)).select_related("pool", "unit")
    current = locked.get(pk=booking.pk)
    if current.status != BookingStatus.ASSIGNED:
        raise FleetStateError(
            _("Only a booking with a vehicle assigned can be completed; this one is %(status)s.")
            % {"status": current.get_status_display()}
        )
    return current


def complete_trip(booking: Booking, *, by: User, figures: TripFigures) -> Trip:
    """Record the trip of an assigned booking with its settlement, raise the vehicle's
    odometer, mark the booking completed and log it in the booking's history."""
    check_figures(figures)
    with writing(by):
        booking = _locked_booking(booking)
        assignment = _active_assignment(booking)
        vehicle = assignment.vehicle
        if not may_complete(by, booking, vehicle):
            raise FleetForbiddenError(
                _("Only the pool's managers and the vehicle holder's officers complete a trip.")
            )
        check_window(booking, figures)
        charge = charge_for(booking, vehicle, figures)
        trip = Trip.objects.create(
            booking=booking,
            vehicle=vehicle,
            driver=assignment.driver,
            **figures.as_fields(),
            **_settlement(booking, vehicle, charge),
            completed_by=by,
        )
        _raise_odometer(vehicle, figures.odometer_end)
        _mark_completed(booking, trip, by=by)
    return trip


def _settlement(booking: Booking, vehicle: Vehicle, charge: Charge) -> dict[str, Any]:
    return {
        "distance_km": charge.distance_km,
        "billed_hours": charge.billed_hours,
        "tariff": charge.tariff,
        "per_km": charge.tariff.per_km,
        "per_hour": charge.tariff.per_hour,
        "amount": charge.amount,
        "payer": booking.unit,
        "payee": vehicle.holder,
        "region_class": booking.region_class,
        "crosses_border": booking.crosses_border,
    }


def _raise_odometer(vehicle: Vehicle, reading: Decimal) -> None:
    """The vehicle's odometer moves forward only: a log sheet handed in late keeps the newer."""
    whole = int(reading)
    Vehicle.objects.filter(pk=vehicle.pk, odometer_km__lt=whole).update(
        odometer_km=whole, updated_at=timezone.now()
    )


def _mark_completed(booking: Booking, trip: Trip, *, by: User) -> None:
    booking.status = BookingStatus.COMPLETED
    booking.save(update_fields=["status", "updated_at"])
    BookingChange.objects.create(
        booking=booking,
        action=BookingAction.COMPLETED,
        by=by,
        changes={"status": [BookingStatus.ASSIGNED.value, BookingStatus.COMPLETED.value]},
        note=_("%(km)s km, %(amount)s yuan due to %(payee)s.")
        % {"km": trip.distance_km, "amount": trip.amount, "payee": trip.payee},
    )
