from typing import Any

from portal.core.api import GeoRegistryViewSet, ReferenceViewSet, RegistryViewSet
from portal.depots.api.serializers import (
    DepotSerializer,
    StockItemSerializer,
    StockMovementSerializer,
    SupplyCategorySerializer,
)
from portal.depots.filters import (
    DepotFilterSet,
    StockItemFilterSet,
    StockMovementFilterSet,
    SupplyCategoryFilterSet,
)
from portal.depots.models import Depot, StockItem, StockMovement, SupplyCategory
from portal.depots.services.stock import receive_stock


class DepotViewSet(GeoRegistryViewSet):
    queryset = Depot.objects.select_related("managing_unit", "division")
    serializer_class = DepotSerializer
    filterset_class = DepotFilterSet


class StockItemViewSet(RegistryViewSet):
    """Batches within the user's scope. A POST is a receipt through the stock service, so the
    batch opens with its movement (a batch the depot already holds grows by the quantity, as
    at the depot's receipt form); updates never change the quantity (see the serializer)."""

    queryset = StockItem.objects.select_related("depot", "category")
    serializer_class = StockItemSerializer
    filterset_class = StockItemFilterSet

    def perform_create(self, serializer: Any) -> None:
        # What the body leaves out: no batch number, today; the service refuses no document.
        receipt = {"batch_no": "", "document_no": "", "occurred_on": None}
        receipt |= serializer.validated_data
        movement = receive_stock(**receipt, by=self.request.user)
        serializer.instance = movement.stock_item


class SupplyCategoryViewSet(ReferenceViewSet):
    """Emergency supply classes (GB/T 38565), addressed by code."""

    queryset = SupplyCategory.objects.select_related("parent")
    serializer_class = SupplyCategorySerializer
    filterset_class = SupplyCategoryFilterSet
    lookup_field = "code"


class StockMovementViewSet(RegistryViewSet):
    """The stock log of the depots within the user's scope, read only: movements are written
    by the stock services (receipts, issues, stocktakes, write-offs, dispatches)."""

    queryset = StockMovement.objects.select_related("depot", "stock_item__category", "by").order_by(
        "pk"
    )
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilterSet
    http_method_names = ["get", "head", "options"]
