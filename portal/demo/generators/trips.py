"""The life of the planned bookings: approvals, dispatch, completed trips and their settlement.

Past bookings were mostly driven (some cancelled or rejected), bookings under way hold their
vehicle, future ones wait at every stage. Vehicles and drivers are dispatched in start order,
each kept free of overlaps as the exclusion constraints demand (the load would fail otherwise):
the nearest suitable free vehicle of the pool, a driver of its holder whose licence covers it,
else another member's. Trips are billed as portal.fleet.services.trips bills them: the tariff
of the pool and vehicle type valid on the start date (one of the trip's region class first),
hours rounded up to the billing step. Rows keep their historic times, so they are COPYed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.demo import sql as demo_sql
from portal.demo.data import fleet as data
from portal.demo.generators.bookings import GEOD, PlannedBooking
from portal.demo.generators.copying import copy_records, next_ids
from portal.demo.generators.pools import DemoPool, People
from portal.fleet.choices import (
    ApprovalDecision,
    BookingAction,
    BookingStatus,
    licence_covers,
)
from portal.fleet.models import (
    Assignment,
    Booking,
    BookingApproval,
    BookingChange,
    Driver,
    Tariff,
    Trip,
    Vehicle,
)

CENT, TENTH = Decimal("0.01"), Decimal("0.1")


@dataclass(eq=False)
class Busy:
    """A vehicle or driver with the periods it is assigned."""

    model: Any
    periods: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)

    def free(self, start: dt.datetime, end: dt.datetime) -> bool:
        return all(end <= s or e <= start for s, e in self.periods)


@cache
def _covers(licence: str, vehicle_type: str) -> bool:
    return licence_covers(licence, vehicle_type)


@dataclass
class Dispatcher:
    """The pool's vehicles (with their bases) and drivers, and what they are assigned."""

    vehicles: list[Busy]
    lon: np.ndarray
    lat: np.ndarray
    drivers: list[Busy]
    used: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        models = [v.model for v in self.vehicles]
        self.seats = np.array([v.seats for v in models])
        self.nev = np.array([v.energy == "nev" for v in models])
        self.range_km = np.array([v.range_km or 0 for v in models], dtype=float)
        self.types = np.array([v.vehicle_type for v in models])
        self.by_unit: dict[int, list[Busy]] = {}
        for driver in self.drivers:
            self.by_unit.setdefault(driver.model.unit_id, []).append(driver)

    def vehicle(self, booking: PlannedBooking) -> Busy | None:
        """The nearest free vehicle that fits (one of the preferred type counts 30 km nearer)."""
        if not self.vehicles:
            return None
        count = len(self.vehicles)
        x, y = np.full(count, booking.origin[0]), np.full(count, booking.origin[1])
        km = GEOD.inv(x, y, self.lon, self.lat)[2] * settings.TIANFU_FLEET["road_factor"] / 1000
        reserve = settings.TIANFU_FLEET["nev_reserve"]
        fits = (self.seats >= booking.seats_needed) & (
            ~self.nev | (booking.nev_ok & (self.range_km * reserve >= km + booking.trip_km))
        )
        cost = km - 30 * (self.types == booking.vehicle_type)
        for i in np.argsort(cost, kind="stable"):
            if fits[i] and self.vehicles[i].free(booking.starts_at, booking.ends_at):
                return self.vehicles[i]
        return None

    def driver(self, vehicle: Vehicle, booking: PlannedBooking) -> Busy | None:
        """A free licensed driver, the vehicle holder's first, then the least used."""
        own = self.by_unit.get(vehicle.holder_id, [])
        for group in (own, self.drivers):
            free = [
                d
                for d in group
                if _covers(d.model.licence_class, vehicle.vehicle_type)
                and d.free(booking.starts_at, booking.ends_at)
            ]
            if free:
                return min(free, key=lambda d: (self.used[d.model.pk], d.model.pk))
        return None

    def take(self, booking: PlannedBooking) -> bool:
        vehicle = self.vehicle(booking)
        driver = vehicle and self.driver(vehicle.model, booking)
        if vehicle is None or driver is None:
            return False
        for item in (vehicle, driver):
            item.periods.append((booking.starts_at, booking.ends_at))
        self.used[driver.model.pk] += 1
        booking.vehicle, booking.driver = vehicle.model, driver.model
        return True


def _base(vehicle: Vehicle) -> Any:
    place = vehicle.base_building or vehicle.base_depot
    return place.geom if place is not None else vehicle.holder.location


def dispatcher(pool: DemoPool) -> Dispatcher:
    members = [u.model.pk for u in pool.members]
    vehicles = list(
        Vehicle.objects.filter(holder__in=members, status__in=["available", "in_use"])
        .select_related("base_building", "base_depot", "holder")
        .order_by("pk")
    )
    bases = [_base(v) for v in vehicles]
    drivers = Driver.objects.filter(unit__in=members, active=True).order_by("pk")
    return Dispatcher(
        [Busy(v) for v in vehicles],
        np.array([p.x for p in bases]),
        np.array([p.y for p in bases]),
        [Busy(d) for d in drivers],
    )


# -- statuses --------------------------------------------------------------------------------------


def _future_status(rng: np.random.Generator) -> str:
    roll = rng.random()
    for status, upto in (
        (BookingStatus.REJECTED, 0.04),
        (BookingStatus.CANCELLED, 0.09),
        (BookingStatus.SUBMITTED, 0.39),
        (BookingStatus.APPROVED, 0.6),
    ):
        if roll < upto:
            return str(status)
    return str(BookingStatus.ASSIGNED)


LOG_SHEET_DUE = dt.timedelta(days=3)


def settle_statuses(
    planned: list[PlannedBooking], dispatchers: dict[int, Dispatcher], rng: np.random.Generator
) -> None:
    """Decide each booking's status, dispatching the driven and assigned ones in start order."""
    now = timezone.now()
    for booking in planned:
        if booking.ends_at <= now:
            roll = rng.random()
            wanted = "rejected" if roll < 0.05 else "cancelled" if roll < 0.12 else "completed"
            # Log sheets come in a day or two after the trip: some recent ones are still due.
            if wanted == "completed" and now - booking.ends_at < LOG_SHEET_DUE and roll > 0.7:
                wanted = str(BookingStatus.ASSIGNED)
        elif booking.starts_at <= now:
            wanted = str(BookingStatus.ASSIGNED)
        else:
            wanted = _future_status(rng)
        if wanted in ("completed", "assigned"):
            if not dispatchers[booking.pool.model.pk].take(booking):
                past = booking.starts_at <= now
                wanted = "cancelled" if past else "approved"
                booking.cancel_reason = data.NO_VEHICLE if past else ""
        elif wanted == "cancelled":
            booking.cancel_reason = data.CANCEL_REASONS[int(rng.integers(len(data.CANCEL_REASONS)))]
        booking.status = wanted


# -- rows ------------------------------------------------------------------------------------------


def _booking_row(b: PlannedBooking, people: People, divisions: dict, regions: dict) -> dict:
    c = b.classified
    return {
        "id": b.pk, "synthetic": True, "created_at": b.created_at, "updated_at": b.created_at,
        "unit": b.unit.model.pk, "requested_by": people.requester(b.unit).pk,
        "pool": b.pool.model.pk, "trip_type": b.trip_type, "purpose": b.purpose,
        "passengers": b.passengers, "passenger_names": "", "origin": b.point(b.origin),
        "origin_label": b.origin_label, "destination": b.point(b.destination),
        "destination_label": b.destination_label, "starts_at": b.starts_at, "ends_at": b.ends_at,
        "round_trip": b.round_trip, "seats_needed": b.seats_needed, "nev_ok": b.nev_ok,
        "vehicle_type": b.vehicle_type, "status": b.status, "chain": b.chain,
        "region_class": c.region_class, "crosses_border": c.crosses_border,
        "region": regions.get(c.region), "origin_division": divisions.get(c.origin_code),
        "destination_division": divisions.get(c.destination_code),
        "distance_m": round(b.distance_m, 1), "cancel_reason": b.cancel_reason,
    }  # fmt: skip


@dataclass
class History:
    """Approval, change, assignment and trip rows of the bookings, with their times."""

    people: People
    rng: np.random.Generator
    approvals: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)
    trips: list[dict] = field(default_factory=list)
    odometer: dict[int, Decimal] = field(default_factory=dict)

    def change(
        self, b: PlannedBooking, action: str, by: Any, at: dt.datetime, **extra: Any
    ) -> None:
        self.changes.append(
            {"booking": b.pk, "action": action, "by": by.pk, "at": at,
             "changes": extra.get("changes", {}), "note": extra.get("note", "")}
        )  # fmt: skip

    def sign(self, b: PlannedBooking, step: str, decision: str, at: dt.datetime) -> None:
        requester = self.people.requester(b.unit)
        by = self.people.signer(step, b.unit, b.pool, requester)
        comment = ""
        if decision == ApprovalDecision.REJECTED:
            comment = data.REJECT_COMMENTS[int(self.rng.integers(len(data.REJECT_COMMENTS)))]
        self.approvals.append(
            {"booking": b.pk, "step": step, "decision": decision, "by": by.pk, "at": at,
             "comment": comment, "superseded": False}
        )  # fmt: skip
        action = BookingAction.APPROVED if decision == "approved" else BookingAction.REJECTED
        self.change(b, action, by, at, note=comment)


def _moments(b: PlannedBooking, count: int) -> list[dt.datetime]:
    """``count`` instants after the request, before the start (and before now), in order."""
    limit = min(b.starts_at, timezone.now())
    step = min(dt.timedelta(hours=3), (limit - b.created_at) / (count + 1))
    return [b.created_at + step * (i + 1) for i in range(count)]


def _signed_steps(b: PlannedBooking, rng: np.random.Generator) -> tuple[int, bool]:
    """How many steps were approved, and whether the next one rejected."""
    steps = len(b.chain)
    if b.status == BookingStatus.REJECTED:
        return int(rng.integers(steps)), True
    if b.status == BookingStatus.SUBMITTED:
        return int(rng.integers(steps)), False
    if b.status == BookingStatus.CANCELLED and b.cancel_reason != data.NO_VEHICLE:
        return int(rng.integers(steps + 1)), False
    return steps, False


def record(b: PlannedBooking, history: History) -> None:
    """The booking's approvals, history lines, assignment and trip."""
    people, rng = history.people, history.rng
    requester = people.requester(b.unit)
    history.change(b, BookingAction.SUBMITTED, requester, b.created_at)
    approved, rejected = _signed_steps(b, rng)
    times = _moments(b, len(b.chain) + 2)
    for i, step in enumerate(b.chain[: approved + int(rejected)]):
        decision = "rejected" if i == approved else "approved"
        history.sign(b, step, decision, times[i])
    after = times[len(b.chain)]
    manager = b.pool.managers[0]
    if b.vehicle is not None:
        history.assignments.append(
            {"booking": b.pk, "vehicle": b.vehicle.pk, "driver": b.driver.pk,
             "period": f"[{b.starts_at.isoformat()},{b.ends_at.isoformat()})",
             "assigned_by": manager.pk, "assigned_at": after, "released_at": None,
             "release_reason": ""}
        )  # fmt: skip
        changes = {"vehicle": [None, b.vehicle.plate], "driver": [None, b.driver.name]}
        history.change(b, BookingAction.ASSIGNED, manager, after, changes=changes)
    if b.status == BookingStatus.CANCELLED:
        history.change(b, BookingAction.CANCELLED, requester, times[-1], note=b.cancel_reason)
    if b.status == BookingStatus.COMPLETED:
        history.trips.append(trip_row(b, history, manager))


# -- trips -----------------------------------------------------------------------------------------


def tariff_for(pool: DemoPool, vehicle_type: str, region_class: str, day: dt.date) -> Tariff:
    valid = [
        t
        for t in pool.tariffs
        if t.vehicle_type == vehicle_type
        and t.valid_from <= day
        and (t.valid_to is None or day <= t.valid_to)
        and t.region_class in ("", region_class)
    ]
    return max(valid, key=lambda t: (t.region_class == region_class, t.valid_from))


def billed_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    step = settings.TIANFU_FLEET["billing_step_minutes"]
    minutes = (end - start).total_seconds() / 60
    return (Decimal(math.ceil(minutes / step) * step) / 60).quantize(TENTH, ROUND_HALF_UP)


def _running_costs(vehicle: Vehicle, km: Decimal, rng: np.random.Generator) -> dict:
    if vehicle.energy == "nev":
        kwh = (km * Decimal(str(round(rng.uniform(0.14, 0.2), 3)))).quantize(CENT)
        return {"charge_kwh": kwh, "charge_cost": (kwh * Decimal("1.10")).quantize(CENT),
                "fuel_litres": None, "fuel_cost": Decimal(0)}  # fmt: skip
    litres = (km * Decimal(str(round(rng.uniform(0.08, 0.12), 3)))).quantize(CENT)
    return {"fuel_litres": litres, "fuel_cost": (litres * Decimal("7.90")).quantize(CENT),
            "charge_kwh": None, "charge_cost": Decimal(0)}  # fmt: skip


def trip_row(b: PlannedBooking, history: History, manager: Any) -> dict:
    rng, vehicle = history.rng, b.vehicle
    start = b.starts_at + dt.timedelta(minutes=int(rng.integers(-10, 21)))
    end = max(
        b.ends_at + dt.timedelta(minutes=int(rng.integers(-40, 41))), start + dt.timedelta(hours=1)
    )
    # A booking that ended minutes ago cannot have been driven into the future.
    end = min(end, timezone.now())
    start = min(start, end - dt.timedelta(hours=1))
    km = Decimal(str(round(b.trip_km * rng.uniform(1.0, 1.12) + rng.uniform(2, 15), 1)))
    odometer = history.odometer.get(vehicle.pk, Decimal(vehicle.odometer_km))
    first = odometer + Decimal(int(rng.integers(0, 40)))
    history.odometer[vehicle.pk] = first + km
    hours = billed_hours(start, end)
    tariff = tariff_for(
        b.pool, vehicle.vehicle_type, b.classified.region_class, timezone.localtime(start).date()
    )
    tolls = Decimal(round(b.trip_km * 0.45)) if b.trip_km > 100 else Decimal(0)
    parking = Decimal(int(rng.choice([0, 0, 5, 10, 20])))
    fare = (km * tariff.per_km + hours * tariff.per_hour).quantize(CENT, ROUND_HALF_UP)
    done = min(end + dt.timedelta(hours=float(rng.uniform(0.5, 20))), timezone.now())
    return {
        "synthetic": True, "created_at": done, "updated_at": done, "booking": b.pk,
        "vehicle": vehicle.pk, "driver": b.driver.pk, "odometer_start": first,
        "odometer_end": first + km, "actual_start": start, "actual_end": end,
        **_running_costs(vehicle, km, rng), "tolls": tolls, "parking": parking, "notes": "",
        "distance_km": km, "billed_hours": hours, "tariff": tariff.pk, "per_km": tariff.per_km,
        "per_hour": tariff.per_hour, "amount": fare + tolls + parking, "payer": b.unit.model.pk,
        "payee": vehicle.holder_id, "region_class": b.classified.region_class,
        "crosses_border": b.classified.crosses_border, "completed_by": manager.pk,
    }  # fmt: skip


def write_history(
    planned: list[PlannedBooking], people: People, world: Any, rng: np.random.Generator
) -> int:
    """COPY the bookings and everything that happened to them; raise the vehicles' odometers."""
    from portal.org.models import CooperationRegion

    regions = dict(CooperationRegion.objects.values_list("name", "pk"))
    divisions = {code: d.pk for code, d in world.divisions.items()}
    for b, pk in zip(planned, next_ids(Booking._meta.db_table, len(planned)), strict=True):
        b.pk = pk
        b.chain = people.chain(b.unit, b.trip_type, b.classified.crosses_border)
    history = History(people, rng)
    for b in planned:
        record(b, history)
    context = world.history
    written = copy_records(
        Booking, [_booking_row(b, people, divisions, regions) for b in planned], history=context
    )
    written += copy_records(BookingApproval, history.approvals, history=context)
    written += copy_records(BookingChange, history.changes, history=context)
    written += copy_records(Assignment, history.assignments, history=context)
    written += copy_records(Trip, history.trips, history=context)
    with connection.cursor() as cursor:
        cursor.execute(demo_sql.ODOMETERS)
    return written
