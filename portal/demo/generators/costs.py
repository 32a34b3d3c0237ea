"""The costs stage: ten years of running costs for every demo unit, their bases and budgets,
the statistics rounds they were reported in, and the vehicle costs taken from the fleet.

Utilities carry their metered quantity, on the unit's main building: monthly from
``MONTHLY_SINCE``, whole-year figures before; the other categories are whole-year figures.
A unit's consumption follows the norms of :mod:`portal.demo.data.costs` times its own
habits, so units of one level and kind stay close to their median, except the deliberate
outliers. Units whose return in the open round is not
started have no figures for that year yet. Vehicle costs of the months the fleet demo has trips
are computed from the trips as the fleet feed computes them (source "fleet"); the other years
carry a whole-year vehicle figure. Rows are COPYed with their historic times.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import Count, Max, Min, Sum

from portal.buildings.models import Occupancy
from portal.costs.choices import UTILITIES, CostCategory, CostSource, ReturnStatus
from portal.costs.models import CostBasis, CostBudget, CostRecord
from portal.costs.services.fleet_feed import monthly_vehicle_costs
from portal.demo.data import costs as data
from portal.demo.generators import cost_campaigns
from portal.demo.generators.copying import NULL, copy_rows
from portal.demo.generators.world import DemoUnit, World
from portal.fleet.choices import VehicleStatus
from portal.fleet.models import Trip, Vehicle

ANNUAL = ("property", "repairs", "rent", "conferences", "training", "other", "vehicles")
RECORD_COLUMNS = (
    "unit_id",
    "building_id",
    "year",
    "month",
    "category",
    "amount_yuan",
    "quantity",
    "source",
    "cost_return_id",
    "synthetic",
    "created_at",
    "updated_at",
)
BASIS_COLUMNS = (
    "unit_id",
    "year",
    "usable_area_m2",
    "staff",
    "vehicles",
    "synthetic",
    "created_at",
    "updated_at",
)
BUDGET_COLUMNS = (
    "unit_id",
    "year",
    "category",
    "amount_yuan",
    "synthetic",
    "created_at",
    "updated_at",
)
SHANGHAI = cost_campaigns.SHANGHAI


@dataclass(eq=False)
class CostUnit:
    """A demo unit with what its costs follow: its current bases and its habits."""

    unit: DemoUnit
    building: int | None
    area_m2: float
    staff: int
    vehicles: int
    habit: float
    gas: bool
    heated: bool
    rents: bool
    outlier: tuple[str, tuple[str, ...], float] | None
    # Per year: area (m²), staff and vehicles, drifting back from the current figures.
    bases: dict[int, tuple[float, int, int]]

    @property
    def pk(self) -> int:
        assert self.unit.model is not None
        return self.unit.model.pk

    def factor(self, year: int, category: str) -> float:
        """The deliberate outlier's multiplier of ``category`` in ``year`` (1 otherwise)."""
        if self.outlier is None or year < data.OUTLIER_SINCE:
            return 1.0
        _kind, categories, factor = self.outlier
        return factor if category in categories else 1.0


def _current() -> tuple[dict[int, float], dict[int, int]]:
    """Per demo unit: its usable area over its occupancies and its vehicles in service."""
    areas = (
        Occupancy.objects.filter(unit__synthetic=True)
        .values("unit")
        .annotate(total=Sum("usable_area_m2"))
        .values_list("unit", "total")
    )
    vehicles = (
        Vehicle.objects.filter(holder__synthetic=True)
        .exclude(status=VehicleStatus.RETIRED)
        .values("holder")
        .annotate(count=Count("pk"))
        .values_list("holder", "count")
    )
    return {pk: float(total) for pk, total in areas}, dict(vehicles)


def _bases(area: float, headcount: int, vehicles: int, rng: np.random.Generator) -> dict:
    """The bases of every year, drifting back from the current ones (units grew a little)."""
    bases, staff = {}, float(headcount)
    for year in reversed(data.YEARS):
        held = round(vehicles * data.VEHICLES_BEFORE_REFORM.get(year, 1.0))
        bases[year] = (round(area, 2), max(1, round(staff)), held)
        area *= 1 - float(rng.uniform(-0.5, 1)) * data.BASIS_DRIFT
        staff *= 1 - float(rng.uniform(-0.5, 1)) * data.BASIS_DRIFT
    return bases


def plan_units(world: World, rng: np.random.Generator) -> list[CostUnit]:
    """Every demo unit with its bases and habits; one in ``OUTLIER_EVERY`` an outlier."""
    areas, vehicles = _current()
    planned = []
    for index, unit in enumerate(cost_campaigns.reporting_units(world)):
        assert unit.model is not None
        area = areas.get(unit.model.pk) or 25.0 * unit.headcount
        building = unit.main_building
        deliberate = index % data.OUTLIER_EVERY == data.OUTLIER_EVERY // 2
        kind = data.OUTLIERS[(index // data.OUTLIER_EVERY) % len(data.OUTLIERS)]
        held = vehicles.get(unit.model.pk, 0)
        planned.append(
            CostUnit(
                unit=unit,
                building=building.pk if building is not None else None,
                area_m2=area,
                staff=unit.headcount,
                vehicles=held,
                habit=float(rng.uniform(*data.UNIT_SPREAD)),
                gas=bool(rng.random() < data.GAS_SHARE),
                heated=unit.place.code.startswith(data.HEATED_PREFIXES),
                rents=bool(rng.random() < data.RENT_SHARE),
                outlier=kind if deliberate else None,
                bases=_bases(area, unit.headcount, held, rng),
            )
        )
    return planned


# A figure to write: category, month (None: the whole year), quantity, amount (yuan).
Figure = tuple[str, int | None, float | None, float | Decimal]


def _noise(rng: np.random.Generator) -> float:
    return max(0.5, 1 + float(rng.normal(0, data.YEAR_NOISE)))


def _used_m2(area: float, staff: int) -> float:
    """The area that drives energy and upkeep (see ``data.NORMAL_M2_PER_PERSON``)."""
    normal = staff * data.NORMAL_M2_PER_PERSON
    return normal * (area / normal) ** data.AREA_ELASTICITY


def _utilities(unit: CostUnit, year: int, rng: np.random.Generator) -> list[Figure]:
    """Monthly metered use and its cost: the norm times habits, season and noise."""
    area, staff, _vehicles = unit.bases[year]
    area = _used_m2(area, staff)
    step = year - data.FIRST_YEAR
    annual = {
        "electricity": area * data.KWH_PER_M2 * (1 - data.EFFICIENCY_GAIN) ** step,
        "water": staff * data.WATER_M3_PER_PERSON,
        "gas": staff * data.GAS_M3_PER_PERSON if unit.gas else 0.0,
        "heating": area * data.HEATING_GJ_PER_M2 if unit.heated else 0.0,
    }
    figures: list[Figure] = []
    for category, use in annual.items():
        if not use:
            continue
        use *= unit.habit * unit.factor(year, category) * _noise(rng)
        shares = np.array(data.MONTH_SHARES[category], dtype=float)
        months = use * shares / shares.sum() * (1 + rng.normal(0, data.MONTH_NOISE, 12))
        price = data.PRICES[category] * (1 + data.PRICE_GROWTH) ** step
        if year < data.MONTHLY_SINCE:
            q = round(float(months.sum()), 2)
            figures.append((category, None, q, q * price))
            continue
        figures += [
            (category, month, round(q, 2), round(q, 2) * price)
            for month, q in enumerate(months.tolist(), 1)
            if shares[month - 1] > 0
        ]
    return figures


def _annual(unit: CostUnit, year: int, rng: np.random.Generator) -> list[Figure]:
    """Whole-year figures of the other categories (vehicles: see :func:`write_costs`)."""
    area, staff, vehicles = unit.bases[year]
    growth = (1 + data.PRICE_GROWTH) ** (year - data.FIRST_YEAR)
    major = data.MAJOR_REPAIRS_FACTOR if rng.random() < data.MAJOR_REPAIRS_SHARE else 1.0
    used = _used_m2(area, staff)
    amounts = {category: used * per_m2 for category, per_m2 in data.PER_M2_YUAN.items()}
    amounts["repairs"] *= major
    amounts["rent"] = area * data.RENT_YUAN_PER_M2 * 0.3 if unit.rents else 0.0
    amounts.update({c: staff * per for c, per in data.PER_PERSON_YUAN.items()})
    amounts["vehicles"] = vehicles * data.PER_VEHICLE_YUAN + staff * data.POOLED_PER_PERSON_YUAN
    return [
        (
            category,
            None,
            None,
            amount * growth * unit.habit * unit.factor(year, category) * _noise(rng),
        )
        for category, amount in amounts.items()
        if amount
    ]


def fleet_costs(units: list[CostUnit]) -> dict[tuple[int, int, int], tuple[Decimal, dt.datetime]]:
    """Per (unit, year, month) with trips, the vehicle cost the fleet feed computes, and when
    the record is taken: the month's end, or the fleet's last trip for the current month."""
    last = Trip.objects.filter(vehicle__synthetic=True).aggregate(
        first=Min("actual_end"), last=Max("actual_end")
    )
    if last["first"] is None:
        return {}
    years = range(
        last["first"].astimezone(SHANGHAI).year, last["last"].astimezone(SHANGHAI).year + 1
    )
    costs = monthly_vehicle_costs([unit.pk for unit in units], years)
    taken = {}
    for (pk, year, month), amount in costs.items():
        end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=SHANGHAI)
        taken[(pk, year, month)] = (amount, min(end, last["last"]))
    return taken


# The categories recorded on the unit's main building; the others belong to the unit as a whole.
ON_BUILDING = frozenset(map(str, (*UTILITIES, "property", "repairs", "rent")))


def _text(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _rows(
    unit: int, building: int | None, year: int, figures: list[Figure], **extra: object
) -> list[tuple[str, ...]]:
    """Record rows in RECORD_COLUMNS order; ``extra``: source, cost_return_id, at.

    The columns shared by a unit-year's rows are formatted once: formatting every value of
    every row on its own was a third of the stage's time."""
    pk, on_building, y = str(unit), _text(building), str(year)
    shared = (str(extra["source"]), _text(extra["cost_return_id"]), "t", *[_text(extra["at"])] * 2)
    return [
        (
            pk,
            on_building if category in ON_BUILDING else NULL,
            y,
            NULL if month is None else str(month),
            str(category),
            f"{amount:.2f}",
            NULL if quantity is None else f"{quantity:.2f}",
            *shared,
        )
        for category, month, quantity, amount in figures
    ]


def _budgets(unit: CostUnit, year: int, figures: list[Figure], rng: np.random.Generator) -> list:
    """A budget per category the unit spends on, the actual being 86–104 % of it."""
    spent: dict[str, float] = defaultdict(float)
    for category, _month, _quantity, amount in figures:
        spent[category] += round(amount, 2)
    pk, y, at = str(unit.pk), str(year), _text(dt.datetime(year, 1, 10, 10, tzinfo=SHANGHAI))
    return [
        [pk, y, category, f"{total / rng.uniform(*data.EXECUTION):.2f}", "t", at, at]
        for category, total in sorted(spent.items())
    ]


def _basis_rows(unit: CostUnit) -> list[list[str]]:
    rows = []
    for year, (area, staff, vehicles) in sorted(unit.bases.items()):
        at = _text(dt.datetime(year + 1, 3, 5, 10, tzinfo=SHANGHAI))
        rows.append(
            [str(unit.pk), str(year), f"{area:.2f}", str(staff), str(vehicles), "t", at, at]
        )
    return rows


def _fleet_rows(
    months: dict[tuple[int, int, int], tuple[Decimal, dt.datetime]],
    units: list[CostUnit],
    rounds: cost_campaigns.Rounds,
) -> list[tuple[str, ...]]:
    codes = {unit.pk: unit.unit.place.code for unit in units}
    rows = []
    for (pk, year, month), (amount, at) in sorted(months.items()):
        plan = rounds.returns.get((year, codes[pk])) if pk in codes else None
        figure: Figure = (CostCategory.VEHICLES, month, None, amount)
        rows += _rows(
            pk,
            None,
            year,
            [figure],
            source=CostSource.FLEET,
            at=at,
            cost_return_id=plan.pk if plan else None,
        )
    return rows


def write_costs(world: World, rng: np.random.Generator) -> int:
    """The rounds, then every unit's bases, budgets and records; return the rows written."""
    rounds = cost_campaigns.write_rounds(world, rng)
    units = plan_units(world, rng)
    months = fleet_costs(units)
    fed = {(pk, year) for pk, year, _month in months}
    records, budgets, bases = [], [], []
    for unit in units:
        bases += _basis_rows(unit)
        for year in data.YEARS:
            figures = _utilities(unit, year, rng) + _annual(unit, year, rng)
            if (unit.pk, year) in fed:
                figures = [f for f in figures if f[0] != CostCategory.VEHICLES]
            budgets += _budgets(unit, year, figures, rng)
            plan = rounds.returns[(year, unit.unit.place.code)]
            if plan.status == ReturnStatus.NOT_STARTED:
                continue
            extra = {"source": CostSource.FORM, "cost_return_id": plan.pk, "at": plan.steps[0][5]}
            records += _rows(unit.pk, unit.building, year, figures, **extra)
    records += _fleet_rows(months, units, rounds)
    written = _copy(CostBasis, BASIS_COLUMNS, bases, world)
    written += _copy(CostBudget, BUDGET_COLUMNS, budgets, world)
    return rounds.rows + written + _copy(CostRecord, RECORD_COLUMNS, records, world)


def _copy(
    model: type, columns: tuple[str, ...], rows: Sequence[Sequence[str]], world: World
) -> int:
    """COPY ``rows`` (each a sequence of formatted values in ``columns`` order).

    Each row goes to ``copy_rows`` already joined, as one text column: transposing 300,000
    rows into columns for it to join them back row by row took seconds of the stage."""
    if not rows:
        return 0
    lines = ["\t".join(row) for row in rows]
    return copy_rows(model._meta.db_table, columns, [lines], history=world.history)
