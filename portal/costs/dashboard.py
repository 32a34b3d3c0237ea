"""Running costs in figures for the dashboard, the ranking, a unit's trends and a building's
drill-down, all over what the reader may see.

Unit figures come from :func:`portal.costs.indicators.compute_for` (scoped by the reader), so
the page, the ranking, the XLSX and the PDF read the same :class:`UnitYear` rows. A division's
figure is a ratio of sums over its units that have the indicator (Σ cost / Σ area, never a mean
of the units' ratios), so a large unit weighs as much as its area. A year whose statistics round
is published is final; any other year is provisional and labelled so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.functions import ForcePolygonCCW, SimplifyPreserveTopology
from portal.costs.choices import CampaignStatus, CostCategory
from portal.costs.indicators import INDICATORS, Outlier, UnitYear, compute_for
from portal.costs.models import CostCampaign
from portal.org.choices import DivisionLevel
from portal.org.models import AdminDivision
from portal.parcels.campaign import region_prefix

LEVELS: Final = ("city", "county")
DEFAULT_INDICATOR: Final = "per_m2_yuan"
RATES: Final = frozenset({"yoy_change", "execution_rate"})  # shown as percentages
# Degrees of thinning per level, for display only (as the title campaign's map).
TOLERANCE_DEG: Final = {"city": 0.01, "county": 0.004}
# Five equal-interval classes from the lowest to the highest division, light to dark.
COLOURS: Final = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
NO_DATA: Final = "#e4e7eb"
UNITS: Final = {
    "per_m2_yuan": gettext_lazy("yuan/m²"),
    "per_person_yuan": gettext_lazy("yuan/person"),
    "per_vehicle_yuan": gettext_lazy("yuan/vehicle"),
    "energy_per_m2_kgce": gettext_lazy("kgce/m²"),
    "energy_per_person_kgce": gettext_lazy("kgce/person"),
    "water_per_person_m3": gettext_lazy("m³/person"),
    "yoy_change": "%",
    "execution_rate": "%",
}
CENT: Final = Decimal("0.01")
ZERO: Final = Decimal("0.00")


def places(indicator: str) -> Decimal:
    """The rounding of an indicator, as :mod:`portal.costs.indicators` rounds it."""
    return Decimal("0.0001") if indicator in RATES else CENT


def ratio(numerator: Decimal, denominator: Decimal, indicator: str) -> Decimal | None:
    if not denominator:
        return None
    return (numerator / denominator).quantize(places(indicator), rounding=ROUND_HALF_UP)


def shown(indicator: str, value: Decimal | None) -> str:
    """The value as a page prints it: rates in per cent with one decimal, others as they are."""
    if value is None:
        return "—"
    if indicator in RATES:
        return f"{(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    return f"{value:,}"


@dataclass(frozen=True)
class DashboardFilter:
    """What the dashboard and its exports show: a year, an indicator, the map's level and a
    division code prefix."""

    year: int
    indicator: str = DEFAULT_INDICATOR
    level: str = LEVELS[0]
    prefix: str = ""

    @property
    def indicator_label(self) -> str:
        return str(INDICATORS[self.indicator])

    @property
    def unit_label(self) -> str:
        return str(UNITS[self.indicator])


# What a division's figure sums for each indicator: ``(numerator, denominator)`` of one unit's
# year, or None where the unit lacks the indicator (it is then left out of both sums).
Parts = Callable[[UnitYear, "Extras"], tuple[Decimal, Decimal] | None]


@dataclass(frozen=True)
class Extras:
    """What a unit year does not carry but a division's sum needs."""

    previous_total: dict[int, Decimal] = field(default_factory=dict)  # unit → last year's total


def _over(numerator: Decimal | None, denominator: Decimal | int | None) -> Any:
    if numerator is None or not denominator:
        return None
    return Decimal(numerator), Decimal(denominator)


PARTS: Final[dict[str, Parts]] = {
    "per_m2_yuan": lambda r, x: _over(r.total_yuan, r.area_m2),
    "per_person_yuan": lambda r, x: _over(r.total_yuan, r.staff),
    "per_vehicle_yuan": lambda r, x: _over(r.by_category[CostCategory.VEHICLES], r.vehicles),
    "energy_per_m2_kgce": lambda r, x: _over(r.energy_kgce, r.area_m2),
    "energy_per_person_kgce": lambda r, x: _over(r.energy_kgce, r.staff),
    "water_per_person_m3": lambda r, x: _over(r.water_m3, r.staff),
    "execution_rate": lambda r, x: _over(r.total_yuan, r.budget_yuan),
    "yoy_change": lambda r, x: _yoy_parts(r, x),
}


def _yoy_parts(row: UnitYear, extras: Extras) -> tuple[Decimal, Decimal] | None:
    before = extras.previous_total.get(row.unit_id)
    return None if not before else (row.total_yuan - before, before)


@dataclass
class RegionFigure:
    """A division (or everything shown) summed over its units: the indicator's ratio of sums."""

    code: str
    name: str
    prefix: str = ""  # the code prefix gathering the division's units
    units: int = 0  # units with the indicator
    numerator: Decimal = ZERO
    denominator: Decimal = ZERO
    total_yuan: Decimal = ZERO  # every unit's total, with or without the indicator
    colour: str = NO_DATA

    def add(self, row: UnitYear, parts: tuple[Decimal, Decimal] | None) -> None:
        self.total_yuan += row.total_yuan
        if parts is not None:
            self.units += 1
            self.numerator += parts[0]
            self.denominator += parts[1]

    def value(self, indicator: str) -> Decimal | None:
        return ratio(self.numerator, self.denominator, indicator)


@dataclass(frozen=True)
class Ranked:
    """A unit's place in the ranking by the chosen indicator, with its outlier if any."""

    rank: int | None  # None for units without the indicator, listed last
    row: UnitYear
    value: Decimal | None
    outlier: Outlier | None
    text: str

    @property
    def categories(self) -> list[Decimal]:
        return category_amounts(self.row.by_category)

    @property
    def texts(self) -> list[str]:
        return indicator_texts(self.row)


@dataclass
class Dashboard:
    filters: DashboardFilter
    final: bool
    rows: list[UnitYear]
    ranking: list[Ranked]
    total: RegionFigure
    regions: list[RegionFigure]
    collection: dict[str, Any]  # GeoJSON FeatureCollection of the regions with their figures
    unplaced: RegionFigure | None  # units in divisions above the map's level
    legend: list[tuple[str, str]]
    budget_yuan: Decimal | None
    by_category: dict[str, Decimal]

    @property
    def categories(self) -> list[tuple[str, Decimal]]:
        return [(label, self.by_category[value]) for value, label in CostCategory.choices]

    @property
    def execution_rate(self) -> Decimal | None:
        """Σ actual ÷ Σ budget over the units that have a budget: a unit without one would
        otherwise add its spending to the actual side only."""
        budgeted = RegionFigure("", "")
        for row in self.rows:
            budgeted.add(row, PARTS["execution_rate"](row, Extras()))
        return budgeted.value("execution_rate")

    @property
    def execution_text(self) -> str:
        return shown("execution_rate", self.execution_rate)

    @property
    def unplaced_text(self) -> str:
        value = None if self.unplaced is None else self.unplaced.value(self.filters.indicator)
        return shown(self.filters.indicator, value)

    @property
    def outliers(self) -> list[tuple[UnitYear, Outlier]]:
        return [(row, outlier) for row in self.rows for outlier in row.outliers]

    @property
    def value(self) -> Decimal | None:
        return self.total.value(self.filters.indicator)

    @property
    def value_text(self) -> str:
        return shown(self.filters.indicator, self.value)


def category_amounts(by_category: dict[str, Decimal]) -> list[Decimal]:
    """Amounts in the order of :class:`CostCategory`, for table columns."""
    return [by_category[value] for value in CostCategory.values]


def indicator_texts(row: UnitYear) -> list[str]:
    """Every indicator of a unit year as printed, in the order of ``INDICATORS``."""
    return [shown(key, getattr(row, key)) for key in INDICATORS]


def final_years(years: Iterable[int]) -> set[int]:
    """Years whose statistics round is published: their figures are final."""
    published = CostCampaign.objects.filter(year__in=list(years), status=CampaignStatus.PUBLISHED)
    return set(published.values_list("year", flat=True))


def rank(rows: list[UnitYear], indicator: str) -> list[Ranked]:
    """Highest value first (the costliest at the top), units without the indicator last."""
    valued = sorted(
        (r for r in rows if getattr(r, indicator) is not None),
        key=lambda r: (-getattr(r, indicator), r.unit_name, r.unit_id),
    )
    missing = sorted((r for r in rows if getattr(r, indicator) is None), key=lambda r: r.unit_name)
    ranked = [_ranked(place, row, indicator) for place, row in enumerate(valued, start=1)]
    return ranked + [_ranked(None, row, indicator) for row in missing]


def _ranked(place: int | None, row: UnitYear, indicator: str) -> Ranked:
    value = getattr(row, indicator)
    outlier = next((o for o in row.outliers if o.indicator == indicator), None)
    return Ranked(place, row, value, outlier, shown(indicator, value))


def _region_rows(filters: DashboardFilter) -> Iterable[tuple[str, str, str, str]]:
    """``(code, name, level, GeoJSON)`` of the current divisions at the filter's level: "city"
    is every division directly below a province, "county" every county-level one. PostGIS
    thins the boundaries, winds their rings and writes the GeoJSON (lon/lat, 4 decimals)."""
    regions = AdminDivision.objects.filter(valid_to__isnull=True)
    if filters.level == "city":
        regions = regions.filter(parent__level=DivisionLevel.PROVINCE)
    else:
        regions = regions.filter(level=DivisionLevel.COUNTY)
    if filters.prefix:
        inside = Q(code__startswith=filters.prefix) | Q(code=filters.prefix[:4].ljust(6, "0"))
        regions = regions.filter(inside)
    thinned = SimplifyPreserveTopology("geom", TOLERANCE_DEG[filters.level])
    shape = AsGeoJSON(ForcePolygonCCW(thinned), precision=4)
    rows = regions.annotate(shape=shape).order_by("code")
    return rows.values_list("code", "name", "level", "shape")


def classes(values: list[Decimal]) -> list[Decimal]:
    """The four inner bounds of five equal intervals between the lowest and highest value."""
    if not values:
        return []
    low, high = min(values), max(values)
    return [low + (high - low) * step / 5 for step in range(1, 5)]


def colour_for(value: Decimal | None, bounds: list[Decimal]) -> str:
    if value is None:
        return NO_DATA
    return COLOURS[sum(1 for bound in bounds if value > bound)]


def legend(bounds: list[Decimal], values: list[Decimal], indicator: str) -> list[tuple[str, str]]:
    """``(colour, "low–high")`` per class, then the colour of divisions without figures."""
    rows = []
    if values:
        edges = [min(values), *bounds, max(values)]
        for colour, low, high in zip(COLOURS, edges[:-1], edges[1:], strict=True):
            low_text = shown(indicator, low.quantize(places(indicator), rounding=ROUND_HALF_UP))
            high_text = shown(indicator, high.quantize(places(indicator), rounding=ROUND_HALF_UP))
            rows.append((colour, f"{low_text} – {high_text}"))
    return [*rows, (NO_DATA, _("no figures"))]


def roll_up(
    rows: list[UnitYear], extras: Extras, filters: DashboardFilter
) -> tuple[list[RegionFigure], RegionFigure | None, list[str]]:
    """Unit years summed into the level's divisions; what falls above the level; the shapes."""
    parts = PARTS[filters.indicator]
    left = list(rows)
    regions, shapes = [], []
    for code, name, level, shape in _region_rows(filters):
        figure = RegionFigure(code, name, region_prefix(code, level))
        for row in [r for r in left if r.division_code.startswith(figure.prefix)]:
            figure.add(row, parts(row, extras))
            left.remove(row)
        regions.append(figure)
        shapes.append(shape)
    unplaced = RegionFigure("", _("above this level"))
    for row in left:
        unplaced.add(row, parts(row, extras))
    return regions, unplaced if left else None, shapes


def feature(figure: RegionFigure, shape: str, indicator: str) -> dict[str, Any]:
    value = figure.value(indicator)
    properties = {
        "code": figure.code,
        "name": figure.name,
        "prefix": figure.prefix,
        "units": figure.units,
        "value": None if value is None else str(value),
        "text": shown(indicator, value),
        "total_yuan": str(figure.total_yuan),
        "colour": figure.colour,
    }
    return {"type": "Feature", "geometry": json.loads(shape), "properties": properties}


def _extras(rows: list[UnitYear], filters: DashboardFilter) -> Extras:
    previous = {r.unit_id: r.total_yuan for r in rows if r.year == filters.year - 1}
    return Extras(previous_total=previous)


def _sum_optional(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def build_dashboard(user: Any, filters: DashboardFilter) -> Dashboard:
    """Everything the page, the map, the ranking and the exports show for ``filters``."""
    both = compute_for(user, [filters.year - 1, filters.year], division_prefix=filters.prefix)
    rows = [r for r in both if r.year == filters.year]
    extras = _extras(both, filters)
    total = RegionFigure("", _("All units shown"))
    for row in rows:
        total.add(row, PARTS[filters.indicator](row, extras))
    regions, unplaced, shapes = roll_up(rows, extras, filters)
    values = [v for v in (r.value(filters.indicator) for r in regions) if v is not None]
    bounds = classes(values)
    for region in regions:
        region.colour = colour_for(region.value(filters.indicator), bounds)
    features = [feature(r, s, filters.indicator) for r, s in zip(regions, shapes, strict=True)]
    return Dashboard(
        filters=filters,
        final=filters.year in final_years([filters.year]),
        rows=rows,
        ranking=rank(rows, filters.indicator),
        total=total,
        regions=regions,
        collection={"type": "FeatureCollection", "features": features},
        unplaced=unplaced,
        legend=legend(bounds, values, filters.indicator),
        budget_yuan=_sum_optional(r.budget_yuan for r in rows),
        by_category={c: sum((r.by_category[c] for r in rows), ZERO) for c in CostCategory.values},
    )
