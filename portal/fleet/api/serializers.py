from rest_framework import serializers

from portal.buildings.models import Building
from portal.core.api import (
    RECORD_FIELDS,
    RegistrySerializer,
    VisiblePrimaryKeyField,
    VisibleSlugField,
)
from portal.depots.models import Depot
from portal.fleet.models import Vehicle
from portal.org.models import Unit


class VehicleSerializer(RegistrySerializer):
    """Vehicles have no location of their own (the map draws them at their base building), so
    the API serves them as plain JSON."""

    # All units: a holder outside the user's scope is refused by the service with 403.
    holder = serializers.SlugRelatedField(slug_field="credit_code", queryset=Unit.objects.all())
    base_building = VisiblePrimaryKeyField(
        queryset=Building.objects.all(), required=False, allow_null=True
    )
    base_depot = VisibleSlugField(
        slug_field="code", queryset=Depot.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "plate",
            "vehicle_type",
            "seats",
            "energy",
            "holder",
            "base_building",
            "base_depot",
            "status",
            "odometer_km",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS
