"""Forms of the transfer, approval and disposal pages.

They only shape input: who may act, on what and in which state is decided by the services
(:mod:`portal.assets.services.approvals`, ``transfers``, ``batches``, ``disposal``), which the
views call with ``cleaned_data``. A few choices are narrowed here so a page offers what makes
sense (the holder's own assets, the receiver's buildings), never to grant anything.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import ApprovalDecision, DisposalMethod
from portal.assets.models import Asset, DisposalItem, Listing
from portal.buildings.models import Building
from portal.org.choices import Role
from portal.org.models import Unit
from portal.org.scoping import cleared_q, edit_scope

if TYPE_CHECKING:
    from portal.org.models import User

NOTE: Final = {"required": False, "max_length": 2000}
CENT: Final = Decimal("0.01")
MAX_PROCEEDS: Final = Decimal(10) ** 12  # the column holds 14 digits, 2 of them decimals
CODE_SEPARATORS: Final = re.compile(r"[\s,;，；、]+")


def _note(label: Any) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 2}), **NOTE)


class ConfirmForm(forms.Form):
    """An action without input (submit a batch): the button is the whole form."""


class SignForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=ApprovalDecision.choices, widget=forms.RadioSelect
    )
    note = _note(_("note"))


class CancelForm(forms.Form):
    note = _note(_("reason"))


class HandOverForm(forms.Form):
    document_no = forms.CharField(label=_("handover document number"), max_length=40)
    ledger_code = forms.CharField(
        label=_("new ledger code"),
        max_length=40,
        required=False,
        help_text=_("Only when the receiving unit already uses the asset's ledger code."),
    )


class CompleteBatchForm(forms.Form):
    document_no = forms.CharField(label=_("handover document number"), max_length=40)


# -- transfer batches -------------------------------------------------------------------------


def delivery_buildings(unit: Unit, user: User) -> QuerySet[Building]:
    """Buildings ``unit`` manages or occupies, below ``user``'s clearance: where it can receive."""
    buildings = Building.objects.filter(Q(managing_unit=unit) | Q(occupancies__unit=unit))
    return buildings.filter(cleared_q(Building, user)).distinct().order_by("name")


class UnitSearchForm(forms.Form):
    q = forms.CharField(label=_("receiving unit"), min_length=2, max_length=100)

    def units(self, limit: int) -> list[Unit]:
        """Units whose name, short name or credit code contains the query."""
        query = self.cleaned_data["q"].strip()
        found = Unit.objects.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query) | Q(credit_code=query)
        )
        return list(found.select_related("division").order_by("name")[:limit])


class BatchForm(forms.Form):
    """A new batch to ``to_unit``: where it is delivered, and why."""

    delivery_building = forms.ModelChoiceField(
        label=_("delivery building"), queryset=Building.objects.none()
    )
    note = _note(_("note"))

    def __init__(self, *args: Any, to_unit: Unit, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["delivery_building"]
        field.queryset = delivery_buildings(to_unit, user)


class BatchAddForm(forms.Form):
    """Assets of the giving unit for a draft batch: typed ledger codes and ticked boxes."""

    codes = forms.CharField(
        label=_("ledger codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or more, separated by spaces, commas or new lines."),
    )
    assets = forms.ModelMultipleChoiceField(
        label=_("assets"),
        required=False,
        queryset=Asset.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, ledger: QuerySet[Asset], offered: QuerySet[Asset], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.ledger = ledger
        field: Any = self.fields["assets"]
        field.queryset = offered

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        codes = [code for code in CODE_SEPARATORS.split(data.get("codes") or "") if code]
        typed = {asset.ledger_code: asset for asset in self.ledger.filter(ledger_code__in=codes)}
        unknown = [code for code in codes if code not in typed]
        if unknown:
            self.add_error(
                "codes",
                _("Ledger code %(code)s is not on the holder's ledger.") % {"code": unknown[0]},
            )
        chosen = {asset.pk: asset for asset in [*typed.values(), *data.get("assets", [])]}
        if not chosen and not unknown:
            raise forms.ValidationError(_("Type a ledger code or tick at least one asset."))
        data["selected"] = sorted(chosen.values(), key=lambda asset: asset.ledger_code)
        return data


class BatchRemoveForm(forms.Form):
    asset = forms.ModelChoiceField(queryset=Asset.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, items: QuerySet[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["asset"]
        field.queryset = items


# -- disposal ---------------------------------------------------------------------------------


def may_run_disposal(user: User, unit: Unit) -> bool:
    """Whether ``user`` may run ``unit``'s disposal batches: the rule of
    :mod:`portal.assets.services.disposal` (its staff editing it, or a province administrator),
    used to decide which buttons a page shows; the service still decides."""
    if not user.is_active:
        return False
    if user.is_superuser or user.role == Role.PROVINCE_ADMIN:
        return True
    own = user.unit
    return own is not None and own.offices_administration and edit_scope(user).allows(unit)


def disposal_units(user: User) -> QuerySet[Unit]:
    """Offices administrations whose disposal batches ``user`` may run."""
    units = Unit.objects.filter(offices_administration=True).order_by("division__code", "name")
    if not user.is_active:
        return units.none()
    if user.is_superuser or user.role == Role.PROVINCE_ADMIN:
        return units
    if user.unit is None or not user.unit.offices_administration:
        return units.none()
    return units.filter(edit_scope(user).q(""))


class DisposalBatchForm(forms.Form):
    """A new disposal batch from ticked listings, run by an offices administration."""

    method = forms.ChoiceField(label=_("method"), choices=DisposalMethod.choices)
    unit = forms.ModelChoiceField(label=_("responsible unit"), queryset=Unit.objects.none())
    listings = forms.ModelMultipleChoiceField(
        label=_("listings"),
        queryset=Listing.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one listing in disposal.")},
    )
    note = _note(_("note"))

    def __init__(self, *args: Any, user: User, listings: QuerySet[Listing], **kwargs: Any):
        super().__init__(*args, **kwargs)
        units: Any = self.fields["unit"]
        units.queryset = disposal_units(user)
        if user.unit_id and user.unit and user.unit.offices_administration:
            self.fields["unit"].initial = user.unit_id
        chosen: Any = self.fields["listings"]
        chosen.queryset = listings


class ProceedsForm(forms.Form):
    """What each item of a disposal batch fetched, and from whom: one row per item.

    An amount is checked here so a typing mistake names its row (number and ledger code);
    the service checks the rest (a donation fetches nothing).
    """

    def __init__(self, *args: Any, items: list[DisposalItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"proceeds_{item.pk}"] = forms.CharField(
                label=_("proceeds (yuan)"), required=False, max_length=20
            )
            self.fields[f"counterparty_{item.pk}"] = forms.CharField(
                label=_("buyer or recipient"), required=False, max_length=200
            )

    def rows(self) -> list[tuple[int, DisposalItem, Any, Any]]:
        """(row number, item, proceeds field, counterparty field) for the template."""
        return [
            (n, item, self[f"proceeds_{item.pk}"], self[f"counterparty_{item.pk}"])
            for n, item in enumerate(self.items, start=1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row, item in enumerate(self.items, start=1):
            name = f"proceeds_{item.pk}"
            try:
                data[name] = _amount(data.get(name) or "")
            except forms.ValidationError as exc:
                names = {"row": row, "code": item.asset.ledger_code, "problem": exc.messages[0]}
                self.add_error(name, _("Row %(row)d (%(code)s): %(problem)s") % names)
        return data

    def proceeds(self) -> dict[int, Decimal]:
        return {item.pk: self.cleaned_data[f"proceeds_{item.pk}"] for item in self.items}

    def counterparties(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"counterparty_{item.pk}"] for item in self.items}


def _amount(text: str) -> Decimal:
    text = text.strip().replace(",", "")
    if not text:
        raise forms.ValidationError(_("record what it fetched (0 if nothing)."))
    try:
        amount = Decimal(text)
        exact = amount.is_finite() and amount == amount.quantize(CENT)
    except InvalidOperation:
        raise forms.ValidationError(_("“%(value)s” is not an amount.") % {"value": text}) from None
    if not exact or amount < 0 or amount >= MAX_PROCEEDS:
        raise forms.ValidationError(
            _("“%(value)s” is not an amount of yuan and fen (0 or more, two decimals at most).")
            % {"value": text}
        )
    return amount
