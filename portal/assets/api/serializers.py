from rest_framework import serializers

from portal.assets.models import Asset, AssetCategory
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
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AssetCategory
        fields = ["id", "code", "name", "parent", "edition", "needs_check"]
