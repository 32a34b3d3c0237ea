from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portal.core.choices import GovernmentLevel
from portal.core.filters import BBoxFilter, IntersectsFilter, NearFilter, RegistryFilterSet
from portal.org.choices import DivisionLevel, UnitKind
from portal.org.models import AdminDivision, Unit


class UnitFilterSet(RegistryFilterSet):
    bbox = BBoxFilter(field_name="location", label=_("bounding box"))
    near = NearFilter(field_name="location", label=_("within metres of a point"))
    intersects = IntersectsFilter(field_name="location", label=_("intersects a GeoJSON geometry"))
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices, label=_("kind"))
    level = django_filters.MultipleChoiceFilter(
        choices=GovernmentLevel.choices, label=_("government level")
    )

    search_fields = ("name", "short_name", "credit_code", "address")

    class Meta:
        model = Unit
        fields: list[str] = []


class AdminDivisionFilterSet(django_filters.FilterSet):
    """Divisions are reference data: no unit or scope filters, but level, parent and text."""

    bbox = BBoxFilter(field_name="geom", label=_("bounding box"))
    intersects = IntersectsFilter(field_name="geom", label=_("intersects a GeoJSON geometry"))
    level = django_filters.MultipleChoiceFilter(choices=DivisionLevel.choices, label=_("level"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("parent division code"))
    q = django_filters.CharFilter(method="filter_text", label=_("text"))

    class Meta:
        model = AdminDivision
        fields: list[str] = []

    def filter_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return qs.filter(
            Q(code__startswith=value)
            | Q(name__icontains=value)
            | Q(name_pinyin__icontains=value)
            | Q(pinyin_initials__istartswith=value)
        )
