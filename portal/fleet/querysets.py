"""Reads of the fleet app. Vehicles and drivers are scoped by their unit like every registry
record, and also read by the managers of an active pool their unit is a member of (who dispatch
them); a booking or a trip is also seen by the managers of its pool and by the unit whose vehicle
serves it (to plan and to settle). Only reads widen here: ``editable_by`` stays the unit's.

Scope.q() is an empty Q for Reach.ALL, and ``Q() | x`` is just ``x`` in Django: OR-ing it with
the managers' filter would hide the records of unmanaged pools, so Reach.ALL returns first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db.models import Exists, OuterRef, Q

from portal.org.choices import Role
from portal.org.scoping import Reach, ScopedQuerySet, cleared_q, edit_scope, read_scope

if TYPE_CHECKING:
    from portal.org.models import User


# Who may manage a pool: the operational roles. The administrator duties and the read-only roles
# never dispatch; above all the security administrator, who reads no registry record, must not
# come to read bookings, vehicles and drivers by being named a manager.
POOL_MANAGER_ROLES = (Role.PROVINCE_ADMIN, Role.DIVISION_ADMIN, Role.UNIT_OFFICER)


def may_manage_pools(user: User) -> bool:
    """Whether ``user``'s account may act as a pool manager at all (signed in, active, role)."""
    return bool(user.is_authenticated and user.is_active and user.role in POOL_MANAGER_ROLES)


def _pooled(user: User, unit_path: str) -> Q:
    """Records whose unit (at ``unit_path``) is a member of an active pool ``user`` manages."""
    from portal.fleet.models import VehiclePool

    if not may_manage_pools(user):
        return Q(pk__isnull=True)
    managed = VehiclePool.objects.filter(members=OuterRef(unit_path), managers=user, active=True)
    return Q(Exists(managed))


class PooledUnitQuerySet(ScopedQuerySet):
    """Records of a unit (vehicles, drivers) that a pool manager reads to dispatch them."""

    def visible_to(self, user: User) -> Self:
        scope = read_scope(user)
        if scope.reach is Reach.ALL:
            return super().visible_to(user)
        cleared = cleared_q(self.model, user, self.confidentiality_path)
        return self.filter(scope.q(self.unit_path) | _pooled(user, self.unit_path), cleared)


class VehicleQuerySet(PooledUnitQuerySet):
    unit_path = "holder"


class DriverQuerySet(PooledUnitQuerySet):
    unit_path = "unit"


class PoolQuerySet(ScopedQuerySet):
    unit_path = "operator"

    def managed_by(self, user: User) -> Self:
        if not may_manage_pools(user):
            return self.none()
        return self.filter(managers=user, active=True)


def _managed(user: User, pool_path: str) -> Q:
    """Records of a pool ``user`` manages (``pool_path`` leads from the record to the pool)."""
    from portal.fleet.models import VehiclePool

    if not may_manage_pools(user):
        return Q(pk__isnull=True)
    managed = VehiclePool.objects.filter(pk=OuterRef(pool_path), managers=user, active=True)
    return Q(Exists(managed))


class BookingQuerySet(ScopedQuerySet):
    """Bookings: the requesting unit's scope, the pool's managers, and the holder of the vehicle
    that serves the booking now."""

    unit_path = "unit"

    def visible_to(self, user: User) -> Self:
        from portal.fleet.models import Assignment

        if read_scope(user).reach is Reach.ALL:
            return self.all()  # Q() | x is x: see the module's docstring
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
            return self.all()  # Q() | x is x: see the module's docstring
        return self.filter(scope.q("payer") | scope.q("payee") | _managed(user, "booking__pool"))
