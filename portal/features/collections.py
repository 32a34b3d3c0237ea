"""The feature collections offered through OGC API – Features: one registry, read by every view.

A collection is a registry model seen as the REST API sees it: the same scoped queryset
(``visible_to``), the same FilterSet for attribute filters and the same serializer's properties.
It adds what the standard needs: the geometry drawn (a building's footprint, where the API's
main geometry is its location point), the temporal property ``datetime`` filters on, and the
vector-tile layer that draws the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework_gis.fields import GeometryField

from portal.assets.api.serializers import AssetSerializer, ListingSerializer
from portal.assets.filters import AssetFilterSet, ListingFilterSet
from portal.assets.models import Asset, Listing
from portal.buildings.api.serializers import BuildingSerializer
from portal.buildings.filters import BuildingFilterSet
from portal.buildings.models import Building
from portal.depots.api.serializers import DepotSerializer
from portal.depots.filters import DepotFilterSet
from portal.depots.models import Depot
from portal.org.api.serializers import DivisionSerializer, UnitSerializer
from portal.org.filters import AdminDivisionFilterSet, UnitFilterSet
from portal.org.models import AdminDivision, Unit
from portal.parcels.api.serializers import ParcelSerializer
from portal.parcels.filters import ParcelFilterSet
from portal.parcels.models import Parcel

# FilterSet parameters the standard's own parameters replace (``bbox`` in a chosen CRS) or that
# would let a client bypass the page's bounds (none today; listed here so the rule is explicit).
SPATIAL_FILTERS = frozenset({"bbox", "near", "intersects"})


@dataclass(frozen=True)
class Temporal:
    """The property ``datetime`` filters on: one instant, or an interval from ``start`` to
    ``end`` (an open end is still valid)."""

    start: str
    end: str | None = None
    description: str | Promise = ""


@dataclass(frozen=True)
class Collection:
    id: str
    title: str | Promise
    description: str | Promise
    model: type[Any]
    serializer: type[Any]
    filterset: type[Any]
    geometry: str
    geometry_type: str  # OGC/GeoJSON name: Point, MultiPolygon
    temporal: Temporal
    # The vector-tile layer drawing the same records (portal.maps.layers), if any.
    tile_layer: str | None = None
    # Reference data every signed-in user reads: no scope, no confidentiality.
    reference: bool = False

    def records(self, user: Any) -> Any:
        """The collection's records ``user`` may read, ordered by key so pages are stable."""
        manager = self.model._default_manager
        if self.reference:
            return manager.current().order_by(self.id_field)
        return manager.visible_to(user).order_by("pk")

    @property
    def id_field(self) -> str:
        meta = self.serializer.Meta
        return getattr(meta, "id_field", "pk") or "pk"

    @cached_property
    def property_fields(self) -> dict[str, Any]:
        """The serializer's read fields that become feature properties: all but the key and the
        geometries (a second geometry, such as a building's location, stays out). Built once:
        binding a serializer's fields costs milliseconds a request."""
        fields = self.serializer().fields
        skip = {self.id_field, "id"}
        return {
            name: field
            for name, field in fields.items()
            if name not in skip and not field.write_only and not isinstance(field, GeometryField)
        }

    def filters(self) -> dict[str, Any]:
        """The FilterSet's attribute filters offered as query parameters."""
        return {
            name: item
            for name, item in self.filterset.base_filters.items()
            if name not in SPATIAL_FILTERS
        }


_CHANGED = Temporal("updated_at", description=_("when the record last changed"))

COLLECTIONS: dict[str, Collection] = {
    collection.id: collection
    for collection in (
        Collection(
            id="units",
            title=_("Units"),
            description=_("Party and government units (agencies) and where they sit."),
            model=Unit,
            serializer=UnitSerializer,
            filterset=UnitFilterSet,
            geometry="location",
            geometry_type="Point",
            temporal=_CHANGED,
            tile_layer="units",
        ),
        Collection(
            id="buildings",
            title=_("Office buildings"),
            description=_(
                "Office buildings with their footprints, areas and main use; a building whose "
                "footprint is not yet mapped has no geometry."
            ),
            model=Building,
            serializer=BuildingSerializer,
            filterset=BuildingFilterSet,
            geometry="footprint",
            geometry_type="MultiPolygon",
            temporal=_CHANGED,
            tile_layer="buildings",
        ),
        Collection(
            id="parcels",
            title=_("Parcels"),
            description=_("Land parcels with their rights, certificates and title status."),
            model=Parcel,
            serializer=ParcelSerializer,
            filterset=ParcelFilterSet,
            geometry="geom",
            geometry_type="MultiPolygon",
            temporal=_CHANGED,
            tile_layer="parcels",
        ),
        Collection(
            id="assets",
            title=_("State assets"),
            description=_("State assets in the ledger, with their holder, status and value."),
            model=Asset,
            serializer=AssetSerializer,
            filterset=AssetFilterSet,
            geometry="geom",
            geometry_type="Point",
            temporal=Temporal("acquired_on", description=_("when the asset was acquired")),
            tile_layer="assets",
        ),
        Collection(
            id="warehouse",
            title=_("Public asset warehouse"),
            description=_(
                "Listings of the public asset warehouse: idle, over-standard and repairable "
                "assets offered to other units."
            ),
            model=Listing,
            serializer=ListingSerializer,
            filterset=ListingFilterSet,
            geometry="geom",
            geometry_type="Point",
            temporal=Temporal("published_at", description=_("when the listing was published")),
            tile_layer="warehouse",
        ),
        Collection(
            id="depots",
            title=_("Emergency supply depots"),
            description=_("Emergency supply depots with their kind and capacity."),
            model=Depot,
            serializer=DepotSerializer,
            filterset=DepotFilterSet,
            geometry="geom",
            geometry_type="Point",
            temporal=_CHANGED,
            tile_layer="depots",
        ),
        Collection(
            id="divisions",
            title=_("Administrative divisions"),
            description=_("Current administrative divisions (GB/T 2260) and their boundaries."),
            model=AdminDivision,
            serializer=DivisionSerializer,
            filterset=AdminDivisionFilterSet,
            geometry="geom",
            geometry_type="MultiPolygon",
            temporal=Temporal(
                "valid_from", "valid_to", description=_("when the division code is valid")
            ),
            reference=True,
        ),
    )
}
