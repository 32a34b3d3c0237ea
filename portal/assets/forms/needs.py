"""Forms of the needs pages: the list's status filter, posting a need, reviewing a candidate
and the purchase request behind the "check the warehouse before buying" gate.

They only shape input; who may post, review or buy and in which state is decided by
:mod:`portal.assets.services.demand`, which the views call with what the forms cleaned.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import NeedStatus
from portal.assets.forms.warehouse import delivery_buildings
from portal.assets.models import AssetCategory, Listing, Need

if TYPE_CHECKING:
    from portal.org.models import Unit, User

# 1,000 km covers the province many times over; a larger figure is a typing slip.
MAX_DISTANCE_KM: Final = Decimal(1000)
MAX_VALUE: Final = Decimal(10) ** 12  # the column holds 14 digits, 2 of them decimals
NBSP: Final = "\u00a0"


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("any status")), *NeedStatus.choices], required=False
    )


class CategoryField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # Indented by depth (codes of 7 digits: 2 per level after the first), so the tree reads.
        depth = len(obj.code.rstrip("0")) // 2 if obj.code.isdigit() else 0
        return f"{NBSP * 2 * depth}{obj.code} {obj.name}"


class NeedForm(forms.ModelForm):  # type: ignore[type-arg]
    """A new need of ``unit``; the maximum distance is typed in kilometres, stored in metres."""

    max_distance_km = forms.DecimalField(
        label=_("maximum distance (km)"),
        required=False,
        min_value=Decimal("0.001"),
        max_value=MAX_DISTANCE_KM,
        decimal_places=3,
        help_text=_("Leave empty for any distance."),
    )

    class Meta:
        model = Need
        fields = [
            "description",
            "category",
            "include_subcategories",
            "quantity",
            "min_condition",
            "needed_by",
            "delivery_building",
            "same_city",
            "same_county",
        ]
        field_classes = {"category": CategoryField}
        widgets = {"needed_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    field_order = [*Meta.fields[:7], "max_distance_km"]

    def __init__(self, *args: Any, unit: Unit, user: User, **kwargs: Any) -> None:
        super().__init__(*args, instance=Need(unit=unit), **kwargs)
        self.fields["category"].queryset = AssetCategory.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["delivery_building"].queryset = delivery_buildings(unit, user)  # type: ignore[attr-defined]

    def need(self) -> Need:
        """The unsaved need, its distance in metres, for :func:`post_need`."""
        need: Need = self.save(commit=False)
        km = self.cleaned_data["max_distance_km"]
        need.max_distance_m = None if km is None else max(1, round(km * 1000))
        return need


class ReviewForm(forms.Form):
    """A decision on one candidate: requesting it may carry a note, declining needs a reason."""

    listing = forms.ModelChoiceField(queryset=Listing.objects.none(), widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, user: User, reason_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["listing"].queryset = Listing.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["reason"].required = reason_required


class PurchaseForm(forms.Form):
    justification = forms.CharField(
        label=_("justification"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    estimated_value = forms.DecimalField(
        label=_("estimated value (yuan)"),
        min_value=0,
        max_value=MAX_VALUE - Decimal("0.01"),
        decimal_places=2,
    )


class CancelNeedForm(forms.Form):
    """Cancelling a need takes no input: the button is the whole form."""
