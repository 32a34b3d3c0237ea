"""Dispatch: suggest vehicles and drivers for an approved booking, assign, release, reassign.

The pool's managers dispatch its bookings. :func:`suggest` asks the database for the candidates
(:mod:`portal.fleet.sql`, one statement) and ranks them with :mod:`gis.dispatch`, pairing each
vehicle with its best free driver. :func:`assign` checks the pair against the same rules and
inserts the assignment; two dispatchers taking one vehicle or driver for overlapping trips at
the same instant are separated by the database's exclusion constraints, whose refusal becomes
:class:`DoubleBookingError`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.fields.ranges import DateTimeTZRange
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gis.dispatch import DriverPick, Scores, Weights, pair_drivers, score_candidates
from portal.core.services import writing
from portal.fleet import sql
from portal.fleet.choices import (
    LICENCE_RANK,
    REQUIRED_LICENCE,
    BookingAction,
    BookingStatus,
    Energy,
    LicenceClass,
    VehicleStatus,
    VehicleType,
    licence_covers,
)
from portal.fleet.exceptions import (
    DoubleBookingError,
    FleetForbiddenError,
    FleetInputError,
    FleetStateError,
)
from portal.fleet.models import (
    Assignment,
    Booking,
    BookingChange,
    Driver,
    Vehicle,
    VehiclePool,
)
from portal.fleet.querysets import may_manage_pools

if TYPE_CHECKING:
    from portal.org.models import User

__all__ = [
    "Suggestion",
    "assign",
    "reassign",
    "release",
    "suggest",
    "suggest_with_drivers",
]


@dataclass(frozen=True)
class Suggestion:
    """A candidate vehicle, its score components (each in [0, 1]) and its paired driver."""

    rank: int
    vehicle: sql.CandidateRow
    driver: sql.DriverRow | None
    distance_score: float
    fit_score: float
    balance_score: float
    score: float

    @property
    def vehicle_id(self) -> int:
        return self.vehicle.id

    @property
    def vehicle_type_label(self) -> str:
        return str(VehicleType(self.vehicle.vehicle_type).label)

    @property
    def energy_label(self) -> str:
        return str(Energy(self.vehicle.energy).label)


def is_manager(booking: Booking, user: User) -> bool:
    """Whether ``user`` manages the (active) pool of ``booking`` (one query)."""
    if not may_manage_pools(user):
        return False
    return VehiclePool.managers.through.objects.filter(
        vehiclepool_id=booking.pool_id, vehiclepool__active=True, user_id=user.pk
    ).exists()


def _require_manager(booking: Booking, user: User) -> None:
    if not is_manager(booking, user):
        raise FleetForbiddenError(_("Only the managers of the pool dispatch its bookings."))


def _require_status(booking: Booking, *statuses: str) -> None:
    if booking.status not in statuses:
        raise FleetStateError(
            _("Booking %(number)s is %(status)s: this action does not apply.")
            % {"number": booking.pk, "status": booking.get_status_display()}
        )


def required_rank(vehicle_type: str) -> int:
    """The licence rank a vehicle type needs (see :func:`portal.fleet.choices.licence_covers`)."""
    return LICENCE_RANK[REQUIRED_LICENCE.get(VehicleType(vehicle_type), LicenceClass.C1)]


# -- suggestions ---------------------------------------------------------------------------------


def suggest(booking: Booking, *, by: User, limit: int | None = None) -> list[Suggestion]:
    """The vehicles that may serve ``booking``, best first, each with its best free driver.

    ``limit`` keeps the first so many (None: all candidates): every candidate is measured and
    ranked, but drivers are looked up only for the vehicles kept. The booking must await
    dispatch (APPROVED) or hold an assignment (ASSIGNED, to reassign: its own assignment then
    blocks nothing). Only the pool's managers may ask.
    """
    _require_dispatcher(booking, by)
    config = settings.TIANFU_FLEET
    ranked = _ranked(booking, sql.candidate_vehicles(booking, config), config, limit)
    return _with_drivers(ranked, _drivers_for(booking, [s.vehicle for s in ranked], config))


def suggest_with_drivers(
    booking: Booking, *, by: User, limit: int | None = None
) -> tuple[list[Suggestion], list[sql.DriverRow]]:
    """:func:`suggest`, and every free driver of the pool's member units in the booking's window
    (for the manager who picks another than the paired one)."""
    _require_dispatcher(booking, by)
    config = settings.TIANFU_FLEET
    ranked = _ranked(booking, sql.candidate_vehicles(booking, config), config, limit)
    drivers = sql.free_drivers(booking, config)
    return _with_drivers(ranked, drivers), drivers


def _require_dispatcher(booking: Booking, user: User) -> None:
    _require_manager(booking, user)
    _require_status(booking, BookingStatus.APPROVED, BookingStatus.ASSIGNED)


def _ranked(
    booking: Booking, rows: list[sql.CandidateRow], config: dict[str, float], limit: int | None
) -> list[Suggestion]:
    """The best ``limit`` candidates (all when None) with their scores, no driver yet."""
    if not rows:
        return []
    scores = _score(booking, rows, config)
    order = scores.order[:limit] if limit else scores.order
    return [
        Suggestion(
            rank=rank,
            vehicle=rows[i],
            driver=None,
            distance_score=float(scores.distance[i]),
            fit_score=float(scores.fit[i]),
            balance_score=float(scores.balance[i]),
            score=float(scores.total[i]),
        )
        for rank, i in enumerate(order.tolist(), start=1)
    ]


def _with_drivers(ranked: list[Suggestion], drivers: list[sql.DriverRow]) -> list[Suggestion]:
    paired = _pair([s.vehicle for s in ranked], drivers)
    return [replace(s, driver=d) for s, d in zip(ranked, paired, strict=True)]


def _drivers_for(
    booking: Booking, vehicles: list[sql.CandidateRow], config: dict[str, float]
) -> list[sql.DriverRow]:
    """The free drivers :func:`pair_drivers` may pick for ``vehicles``: those of their holders
    licensed for them, unless a vehicle has none (then every free driver licensed for the least
    demanding of them). The pick of each vehicle is the one it gets among all free drivers."""
    if not vehicles:
        return []
    needed = min(required_rank(v.vehicle_type) for v in vehicles)
    classes = [str(c) for c, rank in LICENCE_RANK.items() if rank >= needed]
    units = sorted({v.holder_id for v in vehicles})
    own = sql.free_drivers(booking, config, units=units, classes=classes)
    rank = {d.id: LICENCE_RANK[LicenceClass(d.licence_class)] for d in own}
    if all(
        any(d.unit_id == v.holder_id and rank[d.id] >= required_rank(v.vehicle_type) for d in own)
        for v in vehicles
    ):
        return own
    return sql.free_drivers(booking, config, classes=classes)


def _score(booking: Booking, rows: list[sql.CandidateRow], config: dict[str, float]) -> Scores:
    known = [r.to_origin_km for r in rows if r.to_origin_km is not None]
    # A vehicle whose position is unknown counts as the farthest.
    farthest = max(known, default=0.0)
    return score_candidates(
        ids=[r.id for r in rows],
        road_km=[farthest if r.to_origin_km is None else r.to_origin_km for r in rows],
        seats=[r.seats for r in rows],
        seats_needed=booking.seats_needed,
        type_matches=[
            not booking.vehicle_type or r.vehicle_type == booking.vehicle_type for r in rows
        ],
        booked_hours=[r.booked_hours for r in rows],
        weights=Weights(
            distance=config["weight_distance"],
            fit=config["weight_fit"],
            balance=config["weight_balance"],
        ),
    )


def _pair(
    vehicles: list[sql.CandidateRow], drivers: list[sql.DriverRow]
) -> list[sql.DriverRow | None]:
    by_id = {d.id: d for d in drivers}
    picks = pair_drivers(
        [(v.holder_id, required_rank(v.vehicle_type)) for v in vehicles],
        [
            DriverPick(
                id=d.id,
                unit_id=d.unit_id,
                licence_rank=LICENCE_RANK[LicenceClass(d.licence_class)],
                booked_hours=d.booked_hours,
            )
            for d in drivers
        ],
    )
    return [None if pick is None else by_id[pick.id] for pick in picks]


# -- assignment ----------------------------------------------------------------------------------


def assign(booking: Booking, vehicle: Vehicle, driver: Driver, *, by: User) -> Assignment:
    """Give the approved ``booking`` ``vehicle`` and ``driver``; the booking becomes ASSIGNED.

    Refused when ``by`` does not manage the pool (403), the booking no longer awaits dispatch
    (409), the vehicle or driver does not suit the trip (400), or either is taken in the
    booking's window (:class:`DoubleBookingError`, 409), also by a dispatcher acting at the same
    instant.
    """
    with writing(by):
        booking = _locked(booking)
        _require_manager(booking, by)
        _require_status(booking, BookingStatus.APPROVED)
        _require_future(booking)
        vehicle, driver = _check_pair(booking, vehicle, driver)
        assignment = _insert(booking, vehicle, driver, by)
        _set_status(booking, BookingStatus.ASSIGNED)
        _log(booking, by, BookingAction.ASSIGNED, None, assignment)
    return assignment


def release(booking: Booking, *, by: User, reason: str = "") -> Assignment:
    """Free the vehicle and driver of the assigned ``booking``; it awaits dispatch again."""
    with writing(by):
        booking = _locked(booking)
        _require_manager(booking, by)
        _require_status(booking, BookingStatus.ASSIGNED)
        old = release_assignment(_current(booking), reason or _("released by the pool manager"))
        _set_status(booking, BookingStatus.APPROVED)
        _log(booking, by, BookingAction.RELEASED, old, None, note=reason)
    return old


def reassign(
    booking: Booking, vehicle: Vehicle, driver: Driver, *, by: User, reason: str = ""
) -> Assignment:
    """Replace the assigned ``booking``'s vehicle and/or driver in one transaction: when the new
    pair is refused, the old assignment stands."""
    with writing(by):
        booking = _locked(booking)
        _require_manager(booking, by)
        _require_status(booking, BookingStatus.ASSIGNED)
        current = _current(booking)
        if (current.vehicle_id, current.driver_id) == (vehicle.pk, driver.pk):
            raise FleetInputError(_("This vehicle and driver already serve the booking."))
        _require_future(booking)
        vehicle, driver = _check_pair(booking, vehicle, driver)
        old = release_assignment(current, reason or _("reassigned by the pool manager"))
        assignment = _insert(booking, vehicle, driver, by)
        _log(booking, by, BookingAction.ASSIGNED, old, assignment, note=reason)
    return assignment


def _current(booking: Booking) -> Assignment:
    """The booking's active assignment, locked; an ASSIGNED booking without one (a record
    mended by hand) is refused rather than guessed at."""
    current = booking.assignments.select_for_update().filter(released_at__isnull=True).first()
    if current is None:
        raise FleetStateError(_("Booking %(number)s holds no vehicle.") % {"number": booking.pk})
    return current


def release_assignment(current: Assignment, reason: str) -> Assignment:
    """Mark ``current`` released (inside the caller's transaction, the row locked): its vehicle
    and driver are free again, the row stays as the record."""
    current.released_at = timezone.now()
    current.release_reason = reason[:200]
    current.save(update_fields=["released_at", "release_reason"])
    return current


def _locked(booking: Booking) -> Booking:
    """The booking re-read under a row lock: two dispatchers of one booking act in turn."""
    return Booking.objects.select_for_update(of=("self",)).select_related("pool").get(pk=booking.pk)


def _set_status(booking: Booking, status: str) -> None:
    booking.status = status
    booking.save(update_fields=["status", "updated_at"])


def _require_future(booking: Booking) -> None:
    """A trip whose window is over is not dispatched: it was driven, or not, without us."""
    if booking.ends_at <= timezone.now():
        raise FleetStateError(
            _("The booking's time window has passed: the requester amends the times first.")
        )


def _check_pair(booking: Booking, vehicle: Vehicle, driver: Driver) -> tuple[Vehicle, Driver]:
    """Refuse a vehicle or driver that the suggestions would not offer (whether they are free is
    left to the exclusion constraints, which also see concurrent assignments).

    Both are re-read under a row lock, so a vehicle retired or a driver deactivated since the
    manager loaded the page cannot slip in; the locked copies are returned for the insert."""
    vehicle = Vehicle.objects.select_for_update(no_key=True).get(pk=vehicle.pk)
    driver = Driver.objects.select_for_update(no_key=True).get(pk=driver.pk)
    members = set(booking.pool.members.values_list("pk", flat=True))
    if vehicle.holder_id not in members:
        raise FleetInputError(
            _("Vehicle %(plate)s is not held by a member unit of the pool.") % {"plate": vehicle}
        )
    _check_vehicle(booking, vehicle)
    if driver.unit_id not in members or not driver.active:
        raise FleetInputError(
            _("Driver %(name)s is not an active driver of a member unit of the pool.")
            % {"name": driver}
        )
    if not licence_covers(driver.licence_class, vehicle.vehicle_type):
        raise FleetInputError(
            _("Driver %(name)s's licence %(licence)s does not cover a %(type)s.")
            % {
                "name": driver,
                "licence": driver.licence_class,
                "type": vehicle.get_vehicle_type_display(),
            }
        )
    return vehicle, driver


def _check_vehicle(booking: Booking, vehicle: Vehicle) -> None:
    if vehicle.status != VehicleStatus.AVAILABLE:
        raise FleetInputError(
            _("Vehicle %(plate)s is %(status)s.")
            % {"plate": vehicle, "status": vehicle.get_status_display()}
        )
    if vehicle.seats < booking.seats_needed:
        raise FleetInputError(
            _("Vehicle %(plate)s has %(seats)s seats; the trip needs %(needed)s.")
            % {"plate": vehicle, "seats": vehicle.seats, "needed": booking.seats_needed}
        )
    if vehicle.energy == Energy.NEV and not booking.nev_ok:
        raise FleetInputError(_("The requester does not accept a new-energy vehicle."))
    if vehicle.energy == Energy.NEV and not sql.candidate_vehicles(
        booking, settings.TIANFU_FLEET, vehicle_id=vehicle.pk
    ):
        raise FleetInputError(
            _("Vehicle %(plate)s's range does not cover the way to the origin and the trip.")
            % {"plate": vehicle}
        )


def _insert(booking: Booking, vehicle: Vehicle, driver: Driver, by: User) -> Assignment:
    """Insert the assignment in a savepoint; an exclusion refusal becomes DoubleBookingError."""
    assignment = Assignment(
        booking=booking,
        vehicle=vehicle,
        driver=driver,
        period=DateTimeTZRange(booking.starts_at, booking.ends_at, "[)"),
        assigned_by=by,
    )
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:
        raise _double_booking(exc, booking, vehicle, driver) from None
    return assignment


def _double_booking(
    exc: IntegrityError, booking: Booking, vehicle: Vehicle, driver: Driver
) -> Exception:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if constraint == "fleet_assignment_one_active":
        return FleetStateError(_("The booking already has a vehicle."))
    values = {
        "vehicle": vehicle,
        "driver": driver,
        "start": timezone.localtime(booking.starts_at).strftime("%Y-%m-%d %H:%M"),
        "end": timezone.localtime(booking.ends_at).strftime("%Y-%m-%d %H:%M"),
    }
    if constraint == "fleet_assignment_vehicle_free":
        return DoubleBookingError(
            _(
                "Vehicle %(vehicle)s is already assigned to another trip "
                "between %(start)s and %(end)s."
            )
            % values,
            detail=str(exc),
        )
    if constraint == "fleet_assignment_driver_free":
        return DoubleBookingError(
            _(
                "Driver %(driver)s is already assigned to another trip "
                "between %(start)s and %(end)s."
            )
            % values,
            detail=str(exc),
        )
    return exc


def _log(
    booking: Booking,
    by: User,
    action: str,
    old: Assignment | None,
    new: Assignment | None,
    *,
    note: str = "",
) -> None:
    """The booking's history line: vehicle and driver before and after."""
    changes = {}
    for field in ("vehicle", "driver"):
        before = str(getattr(old, field)) if old else None
        after = str(getattr(new, field)) if new else None
        if before != after:
            changes[field] = [before, after]
    BookingChange.objects.create(booking=booking, action=action, by=by, changes=changes, note=note)
