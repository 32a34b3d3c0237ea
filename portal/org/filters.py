import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.choices import GovernmentLevel
from portal.core.filters import BBoxFilter, IntersectsFilter, NearFilter, RegistryFilterSet
from portal.org.choices import UnitKind
from portal.org.models import Unit


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
