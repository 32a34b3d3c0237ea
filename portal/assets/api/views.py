from portal.assets.api.serializers import AssetCategorySerializer, AssetSerializer
from portal.assets.filters import AssetCategoryFilterSet, AssetFilterSet
from portal.assets.models import Asset, AssetCategory
from portal.assets.services import save_asset
from portal.core.api import GeoRegistryViewSet, ReferenceViewSet


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
