"""Writes of a return's figures: cost records, budgets and bases of the return's units.

The web form and the XLSX template both hand over a :class:`UnitFigures` per unit, the unit's
whole set of hand-entered figures for the campaign's year, and :func:`save_unit_figures`
makes the stored figures equal to it in one transaction: a record typed again is updated, a new
one created, one left out deleted (an unchanged record keeps its source and its history).
Records the writer cannot see (on a building classified above his clearance) and the records
taken from the fleet are never touched by a save, and a line that would overwrite a fleet
record is refused: those change only through :mod:`portal.costs.services.fleet_feed`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Final

from django.db.models import Q
from django.utils.translation import gettext as _

from portal.buildings.models import Building
from portal.core.services import writing
from portal.costs.choices import (
    EDITABLE_RETURN_STATUSES,
    UTILITIES,
    CampaignStatus,
    CostCategory,
    CostSource,
    ReturnAction,
    ReturnStatus,
)
from portal.costs.exceptions import CostForbiddenError, CostInputError, CostStateError
from portal.costs.models import CostBasis, CostBudget, CostRecord, CostReturn
from portal.costs.services.campaigns import lock_return, transition_return
from portal.costs.workflow import may_edit_figures
from portal.org.models import Unit

if TYPE_CHECKING:
    from portal.org.models import User
    from portal.org.querysets import UnitQuerySet

FEN: Final = Decimal("0.01")
HAND_SOURCES: Final = (CostSource.FORM, CostSource.TEMPLATE)
Key = tuple[int | None, int | None, str]  # building id, month, category


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One cost figure; ``where`` names its row in messages ("row 7", "line 3")."""

    category: str
    amount_yuan: Decimal
    building: Building | None = None
    month: int | None = None
    quantity: Decimal | None = None
    where: str = ""

    @property
    def key(self) -> Key:
        return (self.building.pk if self.building else None, self.month, self.category)


@dataclass(frozen=True)
class Basis:
    usable_area_m2: Decimal
    staff: int
    vehicles: int


@dataclass(frozen=True)
class UnitFigures:
    """A unit's whole set of hand-entered figures for the year; an absent budget category
    means no budget, an absent basis leaves the stored one as it is."""

    unit: Unit
    lines: tuple[Line, ...] = ()
    budgets: dict[str, Decimal] = field(default_factory=dict)
    basis: Basis | None = None


def return_units(cost_return: CostReturn) -> UnitQuerySet:
    """The units whose figures a return holds: those whose division is exactly its division."""
    return Unit.objects.filter(division_id=cost_return.division_id).order_by("name")


def check_editable(cost_return: CostReturn, unit: Unit, user: User) -> None:
    """Refuse unless ``user`` may change ``unit``'s figures in ``cost_return`` now."""
    if cost_return.campaign.status != CampaignStatus.OPEN:
        raise CostStateError(_("The statistics round is not open: figures cannot change."))
    if cost_return.status not in EDITABLE_RETURN_STATUSES:
        raise CostStateError(
            _("The return is %(status)s: its figures cannot change.")
            % {"status": cost_return.get_status_display()}
        )
    if unit.division_id != cost_return.division_id:
        raise CostInputError(
            _("%(unit)s does not belong to this return's division.") % {"unit": unit.name}
        )
    if not may_edit_figures(user, cost_return, unit):
        raise CostForbiddenError(
            _("You may not change the figures of %(unit)s in this return.") % {"unit": unit.name}
        )


def mark_started(cost_return: CostReturn, *, by: User) -> None:
    """The first save moves a return from not started to being filled, with its step."""
    if cost_return.status == ReturnStatus.NOT_STARTED:
        transition_return(cost_return, ReturnAction.STARTED, by=by)


def allowed_buildings(unit: Unit) -> Q:
    """The buildings a unit may put a cost on: those it occupies or manages."""
    return Q(occupancies__unit=unit) | Q(managing_unit=unit)


def save_unit_figures(
    cost_return: CostReturn,
    figures: Sequence[UnitFigures],
    *,
    by: User,
    source: str = CostSource.FORM,
) -> None:
    """Make the stored hand-entered figures of each unit equal to ``figures`` (see the module)."""
    with writing(by):
        locked = lock_return(cost_return)
        for unit_figures in figures:
            check_editable(locked, unit_figures.unit, by)
            _check_lines(unit_figures.unit, unit_figures.lines)
            _save_records(locked, unit_figures, by=by, source=source)
            _save_budgets(locked.campaign.year, unit_figures)
            if unit_figures.basis is not None:
                _save_basis(locked.campaign.year, unit_figures.unit, unit_figures.basis)
        mark_started(locked, by=by)
    cost_return.refresh_from_db()


def _check_lines(unit: Unit, lines: Sequence[Line]) -> None:
    allowed = set(
        Building.objects.filter(allowed_buildings(unit)).values_list("pk", flat=True).distinct()
    )
    seen: dict[Key, Line] = {}
    for line in lines:
        _check_line(unit, line, allowed)
        if line.key in seen:
            raise CostInputError(
                _("%(where)s repeats %(other)s (same building, month and category).")
                % {"where": line.where, "other": seen[line.key].where}
            )
        seen[line.key] = line


def _check_line(unit: Unit, line: Line, allowed: set[int]) -> None:
    if line.category not in CostCategory.values:
        raise CostInputError(_("%(where)s: unknown category.") % {"where": line.where})
    if line.amount_yuan < 0 or (line.quantity is not None and line.quantity < 0):
        raise CostInputError(_("%(where)s: figures cannot be negative.") % {"where": line.where})
    if line.quantity is not None and line.category not in UTILITIES:
        raise CostInputError(
            _("%(where)s: only utilities carry a quantity, not %(category)s.")
            % {"where": line.where, "category": CostCategory(line.category).label}
        )
    if line.month is not None and not 1 <= line.month <= 12:
        raise CostInputError(_("%(where)s: the month must be 1 to 12.") % {"where": line.where})
    if line.building is not None and line.building.pk not in allowed:
        raise CostInputError(
            _("%(where)s: %(unit)s neither occupies nor manages the building %(building)s.")
            % {"where": line.where, "unit": unit.name, "building": line.building.name}
        )


def _save_records(cost_return: CostReturn, figures: UnitFigures, *, by: User, source: str) -> None:
    year = cost_return.campaign.year
    stored = CostRecord.objects.filter(unit=figures.unit, year=year)
    visible = {r.pk for r in stored.visible_to(by).only("pk")}
    untouchable: dict[Key, CostRecord] = {}
    replaceable: dict[Key, CostRecord] = {}
    for record in stored:
        key = (record.building_id, record.month, record.category)
        hand = record.source in HAND_SOURCES and record.pk in visible
        (replaceable if hand else untouchable)[key] = record
    _check_against_kept(figures.lines, untouchable)
    for line in figures.lines:
        _write_line(replaceable.pop(line.key, None), line, cost_return, figures.unit, source)
    CostRecord.objects.filter(pk__in=[r.pk for r in replaceable.values()]).delete()


def _check_against_kept(lines: Sequence[Line], kept: dict[Key, CostRecord]) -> None:
    """Refuse a line that would overwrite a kept record, and monthly rows mixed with a
    whole-year row of the same building and category (counted twice otherwise)."""
    periods: dict[tuple[int | None, str], list[tuple[int | None, str]]] = defaultdict(list)
    keys = {line.key for line in lines}
    for (building_id, month, category), record in kept.items():
        if (building_id, month, category) in keys:
            raise CostInputError(_kept_message(lines, record))
        periods[(building_id, category)].append((month, _record_label(record)))
    for line in lines:
        periods[(line.key[0], line.category)].append((line.month, line.where))
    for entries in periods.values():
        whole = [where for month, where in entries if month is None]
        monthly = [where for month, where in entries if month is not None]
        if whole and monthly:
            raise CostInputError(
                _(
                    "%(whole)s is a figure for the whole year, %(monthly)s for a month of the same "
                    "building and category: give either monthly figures or one yearly figure."
                )
                % {"whole": whole[0], "monthly": monthly[0]}
            )


def _record_label(record: CostRecord) -> str:
    if record.source == CostSource.FLEET:
        return _("the record taken from the fleet for %(period)s") % {"period": _period(record)}
    return _("a record you cannot see")


def _period(record: CostRecord) -> str:
    return f"{record.year}-{record.month:02d}" if record.month else str(record.year)


def _kept_message(lines: Sequence[Line], record: CostRecord) -> str:
    where = next(
        line.where
        for line in lines
        if line.key == (record.building_id, record.month, record.category)
    )
    if record.source == CostSource.FLEET:
        return _(
            "%(where)s: the official vehicle costs of %(period)s come from the fleet's trips and "
            "cannot be edited by hand; use “Take from the fleet” to refresh them."
        ) % {"where": where, "period": _period(record)}
    return _("%(where)s: this figure exists on a record you may not change.") % {"where": where}


def _write_line(
    record: CostRecord | None, line: Line, cost_return: CostReturn, unit: Unit, source: str
) -> None:
    values = {
        "amount_yuan": money(line.amount_yuan),
        "quantity": None if line.quantity is None else money(line.quantity),
    }
    if record is None:
        record = CostRecord(
            unit=unit,
            building=line.building,
            year=cost_return.campaign.year,
            month=line.month,
            category=line.category,
        )
    elif all(getattr(record, name) == value for name, value in values.items()):
        return
    for name, value in values.items():
        setattr(record, name, value)
    record.source = source
    record.cost_return = cost_return
    record.save()


def _save_budgets(year: int, figures: UnitFigures) -> None:
    stored = {b.category: b for b in CostBudget.objects.filter(unit=figures.unit, year=year)}
    for category, amount in figures.budgets.items():
        if amount < 0:
            raise CostInputError(
                _("The budget of %(unit)s for %(category)s cannot be negative.")
                % {"unit": figures.unit.name, "category": CostCategory(category).label}
            )
        budget = stored.pop(category, None) or CostBudget(
            unit=figures.unit, year=year, category=category
        )
        if budget.pk is None or budget.amount_yuan != money(amount):
            budget.amount_yuan = money(amount)
            budget.save()
    CostBudget.objects.filter(pk__in=[b.pk for b in stored.values()]).delete()


def _save_basis(year: int, unit: Unit, basis: Basis) -> None:
    if basis.usable_area_m2 < 0 or basis.staff < 0 or basis.vehicles < 0:
        raise CostInputError(
            _("The basis of %(unit)s cannot hold negative figures.") % {"unit": unit.name}
        )
    CostBasis.objects.update_or_create(
        unit=unit,
        year=year,
        defaults={
            "usable_area_m2": money(basis.usable_area_m2),
            "staff": basis.staff,
            "vehicles": basis.vehicles,
        },
    )
