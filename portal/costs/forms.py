"""Forms of the return's fill page: one unit's basis, its budget per category, and its cost
lines (one per building, period and category). They only parse; the rules (the monthly/yearly
mix, the unit's buildings, who may edit) live in :mod:`portal.costs.services.records`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.buildings.models import Building
from portal.costs.choices import UTILITIES, CostCategory, CostSource
from portal.costs.models import CostBasis, CostBudget, CostRecord
from portal.costs.services.records import Basis, Line, UnitFigures, allowed_buildings

if TYPE_CHECKING:
    from portal.org.models import Unit, User

EXTRA_LINES: Final = 6
MAX_LINES: Final = 2_000  # twelve months × eleven categories × a dozen buildings, and room


# The largest count a PostgreSQL integer column holds (staff, vehicles).
MAX_COUNT: Final = 2**31 - 1


def _money(label: Any, *, required: bool = False, max_digits: int = 14) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=max_digits,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )


class BasisForm(forms.Form):
    """The unit's denominators; all three or none."""

    usable_area_m2 = _money(gettext_lazy("usable office area (m²)"), max_digits=12)
    staff = forms.IntegerField(
        label=gettext_lazy("staff"), required=False, min_value=0, max_value=MAX_COUNT
    )
    vehicles = forms.IntegerField(
        label=gettext_lazy("official vehicles"), required=False, min_value=0, max_value=MAX_COUNT
    )

    @classmethod
    def for_unit(cls, unit: Unit, year: int, data: Any = None) -> BasisForm:
        basis = CostBasis.objects.filter(unit=unit, year=year).first()
        initial = (
            {
                "usable_area_m2": basis.usable_area_m2,
                "staff": basis.staff,
                "vehicles": basis.vehicles,
            }
            if basis
            else {}
        )
        return cls(data, initial=initial, prefix="basis")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [data.get(name) is not None for name in self.fields]
        if any(given) and not all(given):
            raise forms.ValidationError(_("Give the area, the staff and the vehicles together."))
        return data

    def basis(self) -> Basis | None:
        data = self.cleaned_data
        if data.get("usable_area_m2") is None:
            return None
        return Basis(data["usable_area_m2"], data["staff"], data["vehicles"])


class BudgetForm(forms.Form):
    """One budget field per category; an empty field means no budget for it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in CostCategory:
            self.fields[category.value] = _money(category.label)

    @classmethod
    def for_unit(cls, unit: Unit, year: int, data: Any = None) -> BudgetForm:
        stored = CostBudget.objects.filter(unit=unit, year=year)
        initial = {b.category: b.amount_yuan for b in stored}
        return cls(data, initial=initial, prefix="budget")

    def budgets(self) -> dict[str, Decimal]:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


class LineForm(forms.Form):
    building = forms.ModelChoiceField(
        label=gettext_lazy("building"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=gettext_lazy("the unit as a whole"),
    )
    month = forms.TypedChoiceField(
        label=gettext_lazy("month"),
        choices=[("", gettext_lazy("whole year")), *[(m, m) for m in range(1, 13)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    # A blank first choice, so an untouched empty line posts nothing and is no line.
    category = forms.ChoiceField(
        label=gettext_lazy("category"), choices=[("", "---------"), *CostCategory.choices]
    )
    amount_yuan = _money(gettext_lazy("actual (yuan)"), required=True)
    quantity = _money(gettext_lazy("quantity (kWh, m³, GJ)"))

    def __init__(self, *args: Any, buildings: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("quantity") is not None and data.get("category") not in UTILITIES:
            self.add_error("quantity", _("Only utilities carry a quantity."))
        return data


class BaseLineFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def lines(self) -> tuple[Line, ...]:
        return tuple(
            Line(
                category=form.cleaned_data["category"],
                amount_yuan=form.cleaned_data["amount_yuan"],
                building=form.cleaned_data["building"],
                month=form.cleaned_data["month"],
                quantity=form.cleaned_data["quantity"],
                where=_("line %(number)s") % {"number": number},
            )
            for number, form in enumerate(self.forms, start=1)
            # An unchanged stored line is kept; an untouched blank line is no line.
            if (number <= self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        )


LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=EXTRA_LINES,
    can_delete=True,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=True,
)


def unit_buildings(unit: Unit, user: User) -> Any:
    return (
        Building.objects.visible_to(user)
        .filter(allowed_buildings(unit))
        .distinct()
        .order_by("name")
    )


def hand_records(unit: Unit, year: int, user: User) -> Any:
    return (
        CostRecord.objects.visible_to(user)
        .filter(unit=unit, year=year)
        .exclude(source=CostSource.FLEET)
        .select_related("building")
        .order_by("category", "building__name", "month")
    )


class FillForms:
    """The three forms of one unit's figures, bound together."""

    def __init__(self, unit: Unit, year: int, user: User, data: Any = None) -> None:
        self.unit = unit
        self.basis = BasisForm.for_unit(unit, year, data)
        self.budget = BudgetForm.for_unit(unit, year, data)
        initial = [
            {
                "building": r.building_id,
                "month": r.month,
                "category": r.category,
                "amount_yuan": r.amount_yuan,
                "quantity": r.quantity,
            }
            for r in hand_records(unit, year, user)
        ]
        self.lines = LineFormSet(
            data,
            initial=initial,
            prefix="lines",
            form_kwargs={"buildings": unit_buildings(unit, user)},
        )

    def is_valid(self) -> bool:
        return all([self.basis.is_valid(), self.budget.is_valid(), self.lines.is_valid()])

    def figures(self) -> UnitFigures:
        return UnitFigures(
            unit=self.unit,
            lines=self.lines.lines(),
            budgets=self.budget.budgets(),
            basis=self.basis.basis(),
        )
