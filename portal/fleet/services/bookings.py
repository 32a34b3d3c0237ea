"""Writes of vehicle bookings: submit, amend and cancel, each leaving a line in the booking's
history (:class:`~portal.fleet.models.BookingChange`) with the fields it changed.

Submitting classifies the trip on the real boundaries (:mod:`.regions`) and picks its approval
chain (:mod:`.approvals`). Amending what the approval or the dispatch relied on (a *material*
field: times, places, passengers, seats, energy, vehicle type, trip type, round trip) sends an
approved or assigned booking back to the start: its vehicle is released, the signatures are
superseded, the chain is picked again. Amending only the purpose, the names or the place labels
changes nothing else. Only users who may edit the requesting unit's records submit, amend and
cancel its bookings. Once an assigned trip has started it may have been driven: it is no longer
cancelled or materially amended here, the pool manager releases it through dispatch.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.services import RecordInvalidError, writing
from portal.fleet.choices import OPEN_BOOKING_STATUSES, BookingAction, BookingStatus
from portal.fleet.exceptions import FleetForbiddenError, FleetInputError, FleetStateError
from portal.fleet.models import Assignment, Booking, BookingChange, VehiclePool
from portal.fleet.services.approvals import chain_for
from portal.fleet.services.dispatch import release_assignment
from portal.fleet.services.regions import classify, straight_distance_m
from portal.org.scoping import edit_scope

if TYPE_CHECKING:
    from portal.org.models import Unit, User

# What a change of sends the booking back to approval (and frees its vehicle).
MATERIAL_FIELDS: Final = (
    "trip_type",
    "passengers",
    "origin",
    "destination",
    "starts_at",
    "ends_at",
    "round_trip",
    "seats_needed",
    "nev_ok",
    "vehicle_type",
)
# What may be changed without a new approval.
MINOR_FIELDS: Final = ("purpose", "passenger_names", "origin_label", "destination_label")
AMENDABLE_FIELDS: Final = MATERIAL_FIELDS + MINOR_FIELDS
REQUEST_FIELDS: Final = ("unit", "pool", *AMENDABLE_FIELDS)
PLACE_FIELDS: Final = ("origin", "destination")


def plain(value: Any) -> Any:
    """``value`` as JSON for the history: a point as [lon, lat], an instant in ISO 8601."""
    if isinstance(value, Point):
        return [round(value.x, 7), round(value.y, 7)]
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, Point) and isinstance(after, Point):
        return plain(before) == plain(after)
    return bool(before == after)


# -- rules -------------------------------------------------------------------------------------


def _check_requester(unit: Unit, by: User) -> None:
    if not edit_scope(by).allows(unit):
        raise FleetForbiddenError(_("You may not request vehicles for %(unit)s.") % {"unit": unit})


def _check_pool(pool: VehiclePool, unit: Unit) -> None:
    if not pool.active:
        raise FleetInputError(_("The pool “%(pool)s” is closed.") % {"pool": pool})
    if not pool.members.filter(pk=unit.pk).exists():
        raise FleetInputError(
            _("%(unit)s is not a member of the pool “%(pool)s”.") % {"unit": unit, "pool": pool}
        )


def _check_trip(booking: Booking, *, times_changed: bool = True) -> None:
    """The booking rules a form or the API may not bypass."""
    if times_changed and booking.starts_at <= timezone.now():
        raise FleetInputError(_("The trip must start in the future."))
    if booking.ends_at <= booking.starts_at:
        raise FleetInputError(_("The trip must end after it starts."))
    if booking.passengers < 1:
        raise FleetInputError(_("A trip carries at least one passenger."))
    if booking.seats_needed < booking.passengers:
        raise FleetInputError(
            _("Ask for at least %(count)d seats: one per passenger.")
            % {"count": booking.passengers}
        )


def _validate(booking: Booking) -> None:
    try:
        booking.full_clean(exclude=["chain", "region_class", "requested_by"])
    except ValidationError as exc:
        raise RecordInvalidError(exc) from None


def _place(booking: Booking) -> None:
    """Classify the trip and measure it (after its places are set or changed)."""
    found = classify(booking.origin, booking.destination)
    booking.region_class = found.region_class
    booking.crosses_border = found.crosses_border
    booking.region = found.region
    booking.origin_division = found.origin_division
    booking.destination_division = found.destination_division
    booking.distance_m = straight_distance_m(booking.origin, booking.destination)


# -- submitting ---------------------------------------------------------------------------------


def create_booking(fields: dict[str, Any], *, by: User) -> Booking:
    """Submit a booking of ``fields`` (:data:`REQUEST_FIELDS`; unit and pool as instances).

    The trip is classified, its chain picked, and the history starts with the submission.
    """
    unknown = set(fields) - set(REQUEST_FIELDS)
    if unknown:
        raise FleetInputError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    booking = Booking(requested_by=by, status=BookingStatus.SUBMITTED, **fields)
    _check_requester(booking.unit, by)
    _check_pool(booking.pool, booking.unit)
    _check_trip(booking)
    with writing(by):
        _place(booking)
        booking.chain = chain_for(booking.unit, booking.trip_type, booking.crosses_border)
        _validate(booking)
        booking.save()
        BookingChange.objects.create(
            booking=booking,
            action=BookingAction.SUBMITTED,
            by=by,
            changes={"status": [None, booking.status]},
        )
    return booking


# -- amending and cancelling ---------------------------------------------------------------------


def _lock_open(booking: Booking, by: User) -> Booking:
    """The stored booking, locked, if ``by`` may change it and it is still to be driven."""
    locked = (
        Booking.objects.editable_by(by)
        .select_for_update(of=("self",))
        .select_related("unit__division", "pool")
        .filter(pk=booking.pk)
        .first()
    )
    if locked is None:
        raise FleetForbiddenError(_("Only the requesting unit's officers change this booking."))
    if locked.status not in OPEN_BOOKING_STATUSES:
        raise FleetStateError(
            _("Booking %(number)s is %(status)s: it can no longer be changed.")
            % {"number": locked.pk, "status": locked.get_status_display()}
        )
    return locked


def under_way(booking: Booking) -> FleetStateError | None:
    """Why an assigned trip that has started may not be cancelled or re-opened: it may have been
    driven, and a cancelled or re-approved booking could then never be completed and billed."""
    if booking.status != BookingStatus.ASSIGNED or booking.starts_at > timezone.now():
        return None
    return FleetStateError(
        _(
            "The trip of booking %(number)s started at %(start)s with its vehicle assigned, so "
            "it can no longer be cancelled or changed here: ask the pool manager, who can "
            "release the vehicle through dispatch."
        )
        % {
            "number": booking.pk,
            "start": timezone.localtime(booking.starts_at).strftime("%Y-%m-%d %H:%M"),
        }
    )


def release_active(booking: Booking, *, reason: str, by: User) -> Assignment | None:
    """Free the booking's vehicle and driver (the assignment stays as a record)."""
    active = booking.assignments.select_for_update().filter(released_at__isnull=True).first()
    if active is None:
        return None
    release_assignment(active, reason)
    BookingChange.objects.create(
        booking=booking,
        action=BookingAction.RELEASED,
        by=by,
        changes={"vehicle": [active.vehicle.plate, None], "driver": [active.driver.name, None]},
        note=reason,
    )
    return active


def amend_booking(
    booking: Booking, changes: dict[str, Any], *, by: User, note: str = ""
) -> Booking:
    """Change ``changes`` (:data:`AMENDABLE_FIELDS`) of an open booking and record the diff.

    A material change sends the booking back to approval (see the module's description).
    Returns the stored booking, amended.
    """
    unknown = set(changes) - set(AMENDABLE_FIELDS)
    if unknown:
        raise FleetInputError(
            _("These fields cannot be amended: %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    with writing(by):
        locked = _lock_open(booking, by)
        started = under_way(locked)  # read before the amendment moves the start
        diff = _apply(locked, changes)
        if not diff:
            raise FleetInputError(_("The amendment changes nothing."))
        material = [name for name in diff if name in MATERIAL_FIELDS]
        if material and started is not None:
            raise started
        _check_trip(locked, times_changed="starts_at" in diff or "ends_at" in diff)
        if any(name in diff for name in PLACE_FIELDS):
            _place(locked)
        if material:
            _restart(locked, diff, by=by)
        _validate(locked)
        locked.save()
        BookingChange.objects.create(
            booking=locked, action=BookingAction.AMENDED, by=by, changes=diff, note=note.strip()
        )
    return locked


def _apply(booking: Booking, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the changed fields; the diff {field: [before, after]} of those that differ."""
    diff = {}
    for name, value in changes.items():
        before = getattr(booking, name)
        if not _same(before, value):
            diff[name] = [plain(before), plain(value)]
            setattr(booking, name, value)
    return diff


def _restart(booking: Booking, diff: dict[str, list[Any]], *, by: User) -> None:
    """Back to the first step: vehicle released, signatures superseded, chain picked again."""
    fields = ", ".join(sorted(name for name in diff if name in MATERIAL_FIELDS))
    release_active(booking, reason=_("Booking amended: %(fields)s") % {"fields": fields}, by=by)
    booking.approvals.filter(superseded=False).update(superseded=True)
    chain = chain_for(booking.unit, booking.trip_type, booking.crosses_border)
    if chain != booking.chain:
        diff["chain"] = [booking.chain, chain]
    if booking.status != BookingStatus.SUBMITTED:
        diff["status"] = [booking.status, BookingStatus.SUBMITTED.value]
    booking.chain = chain
    booking.status = BookingStatus.SUBMITTED


def cancel_booking(booking: Booking, *, by: User, reason: str) -> Booking:
    """Cancel an open booking for ``reason``, freeing its vehicle; returns it, cancelled."""
    reason = reason.strip()
    if not reason:
        raise FleetInputError(_("Say why the booking is cancelled."))
    with writing(by):
        locked = _lock_open(booking, by)
        started = under_way(locked)
        if started is not None:
            raise started
        release_active(
            locked, reason=_("Booking cancelled: %(reason)s") % {"reason": reason}, by=by
        )
        before = locked.status
        locked.status = BookingStatus.CANCELLED
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancel_reason", "updated_at"])
        BookingChange.objects.create(
            booking=locked,
            action=BookingAction.CANCELLED,
            by=by,
            changes={"status": [before, locked.status]},
            note=reason,
        )
    return locked
