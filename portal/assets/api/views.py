from portal.assets.api.serializers import (
    AssetCategorySerializer,
    AssetSerializer,
    ListingSerializer,
    NeedSerializer,
)
from portal.assets.filters import AssetCategoryFilterSet, AssetFilterSet, ListingFilterSet
from portal.assets.models import Asset, AssetCategory, Listing, Need
from portal.assets.services import save_asset
from portal.core.api import GeoRegistryViewSet, ReferenceViewSet, RegistryViewSet

# The warehouse is written through its services and pages (publish, reserve, post a need …),
# which check state and approvals; the API only reads it.
READ_ONLY_METHODS = ["get", "head", "options"]


class AssetViewSet(GeoRegistryViewSet):
    queryset = Asset.objects.select_related("category", "holder")
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet
    save_service = staticmethod(save_asset)


class AssetCategoryViewSet(ReferenceViewSet):
    """The state-asset classification (GB/T 14885), addressed by code."""

    queryset = AssetCategory.objects.select_related("parent")
    serializer_class = AssetCategorySerializer
    filterset_class = AssetCategoryFilterSet
    lookup_field = "code"


class ListingViewSet(GeoRegistryViewSet):
    """Warehouse listings through ``Listing.objects.visible_to``: the user's own scope in any
    status, and live listings shared with the user's unit's division."""

    queryset = Listing.objects.select_related("asset", "category", "holder", "division")
    serializer_class = ListingSerializer
    filterset_class = ListingFilterSet
    http_method_names = READ_ONLY_METHODS


class NeedViewSet(RegistryViewSet):
    """Needs of the units within the user's scope."""

    queryset = Need.objects.select_related("unit", "category")
    serializer_class = NeedSerializer
    filterset_fields = ["status"]
    http_method_names = READ_ONLY_METHODS
