import django_filters
from django.utils.translation import gettext_lazy as _

from portal.buildings.choices import UseType
from portal.buildings.models import Building
from portal.core.filters import RegistryFilterSet


class BuildingFilterSet(RegistryFilterSet):
    use_type = django_filters.MultipleChoiceFilter(choices=UseType.choices, label=_("main use"))

    search_fields = ("name", "address")

    class Meta:
        model = Building
        fields: list[str] = []
