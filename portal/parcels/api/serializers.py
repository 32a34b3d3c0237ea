from rest_framework import serializers

from portal.core.api import RECORD_FIELDS, RegistryGeoSerializer
from portal.org.models import AdminDivision, Unit
from portal.parcels.models import Parcel


class ParcelSerializer(RegistryGeoSerializer):
    # All units: a holder outside the user's scope is refused by the service with 403.
    holder = serializers.SlugRelatedField(slug_field="credit_code", queryset=Unit.objects.all())
    division = serializers.SlugRelatedField(
        slug_field="code", queryset=AdminDivision.objects.current()
    )
    area_m2 = serializers.FloatField(read_only=True, help_text="Geodesic area on CGCS2000.")

    class Meta:
        model = Parcel
        geo_field = "geom"
        fields = [
            "id",
            "registry_no",
            "real_estate_unit_code",
            "certificate_no",
            "holder",
            "division",
            "right_type",
            "land_use",
            "certificate_area_m2",
            "area_m2",
            "title_status",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS
