import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.filters import RegistryFilterSet
from portal.depots.choices import DepotKind
from portal.depots.models import Depot


class DepotFilterSet(RegistryFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=DepotKind.choices, label=_("kind"))

    search_fields = ("code", "name", "address")

    class Meta:
        model = Depot
        fields: list[str] = []
