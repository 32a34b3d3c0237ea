from rest_framework import serializers

from portal.core.api import RECORD_FIELDS, RegistryGeoSerializer, VisibleSlugField
from portal.org.models import AdminDivision, CooperationRegion, Unit


class DivisionSerializer(RegistryGeoSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AdminDivision
        geo_field = "geom"
        id_field = "code"
        fields = [
            "code",
            "name",
            "name_pinyin",
            "pinyin_initials",
            "level",
            "parent",
            "valid_from",
            "valid_to",
        ]


class CooperationRegionSerializer(RegistryGeoSerializer):
    members = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = CooperationRegion
        geo_field = "geom"
        fields = ["id", "name", "kind", "members", "description"]


class UnitSerializer(RegistryGeoSerializer):
    division = serializers.SlugRelatedField(
        slug_field="code", queryset=AdminDivision.objects.current()
    )
    parent = VisibleSlugField(
        slug_field="credit_code", queryset=Unit.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Unit
        geo_field = "location"
        fields = [
            "id",
            "credit_code",
            "name",
            "short_name",
            "kind",
            "level",
            "division",
            "parent",
            "address",
            "staff_by_rank",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS
