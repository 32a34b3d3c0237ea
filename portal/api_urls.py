"""The REST API under /api/: one router for every registry model, the OpenAPI schema and its
Swagger UI (served from drf-spectacular-sidecar's static files, nothing from another host)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from portal.assets.api.views import (
    AssetCategoryViewSet,
    AssetViewSet,
    ListingViewSet,
    NeedViewSet,
)
from portal.buildings.api.views import BuildingViewSet, OccupancyViewSet, SpaceStandardViewSet
from portal.depots.api.views import (
    DepotViewSet,
    StockItemViewSet,
    StockMovementViewSet,
    SupplyCategoryViewSet,
)
from portal.exchange.api import ExportView, ImportViewSet
from portal.fleet.api.bookings import BookingViewSet
from portal.fleet.api.dispatch import DispatchViewSet
from portal.fleet.api.positions import PositionFeedView
from portal.fleet.api.trips import TripViewSet
from portal.fleet.api.views import VehicleViewSet
from portal.org.api.views import CooperationRegionViewSet, DivisionViewSet, UnitViewSet
from portal.parcels.api.views import ParcelViewSet

app_name = "api"

router = DefaultRouter()
router.include_format_suffixes = False
for prefix, viewset, basename in (
    ("units", UnitViewSet, "unit"),
    ("buildings", BuildingViewSet, "building"),
    ("occupancies", OccupancyViewSet, "occupancy"),
    ("parcels", ParcelViewSet, "parcel"),
    ("assets", AssetViewSet, "asset"),
    ("warehouse-listings", ListingViewSet, "listing"),
    ("warehouse-needs", NeedViewSet, "need"),
    ("depots", DepotViewSet, "depot"),
    ("stock-items", StockItemViewSet, "stockitem"),
    ("stock-movements", StockMovementViewSet, "stockmovement"),
    ("vehicles", VehicleViewSet, "vehicle"),
    ("vehicle-bookings", BookingViewSet, "booking"),
    ("vehicle-dispatch", DispatchViewSet, "dispatch"),
    ("vehicle-trips", TripViewSet, "trip"),
    ("divisions", DivisionViewSet, "division"),
    ("cooperation-regions", CooperationRegionViewSet, "cooperationregion"),
    ("asset-categories", AssetCategoryViewSet, "assetcategory"),
    ("supply-categories", SupplyCategoryViewSet, "supplycategory"),
    ("space-standards", SpaceStandardViewSet, "spacestandard"),
    ("imports", ImportViewSet, "import"),
):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for a strict CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("exports/<slug:entity>/", ExportView.as_view(), name="export"),
    path("fleet/positions/", PositionFeedView.as_view(), name="fleet_positions"),
    path("", include(router.urls)),
]
