from typing import Self

from portal.assets.choices import AssetStatus
from portal.org.scoping import ScopedQuerySet


class AssetQuerySet(ScopedQuerySet):
    unit_path = "holder"

    def with_status(self, *statuses: AssetStatus) -> Self:
        return self.filter(status__in=statuses)
