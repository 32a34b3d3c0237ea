from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.geometry import repaired


class GeometryRepairFormMixin(forms.ModelForm):  # type: ignore[type-arg]
    """Adds an explicit "repair invalid geometry" choice; without it invalid shapes are refused."""

    repair_geometry = forms.BooleanField(
        label=_("Repair invalid geometry"),
        required=False,
        help_text=_(
            "Rebuild self-intersecting or overlapping polygons into valid ones before saving. "
            "Check the result on the map."
        ),
    )
    polygon_field_names: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("repair_geometry"):
            for name in self.polygon_field_names:
                if cleaned.get(name) is not None:
                    try:
                        cleaned[name] = repaired(cleaned[name])
                    except forms.ValidationError as exc:
                        self.add_error(name, exc)
        return cleaned
