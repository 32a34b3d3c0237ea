from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db.models import Q

from portal.assets.choices import AssetStatus, ListingStatus, SpaceListingStatus
from portal.org.scoping import Reach, ScopedQuerySet, cleared_q, read_scope

if TYPE_CHECKING:
    from portal.buildings.models import Building
    from portal.org.models import User


# An asset in a building stands at the building's place (its location is copied from it): a
# building classified above the reader's clearance hides its assets too, whatever their own level,
# or their coordinates would locate it.
BUILDING_LEVEL = "building__confidentiality"


class AssetQuerySet(ScopedQuerySet):
    unit_path = "holder"

    def visible_to(self, user: User) -> Self:
        return super().visible_to(user).filter(cleared_q(self.model, user, BUILDING_LEVEL))

    def editable_by(self, user: User) -> Self:
        return super().editable_by(user).filter(cleared_q(self.model, user, BUILDING_LEVEL))

    def with_status(self, *statuses: AssetStatus) -> Self:
        return self.filter(status__in=statuses)

    def in_building(self, building: Building) -> Self:
        return self.filter(building=building)


def _own_or_shared(user: User, unit_path: str, shared: Q) -> Q:
    """The user's own scope or ``shared``. A scope that reaches everything filters nothing:
    Django drops an empty Q from an OR, so it is not combined (it would narrow to ``shared``).
    A role that reads no registry record (the security administrator) reads no shared one."""
    scope = read_scope(user)
    if scope.reach is Reach.NONE:
        return scope.q(unit_path)
    return Q() if scope.reach is Reach.ALL else scope.q(unit_path) | shared


def _shared_q(user: User, prefix_path: str) -> Q:
    """Records shared within a division prefix that covers the user's unit's division."""
    unit = getattr(user, "unit", None)
    if not user.is_authenticated or not user.is_active or unit is None:
        return Q(pk__in=[])
    code = unit.division.code
    prefixes = {code[:n] for n in range(0, 7)}
    return Q(**{f"{prefix_path}__in": prefixes})


class ListingQuerySet(ScopedQuerySet):
    """Listings are the holder's records, and live ones are shared within their area.

    ``visible_to`` is what every channel (pages, API, tiles, exports, search) reads through:
    the listings of the user's own scope in any status, plus every published or reserved
    listing whose ``share_prefix`` covers the user's unit's division. Changing a listing stays
    with the holder's scope (``editable_by``).
    """

    unit_path = "holder"
    confidentiality_path = "asset__confidentiality"

    def live(self) -> Self:
        return self.filter(status__in=(ListingStatus.PUBLISHED, ListingStatus.RESERVED))

    def visible_to(self, user: User) -> Self:
        shared = _shared_q(user, "share_prefix") & Q(
            status__in=(ListingStatus.PUBLISHED, ListingStatus.RESERVED)
        )
        return self.filter(
            _own_or_shared(user, self.unit_path, shared),
            cleared_q(self.model, user, self.confidentiality_path),
            cleared_q(self.model, user, f"asset__{BUILDING_LEVEL}"),
        )

    def screening_over(self, today: object) -> Self:
        """Published listings whose screening period has ended unclaimed."""
        return self.filter(status=ListingStatus.PUBLISHED, screening_ends_on__lt=today)


class ListingChildQuerySet(ScopedQuerySet):
    unit_path = "listing__holder"
    confidentiality_path = "listing__asset__confidentiality"


class SpaceListingQuerySet(ScopedQuerySet):
    """Like listings: the managing unit's scope, plus published space shared with the user."""

    unit_path = "building__managing_unit"
    confidentiality_path = "building__confidentiality"

    def visible_to(self, user: User) -> Self:
        shared = _shared_q(user, "share_prefix") & Q(status=SpaceListingStatus.PUBLISHED)
        return self.filter(
            _own_or_shared(user, self.unit_path, shared),
            cleared_q(self.model, user, self.confidentiality_path),
        )

    def live(self) -> Self:
        """Space on offer now: published, neither withdrawn nor allocated."""
        return self.filter(status=SpaceListingStatus.PUBLISHED)


class NeedQuerySet(ScopedQuerySet):
    unit_path = "unit"


class NeedChildQuerySet(ScopedQuerySet):
    unit_path = "need__unit"


class _TwoSidedQuerySet(ScopedQuerySet):
    """A transfer is read by both sides: the giving unit's scope and the receiving unit's."""

    other_unit_path = ""

    def visible_to(self, user: User) -> Self:
        scope = read_scope(user)
        return self.filter(scope.q(self.unit_path) | scope.q(self.other_unit_path))


class ReservationQuerySet(_TwoSidedQuerySet):
    unit_path = "from_unit"
    other_unit_path = "receiving_unit"
    confidentiality_path = "asset__confidentiality"

    def visible_to(self, user: User) -> Self:
        cleared = cleared_q(self.model, user, self.confidentiality_path)
        return super().visible_to(user).filter(cleared)


class TransferBatchQuerySet(_TwoSidedQuerySet):
    """A batch carries no level of its own: its items do, so pages read a batch's items through
    ``Reservation.objects.visible_to(user)`` and a classified asset never joins one."""

    unit_path = "from_unit"
    other_unit_path = "to_unit"


class ApprovalQuerySet(ScopedQuerySet):
    unit_path = "decided_by__unit"


class CustodyQuerySet(ScopedQuerySet):
    unit_path = "asset__holder"
    confidentiality_path = "asset__confidentiality"


class DisposalBatchQuerySet(ScopedQuerySet):
    unit_path = "unit"


class DisposalItemQuerySet(ScopedQuerySet):
    unit_path = "batch__unit"
    confidentiality_path = "listing__asset__confidentiality"
