"""Forms of the stock pages: the depot list's filter, receiving, issuing, counting and writing
off stock, and the filters of the movement log and of the alerts.

They only shape input; every rule (who may, how much there is, what a document must be) is
:mod:`portal.depots.services.stock`'s, which the views call with what the forms cleaned. A
refusal that names a field comes back beside that field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.assets.forms.needs import CategoryField
from portal.core.filters import DivisionField, DivisionFilter
from portal.depots.choices import DepotKind
from portal.depots.filters import DepotFilterSet
from portal.depots.models import StockItem, SupplyCategory
from portal.depots.services.stock import DOCUMENT_TYPES

if TYPE_CHECKING:
    from portal.depots.models import Depot
    from portal.org.models import AdminDivision

DOCUMENT_ACCEPT: Final = ",".join([*DOCUMENT_TYPES, *DOCUMENT_TYPES.values(), ".jpeg"])
QUANTITY: Final = {"max_digits": 14, "decimal_places": 2}
ALERTS: Final = (
    ("expired", _("expired")),
    ("expiring", _("expires soon")),
    ("below_minimum", _("below minimum level")),
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


# -- the depot list's filter ------------------------------------------------------------------


class LocatedInFilter(DivisionFilter):
    """Depots standing in the division or below it: where the supplies are, whoever runs them."""

    def filter(self, qs: QuerySet[Any], value: AdminDivision | None) -> QuerySet[Any]:
        return qs if value is None else qs.filter(division__code__startswith=value.prefix)


class DepotListFilterSet(DepotFilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=DepotKind.choices, label=_("kind"), widget=forms.CheckboxSelectMultiple
    )
    division = LocatedInFilter(label=_("division code (where the depot stands)"))

    class Meta(DepotFilterSet.Meta):
        pass


# -- the four movements -----------------------------------------------------------------------


class MovementForm(forms.Form):
    """What every movement carries: its document, the date, and the optional scan."""

    document_no = forms.CharField(label=_("document number"), max_length=40)
    occurred_on = forms.DateField(label=_("date"), widget=DateInput())
    document = forms.FileField(
        label=_("scanned document"),
        required=False,
        help_text=_("PDF, JPEG or PNG."),
        widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def __init__(self, *args: Any, depot: Depot, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.depot = depot
        if "item" in self.fields:
            self.fields["item"].queryset = self.batches()  # type: ignore[attr-defined]

    def batches(self) -> QuerySet[StockItem]:
        """The depot's batches the form offers: those holding anything."""
        held = StockItem.objects.filter(depot=self.depot, quantity__gt=0)
        return held.select_related("category").order_by("category__code", "name", "batch_no")

    def movement(self) -> dict[str, Any]:
        """The service's keyword arguments (the batch apart)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "item"}


class BatchField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(
            _("%(name)s · batch %(batch)s · %(quantity)s %(unit)s")
            % {
                "name": obj.name,
                "batch": obj.batch_no or "—",
                "quantity": f"{obj.quantity.normalize():f}",
                "unit": obj.unit_of_measure,
            }
        )


DUAL_USE_CHOICES: Final = (
    ("", _("unchanged (no, for a new batch)")),
    ("yes", _("yes")),
    ("no", _("no")),
)


class ReceiveForm(MovementForm):
    """Stock in: to an existing batch of the class and batch number, or to a new one."""

    category = CategoryField(label=_("supply category"), queryset=SupplyCategory.objects.none())
    name = forms.CharField(label=_("name"), max_length=200)
    batch_no = forms.CharField(label=_("batch number"), max_length=40, required=False)
    quantity = forms.DecimalField(label=_("quantity"), min_value=Decimal("0.01"), **QUANTITY)
    unit_of_measure = forms.CharField(label=_("unit of measure"), max_length=10)
    expires_on = forms.DateField(label=_("expires on"), required=False, widget=DateInput())
    minimum_level = forms.DecimalField(
        label=_("minimum level"),
        required=False,
        min_value=0,
        help_text=_("Left empty: unchanged (0 for a new batch)."),
        **QUANTITY,
    )
    unit_volume_m3 = forms.DecimalField(
        label=_("volume per unit (m³)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=4,
        help_text=_("Left empty: unchanged (0 for a new batch)."),
    )
    dual_use = forms.TypedChoiceField(
        label=_("dual use"),
        choices=DUAL_USE_CHOICES,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    counterparty = forms.CharField(label=_("supplier"), max_length=200, required=False)

    field_order = [
        "category",
        "name",
        "batch_no",
        "quantity",
        "unit_of_measure",
        "expires_on",
        "minimum_level",
        "unit_volume_m3",
        "dual_use",
        "counterparty",
        "document_no",
        "occurred_on",
        "document",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = SupplyCategory.objects.order_by("code")  # type: ignore[attr-defined]


class IssueForm(MovementForm):
    item = BatchField(label=_("batch"), queryset=StockItem.objects.none())
    quantity = forms.DecimalField(label=_("quantity"), min_value=Decimal("0.01"), **QUANTITY)
    counterparty = forms.CharField(label=_("recipient"), max_length=200)
    reason = forms.CharField(label=_("purpose"), max_length=300, required=False)

    field_order = ["item", "quantity", "counterparty", "reason", "document_no", "occurred_on"]


class StocktakeForm(MovementForm):
    item = BatchField(label=_("batch"), queryset=StockItem.objects.none())
    counted_quantity = forms.DecimalField(label=_("counted quantity"), min_value=0, **QUANTITY)
    reason = forms.CharField(label=_("reason"), max_length=300)

    field_order = ["item", "counted_quantity", "reason", "document_no", "occurred_on"]

    def batches(self) -> QuerySet[StockItem]:
        """Every batch of the depot: a count may find goods in a batch recorded as empty."""
        batches = StockItem.objects.filter(depot=self.depot).select_related("category")
        return batches.order_by("category__code", "name", "batch_no")


class WriteOffForm(MovementForm):
    item = BatchField(label=_("batch"), queryset=StockItem.objects.none())
    quantity = forms.DecimalField(label=_("quantity"), min_value=Decimal("0.01"), **QUANTITY)
    reason = forms.CharField(
        label=_("reason"),
        max_length=300,
        help_text=_("Expired, damaged, lost…"),
    )

    field_order = ["item", "quantity", "reason", "document_no", "occurred_on"]


# -- the log's and the alerts' filters --------------------------------------------------------


class AlertFilterForm(forms.Form):
    alert = forms.ChoiceField(
        label=_("alert"), choices=[("", _("any alert")), *ALERTS], required=False
    )
    division = DivisionField(
        label=_("division code (where the depot stands)"), max_length=12, required=False
    )
