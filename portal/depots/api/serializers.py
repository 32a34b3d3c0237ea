from rest_framework import serializers

from portal.core.api import RECORD_FIELDS, RegistryGeoSerializer, RegistrySerializer
from portal.depots.models import Depot, StockItem, SupplyCategory
from portal.org.models import AdminDivision, Unit


class DepotSerializer(RegistryGeoSerializer):
    # All units: a managing unit outside the user's scope is refused by the service with 403.
    managing_unit = serializers.SlugRelatedField(
        slug_field="credit_code", queryset=Unit.objects.all()
    )
    division = serializers.SlugRelatedField(
        slug_field="code", queryset=AdminDivision.objects.current()
    )

    class Meta:
        model = Depot
        geo_field = "geom"
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "managing_unit",
            "division",
            "address",
            "capacity_m3",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS


class StockItemSerializer(RegistrySerializer):
    # The depot decides the owning unit: any depot, refused with 403 when out of scope.
    depot = serializers.SlugRelatedField(slug_field="code", queryset=Depot.objects.all())
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=SupplyCategory.objects.all()
    )

    class Meta:
        model = StockItem
        fields = [
            "id",
            "depot",
            "category",
            "name",
            "batch_no",
            "quantity",
            "unit_of_measure",
            "expires_on",
            "minimum_level",
            "dual_use",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS


class SupplyCategorySerializer(RegistrySerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SupplyCategory
        fields = ["id", "code", "name", "parent", "needs_check"]
