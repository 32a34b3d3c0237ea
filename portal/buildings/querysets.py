from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Self

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from portal.buildings import sql
from portal.core.choices import Rank
from portal.org.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.buildings.models import Building
    from portal.parcels.models import Parcel


M2 = DecimalField(max_digits=14, decimal_places=2)


class BuildingQuerySet(ScopedQuerySet):
    unit_path = "managing_unit"

    def on_parcel(self, parcel: Parcel) -> Self:
        """Buildings whose footprint (their location, lacking one) meets ``parcel``.

        Each carries ``inside``: True when it lies wholly within the parcel, False when it only
        overlaps it (a building straddling two parcels is a title problem worth seeing).
        """
        meets = Q(footprint__intersects=parcel.geom) | Q(
            footprint__isnull=True, geom__intersects=parcel.geom
        )
        inside = Q(footprint__coveredby=parcel.geom) | Q(
            footprint__isnull=True, geom__coveredby=parcel.geom
        )
        flag = Case(When(inside, then=True), default=False, output_field=BooleanField())
        return self.filter(meets).annotate(inside=flag).order_by("-inside", "name")

    def over_standard(self) -> Self:
        """Buildings whose occupants together use more area than the space standard in force
        allows them, as :func:`portal.buildings.space.building_space` flags them.

        A filter, not annotated rows: what reads a layer (tiles, the map's selections and
        exports, the FilterSet) keeps a plain queryset of buildings that it may filter, count
        and group. And one statement: ``building_space`` reads the limits first (a query of
        its own), while a map tile is one query, so here the limits are looked up inside the
        statement, per rank at each occupying unit's level, in the latest edition.
        """
        from portal.buildings.models import Occupancy  # the models import this module

        staff = sql.StaffCount(F("staff_by_rank"), F("unit__level"), sql.staff_sql(Rank.values))
        occupants = (
            Occupancy.objects.filter(building=OuterRef("pk"))
            .order_by()
            .values("building")
            .annotate(
                area=Sum("usable_area_m2"), staff=Sum(staff), allowance=Sum(_allowance_in_force())
            )
            .filter(staff__gt=0, area__gt=F("allowance"))
        )
        return self.filter(Exists(occupants))


def _allowance_in_force() -> ExpressionWrapper:
    """An occupancy's allowance: Σ staff of each rank × the limit of that rank at its unit's
    level in the latest edition (0 m² for a rank without one), read in the statement. An
    edition has one limit per level and rank (a unique constraint), so each look-up is one
    row at most."""
    from portal.buildings.models import SpaceStandard

    latest = SpaceStandard.objects.order_by("-edition").values("edition")[:1]
    terms = []
    for rank in Rank.values:
        limits = SpaceStandard.objects.filter(
            edition=Subquery(latest), government_level=OuterRef("unit__level"), rank=rank
        )
        limit = Coalesce(Subquery(limits.order_by().values("area_m2")), Value(Decimal("0.00")))
        count = sql.StaffCount(F("staff_by_rank"), F("unit__level"), sql.staff_sql([rank]))
        terms.append(count * limit)
    return ExpressionWrapper(sum(terms[1:], terms[0]), output_field=M2)


class FloorQuerySet(ScopedQuerySet):
    unit_path = "building__managing_unit"


class RoomQuerySet(ScopedQuerySet):
    unit_path = "floor__building__managing_unit"


class OccupancyQuerySet(ScopedQuerySet):
    unit_path = "unit"

    def in_building(self, building: Building) -> Self:
        """The units occupying ``building``, largest allocation first."""
        return self.filter(building=building).order_by("-usable_area_m2", "unit__name")
