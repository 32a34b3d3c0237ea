"""The form that starts a coverage analysis. It only shapes input: who may analyse which region
is decided by :func:`portal.depots.services.coverage.start_analysis`, which the view calls with
what the form cleaned."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.depots.services.coverage import RADIUS_MAX_KM, regions_for
from portal.org.models import AdminDivision

if TYPE_CHECKING:
    from portal.org.models import User

DEFAULT_RADIUS_KM: Final = Decimal(50)
DEFAULT_MINUTES: Final = 60
NBSP: Final = "\u00a0"


class RegionField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # Cities and counties indented under their province, so the list reads as a tree.
        depth = {"province": 0, "city": 1}.get(obj.level, 2)
        return f"{NBSP * 2 * depth}{obj.name} ({obj.code})"


class CoverageForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    region = RegionField(label=_("region"), queryset=AdminDivision.objects.none())
    radius_km = forms.DecimalField(
        label=_("radius (km)"),
        initial=DEFAULT_RADIUS_KM,
        min_value=Decimal(1),
        max_value=RADIUS_MAX_KM,
        decimal_places=1,
    )
    minutes = forms.IntegerField(
        label=_("travel time (minutes)"), initial=DEFAULT_MINUTES, min_value=5, max_value=720
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = regions_for(user).order_by("code")
        field = self.fields["region"]
        field.queryset = regions  # type: ignore[attr-defined]
        unit = getattr(user, "unit", None)
        home = regions.filter(pk=unit.division_id).first() if unit else None
        field.initial = home.pk if home else None
