from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from portal.core.api import GeoReferenceViewSet, GeoRegistryViewSet, query_flag
from portal.org.api.serializers import (
    CooperationRegionSerializer,
    DivisionSerializer,
    UnitSerializer,
)
from portal.org.filters import AdminDivisionFilterSet, UnitFilterSet
from portal.org.models import AdminDivision, CooperationRegion, Unit

GEOMETRY_PARAMETER = OpenApiParameter(
    "geometry",
    OpenApiTypes.BOOL,
    description="false: features without boundaries (null geometry), for light lists.",
)


@extend_schema_view(list=extend_schema(parameters=[GEOMETRY_PARAMETER]))
class DivisionViewSet(GeoReferenceViewSet):
    """Current administrative divisions (GB/T 2260), addressed by their code."""

    queryset = AdminDivision.objects.current().select_related("parent")
    serializer_class = DivisionSerializer
    filterset_class = AdminDivisionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"\d{6}"

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.with_geometry = query_flag(request, "geometry", default=True)


class CooperationRegionViewSet(GeoReferenceViewSet):
    """Sichuan–Chongqing cooperation regions without a division code (高竹新区, 遂潼)."""

    queryset = CooperationRegion.objects.prefetch_related("members")
    serializer_class = CooperationRegionSerializer
    filterset_fields = ["kind"]


class UnitViewSet(GeoRegistryViewSet):
    queryset = Unit.objects.select_related("division", "parent")
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
