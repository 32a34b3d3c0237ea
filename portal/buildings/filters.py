import django_filters
from django.utils.translation import gettext_lazy as _

from portal.buildings.choices import UseType
from portal.buildings.models import Building, Occupancy
from portal.core.filters import RegistryFilterSet


class BuildingFilterSet(RegistryFilterSet):
    use_type = django_filters.MultipleChoiceFilter(choices=UseType.choices, label=_("main use"))

    search_fields = ("name", "address")

    class Meta:
        model = Building
        fields: list[str] = []


class OccupancyFilterSet(RegistryFilterSet):
    """Occupancies have no geometry of their own: filter by unit, division or building."""

    bbox = None
    near = None
    intersects = None
    building = django_filters.NumberFilter(field_name="building_id", label=_("building id"))

    search_fields = ("unit__name", "building__name")

    class Meta:
        model = Occupancy
        fields: list[str] = []
