from django.urls import path

from portal.assets.models import Asset, Listing
from portal.core.detail import RegistryDetailView


class AssetDetailView(RegistryDetailView):
    model = Asset
    select_related = ("category", "holder", "building")
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


class ListingDetailView(RegistryDetailView):
    """A warehouse listing, readable by every unit it is shared with (see ListingQuerySet)."""

    model = Listing
    select_related = ("asset", "holder", "category", "depot", "division")
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
