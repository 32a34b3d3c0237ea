from typing import Any

from django.db.models import QuerySet
from django.urls import path

from portal.assets.models import Asset, Listing
from portal.assets.views.warehouse_listing import (
    ListingActionsMixin,
    asset_offer_context,
    with_live_listing,
)
from portal.core.detail import RegistryDetailView


class AssetDetailView(RegistryDetailView):
    model = Asset
    select_related = ("category", "holder__division", "building")
    geometry_paths = ("geom", "building__footprint", "building__geom")
    fields = (
        "ledger_code",
        "name",
        "category",
        "model_spec",
        "quantity",
        "unit_of_measure",
        "holder",
        "building",
        "status",
        "condition",
        "acquired_on",
        "original_value",
        "net_value",
        "confidentiality",
        "updated_at",
    )

    def get_queryset(self) -> QuerySet[Asset]:
        return with_live_listing(super().get_queryset())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(asset_offer_context(self.object, self.request.user))
        return context


class ListingDetailView(ListingActionsMixin, RegistryDetailView):
    """A warehouse listing, readable by every unit it is shared with (see ListingQuerySet); its
    photos and the actions open to the reader come from :class:`ListingActionsMixin`."""

    model = Listing
    select_related = ("asset", "holder__division", "category", "depot", "division")
    fields = (
        "asset",
        "category",
        "condition",
        "net_value",
        "original_value",
        "acquired_on",
        "holder",
        "reason",
        "explanation",
        "mode",
        "depot",
        "receipt_no",
        "division",
        "status",
        "published_at",
        "screening_ends_on",
    )


urlpatterns = [
    path("assets/<int:pk>/", AssetDetailView.as_view(), name="asset_detail"),
    path("warehouse/<int:pk>/", ListingDetailView.as_view(), name="listing_detail"),
]
