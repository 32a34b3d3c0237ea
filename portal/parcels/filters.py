import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.filters import RegistryFilterSet
from portal.parcels.choices import RightType, TitleStatus
from portal.parcels.models import Parcel


class ParcelFilterSet(RegistryFilterSet):
    title_status = django_filters.MultipleChoiceFilter(
        choices=TitleStatus.choices, label=_("title status")
    )
    right_type = django_filters.MultipleChoiceFilter(
        choices=RightType.choices, label=_("right type")
    )

    search_fields = ("registry_no", "real_estate_unit_code", "certificate_no")

    class Meta:
        model = Parcel
        fields: list[str] = []
