from rest_framework import serializers

from portal.assets.models import Asset, AssetCategory, Listing, Need
from portal.buildings.models import Building
from portal.core.api import (
    RECORD_FIELDS,
    RegistryGeoSerializer,
    RegistrySerializer,
    VisiblePrimaryKeyField,
)
from portal.org.models import Unit


class AssetSerializer(RegistryGeoSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=AssetCategory.objects.all())
    # All units: a holder outside the user's scope is refused by the service with 403.
    holder = serializers.SlugRelatedField(slug_field="credit_code", queryset=Unit.objects.all())
    building = VisiblePrimaryKeyField(
        queryset=Building.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Asset
        geo_field = "geom"
        fields = [
            "id",
            "ledger_code",
            "name",
            "category",
            "model_spec",
            "quantity",
            "unit_of_measure",
            "holder",
            "building",
            "status",
            "acquired_on",
            "original_value",
            "net_value",
            "condition",
            "confidentiality",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS


class AssetCategorySerializer(RegistrySerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AssetCategory
        fields = ["id", "code", "name", "parent", "edition", "needs_check"]


class ListingSerializer(RegistryGeoSerializer):
    """A warehouse listing as its readers see it: what the holder shares, not its ledger."""

    asset_ledger_code = serializers.CharField(source="asset.ledger_code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    holder = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    holder_name = serializers.CharField(source="holder.name", read_only=True)
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Listing
        geo_field = "geom"
        fields = [
            "id",
            "asset_ledger_code",
            "asset_name",
            "category",
            "reason",
            "mode",
            "condition",
            "net_value",
            "original_value",
            "acquired_on",
            "holder",
            "holder_name",
            "division",
            "status",
            "published_at",
            "screening_ends_on",
            "share_prefix",
            "geom",
        ]
        read_only_fields = fields


class NeedSerializer(RegistrySerializer):
    """A unit's need. Plain JSON like vehicles: the place is the delivery building's, which may
    be classified above a reader who sees the need, so only its id is given."""

    unit = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "unit",
            "category",
            "description",
            "quantity",
            "min_condition",
            "needed_by",
            "delivery_building",
            "max_distance_m",
            "same_city",
            "same_county",
            "status",
        ]
        read_only_fields = fields
