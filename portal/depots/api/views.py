from portal.core.api import GeoRegistryViewSet, ReferenceViewSet, RegistryViewSet
from portal.depots.api.serializers import (
    DepotSerializer,
    StockItemSerializer,
    SupplyCategorySerializer,
)
from portal.depots.filters import DepotFilterSet, StockItemFilterSet, SupplyCategoryFilterSet
from portal.depots.models import Depot, StockItem, SupplyCategory


class DepotViewSet(GeoRegistryViewSet):
    queryset = Depot.objects.select_related("managing_unit", "division")
    serializer_class = DepotSerializer
    filterset_class = DepotFilterSet


class StockItemViewSet(RegistryViewSet):
    queryset = StockItem.objects.select_related("depot", "category")
    serializer_class = StockItemSerializer
    filterset_class = StockItemFilterSet


class SupplyCategoryViewSet(ReferenceViewSet):
    """Emergency supply classes (GB/T 38565), addressed by code."""

    queryset = SupplyCategory.objects.select_related("parent")
    serializer_class = SupplyCategorySerializer
    filterset_class = SupplyCategoryFilterSet
    lookup_field = "code"
