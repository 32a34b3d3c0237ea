import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.filters import BBoxFilter, IntersectsFilter, NearFilter, RegistryFilterSet
from portal.depots.choices import DepotKind, MovementKind
from portal.depots.models import Depot, StockItem, StockMovement, SupplyCategory


class DepotFilterSet(RegistryFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=DepotKind.choices, label=_("kind"))

    search_fields = ("code", "name", "address")

    class Meta:
        model = Depot
        fields: list[str] = []


class StockItemFilterSet(RegistryFilterSet):
    """Stock lies where its depot is: the spatial filters use the depot's location."""

    bbox = BBoxFilter(field_name="depot__geom", label=_("bounding box"))
    near = NearFilter(field_name="depot__geom", label=_("within metres of a point"))
    intersects = IntersectsFilter(
        field_name="depot__geom", label=_("intersects a GeoJSON geometry")
    )
    depot = django_filters.CharFilter(field_name="depot__code", label=_("depot code"))
    category = django_filters.CharFilter(
        field_name="category__code", lookup_expr="startswith", label=_("supply category code")
    )
    expires_before = django_filters.DateFilter(
        field_name="expires_on", lookup_expr="lte", label=_("expires on or before")
    )

    search_fields = ("name", "batch_no")

    class Meta:
        model = StockItem
        fields: list[str] = []


class SupplyCategoryFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(lookup_expr="startswith", label=_("code prefix"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("parent code"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("text"))

    class Meta:
        model = SupplyCategory
        fields: list[str] = []


class StockMovementFilterSet(django_filters.FilterSet):
    """The stock movement log, shared by the API and the depot's movement page."""

    depot = django_filters.CharFilter(field_name="depot__code", label=_("depot code"))
    kind = django_filters.MultipleChoiceFilter(choices=MovementKind.choices, label=_("kind"))
    category = django_filters.CharFilter(
        field_name="stock_item__category__code",
        lookup_expr="startswith",
        label=_("supply category code"),
    )
    occurred_after = django_filters.DateFilter(
        field_name="occurred_on", lookup_expr="gte", label=_("on or after")
    )
    occurred_before = django_filters.DateFilter(
        field_name="occurred_on", lookup_expr="lte", label=_("on or before")
    )
    document_no = django_filters.CharFilter(
        field_name="document_no", lookup_expr="icontains", label=_("document number")
    )

    class Meta:
        model = StockMovement
        fields: list[str] = []
