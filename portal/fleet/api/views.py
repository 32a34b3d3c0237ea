from portal.core.api import RegistryViewSet
from portal.fleet.api.serializers import VehicleSerializer
from portal.fleet.filters import VehicleFilterSet
from portal.fleet.models import Vehicle


class VehicleViewSet(RegistryViewSet):
    queryset = Vehicle.objects.select_related("holder", "base_depot")
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilterSet
