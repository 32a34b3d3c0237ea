from portal.buildings.api.serializers import (
    BuildingSerializer,
    OccupancySerializer,
    SpaceStandardSerializer,
)
from portal.buildings.filters import BuildingFilterSet, OccupancyFilterSet
from portal.buildings.models import Building, Occupancy, SpaceStandard
from portal.core.api import GeoRegistryViewSet, ReferenceViewSet, RegistryViewSet


class BuildingViewSet(GeoRegistryViewSet):
    queryset = Building.objects.select_related("division", "managing_unit")
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilterSet


class OccupancyViewSet(RegistryViewSet):
    queryset = Occupancy.objects.select_related("unit")
    serializer_class = OccupancySerializer
    filterset_class = OccupancyFilterSet


class SpaceStandardViewSet(ReferenceViewSet):
    """Per-person office-area limits by edition, government level and rank (editable data)."""

    queryset = SpaceStandard.objects.all()
    serializer_class = SpaceStandardSerializer
    filterset_fields = ["edition", "government_level", "rank"]
