"""The map's layers: one registry read by the tiles, the map page, search and spatial queries.

A layer names its model, the FilterSet shared with the API, the geometry it is drawn with (a
field, or a path such as ``base_building__geom`` for vehicles), the attributes its features carry
and the zoom below which features are aggregated into counts per grid cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.assets.filters import AssetFilterSet, ListingFilterSet, SpaceListingFilterSet
from portal.assets.models import Asset, Listing, SpaceListing
from portal.buildings.filters import BuildingFilterSet
from portal.buildings.models import Building, Occupancy, SpaceStandard
from portal.depots.filters import DepotFilterSet
from portal.depots.models import Depot
from portal.fleet.filters import VehicleFilterSet
from portal.fleet.models import Vehicle
from portal.org.filters import UnitFilterSet
from portal.org.models import Unit
from portal.parcels.filters import OpenFindingFilterSet, ParcelFilterSet
from portal.parcels.models import Finding, Parcel


@dataclass(frozen=True)
class Layer:
    name: str
    label: str | Promise
    model: type[Any]
    filterset: type[Any]
    geometry: str
    kind: Literal["point", "polygon"]
    properties: tuple[str, ...]
    style_by: str | None
    detail_path: str
    aggregate_below_zoom: int
    group: str | Promise
    # A queryset method narrowing what the layer draws after scoping ("open" findings only).
    reader: str = ""
    # Other models what the layer draws depends on through its reader: a tile's ETag changes
    # with their history too (office space over the standard: occupancies and limits).
    depends_on: tuple[type[Any], ...] = ()

    def records(self, user: Any) -> Any:
        """What the layer may draw for ``user``: ``visible_to``, then its ``reader``."""
        visible = self.model._default_manager.visible_to(user)
        return getattr(visible, self.reader)() if self.reader else visible


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            name="units",
            label=_("units"),
            model=Unit,
            filterset=UnitFilterSet,
            geometry="location",
            kind="point",
            properties=("name", "kind", "level"),
            style_by="kind",
            detail_path="/units/{pk}/",
            aggregate_below_zoom=8,
            group=_("Organisation"),
        ),
        Layer(
            name="buildings",
            label=_("office buildings"),
            model=Building,
            filterset=BuildingFilterSet,
            geometry="footprint",
            kind="polygon",
            properties=("name", "use_type", "usable_area_m2"),
            style_by="use_type",
            detail_path="/buildings/{pk}/",
            aggregate_below_zoom=12,
            group=_("Office buildings"),
        ),
        # Buildings over the space standard, drawn over the buildings layer in one colour: the
        # figures are annotations (portal.buildings.space), which the tiles, popups and
        # exports cannot read as fields, so the layer filters instead of styling by them.
        Layer(
            name="office_space",
            label=_("office space over the standard"),
            model=Building,
            filterset=BuildingFilterSet,
            geometry="footprint",
            kind="polygon",
            properties=("name", "use_type", "usable_area_m2"),
            style_by=None,
            detail_path="/buildings/{pk}/",
            aggregate_below_zoom=12,
            group=_("Office buildings"),
            reader="over_standard",
            depends_on=(Occupancy, SpaceStandard),
        ),
        Layer(
            name="shareable_space",
            label=_("shareable office space"),
            model=SpaceListing,
            filterset=SpaceListingFilterSet,
            geometry="building__geom",
            kind="point",
            properties=("usable_area_m2", "note"),
            style_by=None,
            detail_path="/space/offers/{pk}/",
            aggregate_below_zoom=11,
            group=_("Office buildings"),
            reader="live",
        ),
        Layer(
            name="parcels",
            label=_("parcels and title status"),
            model=Parcel,
            filterset=ParcelFilterSet,
            geometry="geom",
            kind="polygon",
            properties=("registry_no", "title_status", "area_m2"),
            style_by="title_status",
            detail_path="/parcels/{pk}/",
            aggregate_below_zoom=12,
            group=_("Parcels and titles"),
        ),
        Layer(
            name="conflicts",
            label=_("open title conflicts"),
            model=Finding,
            filterset=OpenFindingFilterSet,
            geometry="geom",
            kind="polygon",
            properties=("kind", "key"),
            style_by="kind",
            detail_path="/titles/conflicts/{pk}/",
            aggregate_below_zoom=12,
            group=_("Parcels and titles"),
            reader="open",
        ),
        Layer(
            name="assets",
            label=_("assets by status"),
            model=Asset,
            filterset=AssetFilterSet,
            geometry="geom",
            kind="point",
            properties=("name", "ledger_code", "status", "net_value"),
            style_by="status",
            detail_path="/assets/{pk}/",
            aggregate_below_zoom=13,
            group=_("State assets"),
        ),
        Layer(
            name="warehouse",
            label=_("public asset warehouse"),
            model=Listing,
            filterset=ListingFilterSet,
            geometry="geom",
            kind="point",
            properties=("reason", "mode", "condition", "net_value"),
            style_by="reason",
            detail_path="/warehouse/{pk}/",
            aggregate_below_zoom=11,
            group=_("State assets"),
            reader="live",
            # Who may read a listing follows its asset's classification.
            depends_on=(Asset,),
        ),
        Layer(
            name="depots",
            label=_("depots"),
            model=Depot,
            filterset=DepotFilterSet,
            geometry="geom",
            kind="point",
            properties=("name", "kind", "capacity_m3"),
            style_by="kind",
            detail_path="/depots/{pk}/",
            aggregate_below_zoom=7,
            group=_("Depots"),
        ),
        Layer(
            name="vehicles",
            label=_("vehicles"),
            model=Vehicle,
            filterset=VehicleFilterSet,
            geometry="base_building__geom",
            kind="point",
            properties=("plate", "vehicle_type", "status"),
            style_by="status",
            detail_path="/vehicles/{pk}/",
            aggregate_below_zoom=10,
            group=_("Official vehicles"),
        ),
    )
}
