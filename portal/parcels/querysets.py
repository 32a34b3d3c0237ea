from __future__ import annotations

from typing import TYPE_CHECKING, Self

from portal.org.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.buildings.models import Building


class ParcelQuerySet(ScopedQuerySet):
    unit_path = "holder"

    def under(self, building: Building) -> Self:
        """The parcels a building stands on: meeting its footprint, or its location lacking one."""
        shape = building.footprint or building.geom
        return self.filter(geom__intersects=shape)
