import django_filters
from django.utils.translation import gettext_lazy as _

from portal.core.filters import RegistryFilterSet
from portal.parcels.choices import ConflictKind, FindingStatus, RightType, TitleStatus
from portal.parcels.models import Finding, Parcel


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


class OpenFindingFilterSet(RegistryFilterSet):
    """The map's conflicts layer (open findings only): by kind, division, unit and text."""

    kind = django_filters.MultipleChoiceFilter(choices=ConflictKind.choices, label=_("kind"))

    search_fields = ("key", "unit__name", "unit__short_name", "unit__credit_code")

    class Meta:
        model = Finding
        fields: list[str] = []


class FindingFilterSet(OpenFindingFilterSet):
    """The conflict register's list: also by status."""

    status = django_filters.MultipleChoiceFilter(choices=FindingStatus.choices, label=_("status"))

    class Meta:
        model = Finding
        fields: list[str] = []
