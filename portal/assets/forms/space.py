"""Forms of the office-space page: what the tables show, and offering vacant space."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.buildings.models import Floor, Room
from portal.core.choices import GovernmentLevel

SORTS: Final = (
    ("excess", _("area over the standard")),
    ("per_person", _("area per person")),
    ("name", _("name")),
)


@dataclass(frozen=True)
class SpaceFilter:
    """What the page lists: a division code prefix, a government level, over-standard only."""

    prefix: str = ""
    level: str = ""
    over_only: bool = False
    sort: str = SORTS[0][0]


class SpaceFilterForm(forms.Form):
    division = forms.CharField(
        label=_("Division code prefix"),
        required=False,
        max_length=6,
        validators=[RegexValidator(r"^\d{2,6}$", _("Give 2 to 6 digits of a division code."))],
    )
    level = forms.ChoiceField(
        label=_("Government level"),
        choices=[("", _("all levels")), *GovernmentLevel.choices],
        required=False,
    )
    over = forms.BooleanField(label=_("Over the standard only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)

    def filters(self) -> SpaceFilter:
        """The valid form's choices (an invalid form lists everything, unsorted choices aside)."""
        data = self.cleaned_data if self.is_valid() else {}
        return SpaceFilter(
            prefix=data.get("division") or "",
            level=data.get("level") or "",
            over_only=bool(data.get("over")),
            sort=data.get("sort") or SORTS[0][0],
        )


class OfferSpaceForm(forms.Form):
    """One vacant room or whole floor to offer, among those the user may read."""

    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), required=False, widget=forms.HiddenInput
    )
    floor = forms.ModelChoiceField(
        queryset=Floor.objects.none(), required=False, widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    share_prefix = forms.CharField(
        label=_("Shared within (division code prefix)"), required=False, max_length=6
    )

    def __init__(
        self, *args: Any, rooms: QuerySet[Room], floors: QuerySet[Floor], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms  # type: ignore[attr-defined]
        self.fields["floor"].queryset = floors  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_error("room") or self.has_error("floor"):
            return data  # a stale or foreign id: its own message says so
        if (data.get("room") is None) == (data.get("floor") is None):
            raise forms.ValidationError(_("Space: choose one vacant floor or room to offer."))
        return data
