"""Forms of the incident pages: the list's filter, reporting an incident (its point picked on the
map or typed in a coordinate system, its needs as rows of class and quantity) and the
dispatch form, one quantity per batch, pre-filled with the suggested allocation.

They only shape input; every rule (who may report or dispatch, which batch meets which need,
how much is left) is :mod:`portal.depots.services.incidents`', which the views call with what
the forms cleaned.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.assets.forms.needs import CategoryField
from portal.depots.choices import IncidentStatus
from portal.depots.models import SupplyCategory
from portal.exchange.forms import IMPORT_CRS_CHOICES

if TYPE_CHECKING:
    from django.forms import BoundField

    from portal.depots.response import AllocationLine, NeedAllocation

QUANTITY: Final = {"max_digits": 14, "decimal_places": 2}
# The import form's systems without its first choice ("as the file says"): a typed point has
# no file, so the system is always declared. GCJ-02 and BD-09 cover points copied from web maps.
CRS_CHOICES: Final = IMPORT_CRS_CHOICES[1:]
STORAGE_CRS: Final = "EPSG:4490"
NEED_ROWS: Final = 4
LINE_FIELD: Final = re.compile(r"^q-(\d+)-(\d+)$")


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        choices=[("", _("any status")), *IncidentStatus.choices],
        required=False,
    )


class IncidentForm(forms.Form):
    """The incident's name, place and description; clicking the map fills x and y in
    CGCS2000 longitude/latitude, or the officer types them in any listed system."""

    name = forms.CharField(label=_("name"), max_length=200)
    x = forms.FloatField(
        label=_("x: longitude or easting"),
        help_text=_("Degrees east, or metres for a Gauss-Krüger zone."),
    )
    y = forms.FloatField(
        label=_("y: latitude or northing"),
        help_text=_("Degrees north, or metres for a Gauss-Krüger zone."),
    )
    source_crs = forms.ChoiceField(
        label=_("coordinate system"), choices=CRS_CHOICES, initial=STORAGE_CRS
    )
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class NeedRowForm(forms.Form):
    """One need: a supply class and how much of it; an empty row is ignored."""

    category = CategoryField(
        label=_("supply class"), queryset=SupplyCategory.objects.order_by("code"), required=False
    )
    quantity = forms.DecimalField(
        label=_("quantity"), min_value=Decimal("0.01"), required=False, **QUANTITY
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        category, quantity = data.get("category"), data.get("quantity")
        if category is not None and quantity is None and "quantity" not in self.errors:
            self.add_error("quantity", _("State how much is needed."))
        if category is None and quantity is not None:
            self.add_error("category", _("Choose the supply class needed."))
        return data


class BaseNeedRowFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def rows(self) -> list[tuple[SupplyCategory, Decimal]]:
        """The filled rows, in order, for :func:`report_incident`."""
        return [
            (form.cleaned_data["category"], form.cleaned_data["quantity"])
            for form in self.forms
            if form.cleaned_data.get("category") is not None
        ]

    def clean(self) -> None:
        super().clean()
        if not any(errors for errors in self.errors) and not self.rows():
            raise forms.ValidationError(_("State at least one need."))


NeedRowFormSet = forms.formset_factory(
    NeedRowForm, formset=BaseNeedRowFormSet, extra=NEED_ROWS, max_num=50, validate_max=True
)


class DispatchForm(forms.Form):
    """One quantity per batch and need (``q-<need>-<batch>``), pre-filled with the suggestion.

    Quantities posted for a batch the suggestion no longer lists (emptied meanwhile) are kept,
    so the service refuses them by name rather than the dispatch silently shrinking.
    """

    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(
        self, data: Any = None, *, allocation: list[NeedAllocation], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.allocation = allocation
        for need in allocation:
            for line in need.options:
                self.fields[_name(line)] = self._quantity(line.quantity)
        for name in data or {}:
            if LINE_FIELD.match(name) and name not in self.fields:
                self.fields[name] = self._quantity(Decimal(0))

    @staticmethod
    def _quantity(initial: Decimal) -> forms.DecimalField:
        return forms.DecimalField(
            label=_("quantity to send"), min_value=0, required=False, initial=initial, **QUANTITY
        )

    def grouped(self) -> list[tuple[NeedAllocation, list[tuple[AllocationLine, BoundField]]]]:
        """Each need's batches with their quantity field, as the page's tables show them."""
        return [
            (need, [(line, self[_name(line)]) for line in need.options]) for need in self.allocation
        ]

    def lines(self) -> list[tuple[int, int, Decimal]]:
        """(batch id, need id, quantity) for every quantity above zero, for the service."""
        lines = []
        for name, value in self.cleaned_data.items():
            match = LINE_FIELD.match(name)
            if match and value:
                lines.append((int(match[2]), int(match[1]), value))
        return lines

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not self.lines():
            raise forms.ValidationError(_("Enter a quantity for at least one batch."))
        return data


def _name(line: AllocationLine) -> str:
    return f"q-{line.need_id}-{line.stock_item_id}"


class CloseIncidentForm(forms.Form):
    """Closing an incident takes no input: the button is the whole form."""
