from rest_framework import serializers

from portal.buildings.models import Building, Occupancy, SpaceStandard
from portal.core.api import (
    RECORD_FIELDS,
    RegistryGeoSerializer,
    RegistrySerializer,
    VisiblePrimaryKeyField,
)
from portal.org.models import AdminDivision, Unit

# The owning unit is looked up among all units: one outside the user's scope is then refused
# by the write service with 403 and a message, instead of an opaque "does not exist".
MANAGING_UNIT = {"slug_field": "credit_code", "queryset": Unit.objects.all()}


class BuildingSerializer(RegistryGeoSerializer):
    division = serializers.SlugRelatedField(
        slug_field="code", queryset=AdminDivision.objects.current()
    )
    managing_unit = serializers.SlugRelatedField(**MANAGING_UNIT)

    class Meta:
        model = Building
        geo_field = "geom"
        fields = [
            "id",
            "name",
            "address",
            "division",
            "managing_unit",
            "footprint",
            "floors_above",
            "floors_below",
            "gross_area_m2",
            "usable_area_m2",
            "year_built",
            "use_type",
            "confidentiality",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS


class OccupancySerializer(RegistrySerializer):
    unit = serializers.SlugRelatedField(**MANAGING_UNIT)
    building = VisiblePrimaryKeyField(queryset=Building.objects.all())
    staff_count = serializers.IntegerField(read_only=True)
    area_per_person_m2 = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = Occupancy
        fields = [
            "id",
            "unit",
            "building",
            "usable_area_m2",
            "staff_by_rank",
            "since",
            "staff_count",
            "area_per_person_m2",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS


class SpaceStandardSerializer(RegistrySerializer):
    class Meta:
        model = SpaceStandard
        fields = [
            "id",
            "edition",
            "government_level",
            "rank",
            "post",
            "area_m2",
            "needs_check",
            "source",
        ]
