import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.filters import RegistryFilterSet
from portal.fleet.choices import Energy, VehicleStatus, VehicleType
from portal.fleet.models import Vehicle


class VehicleFilterSet(RegistryFilterSet):
    """Vehicles have no location of their own: spatial filters use their base building."""

    bbox = None
    near = None
    intersects = None
    status = django_filters.MultipleChoiceFilter(choices=VehicleStatus.choices, label=_("status"))
    energy = django_filters.MultipleChoiceFilter(choices=Energy.choices, label=_("energy"))
    vehicle_type = django_filters.MultipleChoiceFilter(choices=VehicleType.choices, label=_("type"))

    search_fields = ("plate",)

    class Meta:
        model = Vehicle
        fields: list[str] = []
