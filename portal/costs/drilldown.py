"""A unit's running costs over the years (its table and its inline-SVG trend charts) and a
building's drill-down (the records the reader may see on it, by year and category, per m²).

Both read the same :class:`~portal.costs.indicators.UnitYear` rows and the same final /
provisional rule as the dashboard (:func:`portal.costs.dashboard.final_years`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from django.db.models import Sum
from django.utils.translation import gettext as _

from portal.buildings.models import Building, Occupancy
from portal.costs.charts import Point, bar_chart, line_chart
from portal.costs.choices import CostCategory
from portal.costs.dashboard import (
    RATES,
    UNITS,
    ZERO,
    category_amounts,
    final_years,
    indicator_texts,
    ratio,
    shown,
)
from portal.costs.indicators import INDICATORS, Outlier, UnitYear, compute_for
from portal.costs.models import CostBudget, CostRecord

TREND_CHARTS: Final = ("per_m2_yuan", "per_person_yuan", "energy_per_m2_kgce", "execution_rate")


@dataclass(frozen=True)
class YearLine:
    """One year of a unit's table: its figures as printed and whether they are final."""

    row: UnitYear
    final: bool

    @property
    def categories(self) -> list[Decimal]:
        return category_amounts(self.row.by_category)

    @property
    def texts(self) -> list[str]:
        return indicator_texts(self.row)


@dataclass(frozen=True)
class BudgetLine:
    """One category of a unit's year: its budget (None without one), what it spent and the
    execution rate as the page prints it."""

    label: str
    budget: Decimal | None
    actual: Decimal

    @property
    def execution(self) -> str:
        rate = None if self.budget is None else ratio(self.actual, self.budget, "execution_rate")
        return shown("execution_rate", rate)


def budget_lines(user: Any, row: UnitYear) -> list[BudgetLine]:
    """Budget against actual by category for one of the unit's years (one query)."""
    budgets = CostBudget.objects.visible_to(user).filter(unit_id=row.unit_id, year=row.year)
    by_category = dict(budgets.values_list("category", "amount_yuan"))
    return [
        BudgetLine(str(label), by_category.get(value), row.by_category.get(value, ZERO))
        for value, label in CostCategory.choices
    ]


@dataclass
class UnitTrend:
    """A unit's years (oldest first), which are final, its charts and the buildings it
    reported costs on."""

    rows: list[UnitYear]
    final: set[int]
    charts: list[Any]
    buildings: list[tuple[int, str, Decimal]]  # building id, name, Σ over the years shown
    budgets: list[BudgetLine]  # the latest year's categories, budget against actual

    @property
    def budget_year(self) -> int | None:
        return self.rows[-1].year if self.rows else None

    @property
    def outliers(self) -> list[Outlier]:
        return [outlier for row in self.rows for outlier in row.outliers]

    @property
    def lines(self) -> list[YearLine]:
        return [YearLine(row, row.year in self.final) for row in self.rows]


def unit_years(user: Any, unit: Any) -> list[int]:
    records = CostRecord.objects.visible_to(user).filter(unit=unit)
    return sorted(set(records.values_list("year", flat=True)))


def every_year(rows: list[UnitYear]) -> list[tuple[int, UnitYear | None]]:
    """Each year from the first row's to the last's (rows oldest first), None where the unit
    has no records: a chart leaves that year empty instead of joining its neighbours."""
    if not rows:
        return []
    found = {row.year: row for row in rows}
    return [(year, found.get(year)) for year in range(rows[0].year, rows[-1].year + 1)]


def _total_point(year: int, row: UnitYear | None) -> Point:
    if row is None:
        return Point(str(year), None, "—")
    budget = row.budget_yuan
    return Point(
        str(year),
        row.total_yuan,
        f"{row.total_yuan:,}",
        reference=budget,
        reference_text="" if budget is None else _("budget %(amount)s") % {"amount": f"{budget:,}"},
    )


def _total_chart(rows: list[UnitYear]) -> Any:
    points = [_total_point(year, row) for year, row in every_year(rows)]
    return bar_chart(points, title=_("Total against budget"), unit=_("yuan"))


def _indicator_chart(rows: list[UnitYear], indicator: str) -> Any:
    def point(year: int, row: UnitYear | None) -> Point:
        value = None if row is None else getattr(row, indicator)
        scaled = value * 100 if value is not None and indicator in RATES else value
        return Point(str(year), scaled, shown(indicator, value))

    points = [point(year, row) for year, row in every_year(rows)]
    return line_chart(points, title=str(INDICATORS[indicator]), unit=str(UNITS[indicator]))


def unit_buildings(user: Any, unit: Any, years: list[int]) -> list[tuple[int, str, Decimal]]:
    records = CostRecord.objects.visible_to(user).filter(
        unit=unit, year__in=years, building__isnull=False
    )
    grouped = records.order_by().values_list("building_id", "building__name")
    rows = grouped.annotate(total=Sum("amount_yuan")).order_by("building__name")
    return list(rows)


def unit_trend(user: Any, unit: Any) -> UnitTrend:
    """The unit's figures for every year it has records the reader may see."""
    years = unit_years(user, unit)
    rows = [
        r
        for r in compute_for(user, years, division_prefix=unit.division.code)
        if r.unit_id == unit.pk
    ]
    rows.sort(key=lambda r: r.year)
    charts = [_total_chart(rows)] if rows else []
    charts += [_indicator_chart(rows, key) for key in TREND_CHARTS if rows]
    budgets = budget_lines(user, rows[-1]) if rows else []
    return UnitTrend(rows, final_years(years), charts, unit_buildings(user, unit, years), budgets)


# -- a building's drill-down -------------------------------------------------------------------


@dataclass(frozen=True)
class BuildingYear:
    year: int
    by_category: dict[str, Decimal]  # every category, zeros included
    total_yuan: Decimal
    per_m2_yuan: Decimal | None
    final: bool

    @property
    def categories(self) -> list[Decimal]:
        return category_amounts(self.by_category)


@dataclass
class BuildingCosts:
    """The records the reader may see on one building, by year and category, per m² of the
    building's usable area (the occupancies' allocations where the building has none)."""

    building: Building
    area_m2: Decimal | None
    years: list[BuildingYear]
    units: list[str]

    @property
    def total_yuan(self) -> Decimal:
        return sum((y.total_yuan for y in self.years), ZERO)


def building_area(building: Building) -> Decimal | None:
    if building.usable_area_m2:
        return Decimal(building.usable_area_m2)
    allocated = Occupancy.objects.filter(building=building).aggregate(a=Sum("usable_area_m2"))
    return allocated["a"] or None


def building_costs(user: Any, building: Building) -> BuildingCosts:
    records = CostRecord.objects.visible_to(user).filter(building=building).order_by()
    grouped = records.values_list("year", "category").annotate(total=Sum("amount_yuan"))
    table: dict[int, dict[str, Decimal]] = {}
    for year, category, total in grouped:
        table.setdefault(year, dict.fromkeys(CostCategory.values, ZERO))[category] = total
    area = building_area(building)
    final = final_years(table)
    years = [
        BuildingYear(
            year,
            table[year],
            total := sum(table[year].values(), ZERO),
            None if area is None else ratio(total, area, "per_m2_yuan"),
            year in final,
        )
        for year in sorted(table)
    ]
    names = records.values_list("unit__name", flat=True).distinct().order_by("unit__name")
    return BuildingCosts(building, area, years, list(names))
