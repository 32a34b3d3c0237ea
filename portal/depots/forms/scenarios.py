"""The form that creates a siting scenario. It only shapes input: which inputs go together, who
may plan which region and whether drawn sites lie inside it are decided by
:func:`portal.depots.services.siting.create_scenario`, which the view calls with what the form
cleaned."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.depots.choices import SitingModel
from portal.depots.forms.coverage import RegionField
from portal.depots.services.coverage import regions_for
from portal.org.models import AdminDivision

if TYPE_CHECKING:
    from portal.org.models import User

DEFAULT_RADIUS_KM: Final = Decimal(50)
MAX_DRAWN_SITES: Final = 500


def parse_sites(text: str) -> list[tuple[float, float]]:
    """``"104.06,30.66"`` lines (a space, tab or Chinese comma also separates) → (lon, lat)."""
    sites = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.replace("，", ",").replace("\t", ",").replace(" ", ",").split(",")
        values = [part for part in parts if part]
        if not values:
            continue
        try:
            lon, lat = (float(value) for value in values)
        except ValueError:
            message = _("Line %(line)d: write a site as “longitude,latitude”, e.g. 104.06,30.66.")
            raise ValidationError(message % {"line": number}) from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            message = _("Line %(line)d: a longitude lies within ±180 and a latitude within ±90.")
            raise ValidationError(message % {"line": number})
        sites.append((lon, lat))
    if len(sites) > MAX_DRAWN_SITES:
        raise ValidationError(_("Draw at most %(count)d sites.") % {"count": MAX_DRAWN_SITES})
    return sites


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    region = RegionField(label=_("region"), queryset=AdminDivision.objects.none())
    model = forms.ChoiceField(label=_("model"), choices=SitingModel.choices)
    p = forms.IntegerField(
        label=_("new sites (p)"),
        min_value=1,
        max_value=10_000,
        required=False,
        help_text=_("Not needed for the LSCP, which finds the fewest sites itself."),
    )
    radius_km = forms.DecimalField(
        label=_("radius (km)"),
        initial=DEFAULT_RADIUS_KM,
        min_value=Decimal(1),
        max_value=Decimal(1000),
        decimal_places=1,
        required=False,
    )
    minutes = forms.IntegerField(
        label=_("travel time (minutes)"),
        min_value=5,
        max_value=720,
        required=False,
        help_text=_("Give a radius or a travel time, not both."),
    )
    grid_km = forms.IntegerField(label=_("demand grid (km)"), initial=5, min_value=1, max_value=50)
    keep_existing = forms.BooleanField(
        label=_("keep existing depots"), initial=True, required=False
    )
    use_county_seats = forms.BooleanField(
        label=_("county seats as candidates"), initial=True, required=False
    )
    use_idle_buildings = forms.BooleanField(
        label=_("idle buildings as candidates"), initial=True, required=False
    )
    use_parcels = forms.BooleanField(label=_("registry parcels as candidates"), required=False)
    drawn_sites = forms.CharField(
        label=_("sites drawn by the planner"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "104.06,30.66"}),
        help_text=_("One “longitude,latitude” per line (CGCS2000), or click on the map."),
    )
    use_capacities = forms.BooleanField(label=_("respect depot capacities"), required=False)
    weight_by_hazard = forms.BooleanField(
        label=_("weight people by seismic hazard (illustrative)"),
        required=False,
        help_text=_("People in the illustrative hazard zones count their zone's weight."),
    )
    time_limit_s = forms.IntegerField(
        label=_("solver time limit (s)"), initial=120, min_value=1, max_value=3600
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = regions_for(user).order_by("code")
        field = self.fields["region"]
        field.queryset = regions  # type: ignore[attr-defined]
        unit = getattr(user, "unit", None)
        home = regions.filter(pk=unit.division_id).first() if unit else None
        field.initial = home.pk if home else None

    def clean_drawn_sites(self) -> list[tuple[float, float]]:
        return parse_sites(self.cleaned_data["drawn_sites"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("radius_km") is None) == (data.get("minutes") is None):
            raise ValidationError(_("Give either a radius in km or a travel time in minutes."))
        if data.get("model") != SitingModel.LSCP and not data.get("p"):
            self.add_error("p", _("Give the number of new sites (p) for this model."))
        return data
