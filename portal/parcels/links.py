"""Which parcels each building stands on, derived from the geometry in one set-wise pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from portal.parcels import sql
from portal.parcels.choices import LinkStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from portal.buildings.models import Building


def derive_building_parcels(*, buildings: QuerySet[Building] | None = None) -> int:
    """Refresh the building↔parcel links of ``buildings`` (every building by default).

    A building is linked to every parcel meeting its footprint (its location lacking one), with
    ``share_on_parcel`` = geodesic area of footprint ∩ parcel / geodesic area of the footprint
    (1.0 for a location inside the parcel). Derived links are inserted, updated or deleted to
    match; confirmed and rejected links keep their status, their share following the geometry
    (0 once they no longer meet). Returns the links inserted or updated; unchanged links are not
    written, so a repeat writes no history.
    """
    ids = None if buildings is None else list(buildings.values_list("pk", flat=True))
    if ids == []:
        return 0
    with transaction.atomic():
        return sql.derive_links(ids, LinkStatus.DERIVED)
