"""Reads of the fleet app. Vehicles and drivers are scoped by their unit like every registry
record; a booking or a trip is also seen by the managers of its pool and by the unit whose vehicle
serves it (to plan and to settle), so those two querysets widen the scope here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db.models import Exists, OuterRef, Q

from portal.org.scoping import Reach, ScopedQuerySet, edit_scope, read_scope

if TYPE_CHECKING:
    from portal.org.models import User


class VehicleQuerySet(ScopedQuerySet):
    unit_path = "holder"


class DriverQuerySet(ScopedQuerySet):
    unit_path = "unit"


class PoolQuerySet(ScopedQuerySet):
    unit_path = "operator"

    def managed_by(self, user: User) -> Self:
        return self.filter(managers=user, active=True)


def _managed(user: User, pool_path: str) -> Q:
    """Records of a pool ``user`` manages (``pool_path`` leads from the record to the pool)."""
    from portal.fleet.models import VehiclePool

    managed = VehiclePool.objects.filter(pk=OuterRef(pool_path), managers=user, active=True)
    return Q(Exists(managed))


class BookingQuerySet(ScopedQuerySet):
    """Bookings: the requesting unit's scope, the pool's managers, and the holder of the vehicle
    that serves the booking now."""

    unit_path = "unit"

    def visible_to(self, user: User) -> Self:
        from portal.fleet.models import Assignment

        if read_scope(user).reach is Reach.ALL:
            return self.all()  # Q() | x is x: see TripQuerySet.visible_to
        serving = Assignment.objects.filter(
            read_scope(user).q("vehicle__holder"),
            booking=OuterRef("pk"),
            released_at__isnull=True,
        )
        return self.filter(read_scope(user).q("unit") | _managed(user, "pool") | Q(Exists(serving)))

    def editable_by(self, user: User) -> Self:
        """Bookings the user may amend or cancel: those of units in the user's edit scope."""
        return self.filter(edit_scope(user).q("unit"))

    def open(self) -> Self:
        from portal.fleet.choices import OPEN_BOOKING_STATUSES

        return self.filter(status__in=OPEN_BOOKING_STATUSES)


class TripQuerySet(ScopedQuerySet):
    """Completed trips: seen by the unit that pays, the unit that is paid and the pool managers."""

    unit_path = "payer"

    def visible_to(self, user: User) -> Self:
        scope = read_scope(user)
        if scope.reach is Reach.ALL:
            # Scope.q() is an empty Q for "everything", and Q() | x is just x in Django: OR-ing
            # it with the managers' filter would hide every trip of an unmanaged pool.
            return self.all()
        return self.filter(scope.q("payer") | scope.q("payee") | _managed(user, "booking__pool"))
