from typing import Any

from portal.core.api import GeoRegistryViewSet
from portal.parcels.api.serializers import ParcelSerializer
from portal.parcels.filters import ParcelFilterSet
from portal.parcels.models import Parcel


class ParcelViewSet(GeoRegistryViewSet):
    queryset = Parcel.objects.select_related("holder", "division")
    serializer_class = ParcelSerializer
    filterset_class = ParcelFilterSet

    def perform_create(self, serializer: Any) -> None:
        super().perform_create(serializer)
        # The database computes area_m2 on insert; read it back for the response.
        serializer.instance.refresh_from_db(fields=["area_m2"])

    def perform_update(self, serializer: Any) -> None:
        super().perform_update(serializer)
        serializer.instance.refresh_from_db(fields=["area_m2"])
