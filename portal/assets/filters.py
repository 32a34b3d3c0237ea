import django_filters
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import (
    AssetStatus,
    ConditionGrade,
    ListingMode,
    ListingReason,
    ListingStatus,
    SpaceListingStatus,
)
from portal.assets.models import Asset, AssetCategory, Listing, SpaceListing
from portal.core.filters import RegistryFilterSet


class AssetFilterSet(RegistryFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AssetStatus.choices, label=_("status"))
    category = django_filters.CharFilter(
        field_name="category__code", lookup_expr="startswith", label=_("category code")
    )
    min_value = django_filters.NumberFilter(
        field_name="net_value", lookup_expr="gte", label=_("net value from (yuan)")
    )
    max_value = django_filters.NumberFilter(
        field_name="net_value", lookup_expr="lte", label=_("net value up to (yuan)")
    )
    acquired_after = django_filters.DateFilter(
        field_name="acquired_on", lookup_expr="gte", label=_("acquired on or after")
    )
    acquired_before = django_filters.DateFilter(
        field_name="acquired_on", lookup_expr="lte", label=_("acquired on or before")
    )

    search_fields = ("name", "ledger_code", "model_spec")

    class Meta:
        model = Asset
        fields: list[str] = []


class ListingFilterSet(RegistryFilterSet):
    """The warehouse: what is offered, why, how, in what condition and for how much."""

    reason = django_filters.MultipleChoiceFilter(choices=ListingReason.choices, label=_("reason"))
    mode = django_filters.ChoiceFilter(choices=ListingMode.choices, label=_("mode"))
    status = django_filters.MultipleChoiceFilter(choices=ListingStatus.choices, label=_("status"))
    condition = django_filters.MultipleChoiceFilter(
        choices=ConditionGrade.choices, label=_("condition")
    )
    category = django_filters.CharFilter(
        field_name="category__code", lookup_expr="startswith", label=_("category code")
    )
    min_value = django_filters.NumberFilter(
        field_name="net_value", lookup_expr="gte", label=_("net value from (yuan)")
    )
    max_value = django_filters.NumberFilter(
        field_name="net_value", lookup_expr="lte", label=_("net value up to (yuan)")
    )

    search_fields = ("asset__name", "asset__ledger_code", "asset__model_spec")

    class Meta:
        model = Listing
        fields: list[str] = []


class AssetCategoryFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(lookup_expr="startswith", label=_("code prefix"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("parent code"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("text"))

    class Meta:
        model = AssetCategory
        fields = ["edition"]


class SpaceListingFilterSet(RegistryFilterSet):
    """Shareable office space: offered where its building stands (no place of its own, so the
    spatial filters apply to the building's location, as for vehicles)."""

    bbox = None
    near = None
    intersects = None
    status = django_filters.MultipleChoiceFilter(
        choices=SpaceListingStatus.choices, label=_("status")
    )
    min_area = django_filters.NumberFilter(
        field_name="usable_area_m2", lookup_expr="gte", label=_("usable area from (m²)")
    )

    search_fields = ("building__name", "building__address", "note")

    class Meta:
        model = SpaceListing
        fields: list[str] = []
