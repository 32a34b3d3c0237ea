from __future__ import annotations

from typing import TYPE_CHECKING, Self

from portal.assets.choices import AssetStatus
from portal.org.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.buildings.models import Building


class AssetQuerySet(ScopedQuerySet):
    unit_path = "holder"

    def with_status(self, *statuses: AssetStatus) -> Self:
        return self.filter(status__in=statuses)

    def in_building(self, building: Building) -> Self:
        return self.filter(building=building)
