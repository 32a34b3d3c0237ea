from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db.models import BooleanField, Case, Q, When

from portal.org.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.buildings.models import Building
    from portal.parcels.models import Parcel


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


class FloorQuerySet(ScopedQuerySet):
    unit_path = "building__managing_unit"


class RoomQuerySet(ScopedQuerySet):
    unit_path = "floor__building__managing_unit"


class OccupancyQuerySet(ScopedQuerySet):
    unit_path = "unit"

    def in_building(self, building: Building) -> Self:
        """The units occupying ``building``, largest allocation first."""
        return self.filter(building=building).order_by("-usable_area_m2", "unit__name")
