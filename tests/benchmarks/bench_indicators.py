"""All running-cost indicators for ten years × a demo-sized set of units, against the equivalent
single SQL aggregation, on the same data.

The demo at its default scale ("small": every city and county) has about 1,120 units: 40
provincial ones, 4 per city (21 cities) and 4–5 per county (221 counties of Sichuan and
Chongqing). Here 1,222 units sit on the real divisions of Sichuan (40 provincial, 4 per city,
6 per county), each with a record for every category and every month of 2016–2025 (utilities
with their metered quantity): 1.6 million records, plus a basis and a budget per category for
every unit and year, all generated in SQL.

Ours: ``portal.costs.indicators.compute`` over every unit and the ten years (totals, categories,
budgets and execution, the per-m², per-person and per-vehicle costs, energy and water, the
change on the year before, the peer medians over every unit and the outliers, as dataclasses).
The baseline: one GROUP BY over the records with their bases and energy factors, giving the
same totals and ratios as tuples, which ours must equal. The issue asks ``ours / baseline <= 2``.

The two are timed in alternation (ours, baseline, ours, baseline, …) and each figure is the
median of its runs: on a shared machine the load drifts over the minute both take, and timing
all of one before all of the other would put that drift into the ratio.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from gis.codes import complete_uscc
from portal.core.choices import GovernmentLevel
from portal.costs.choices import CostCategory
from portal.costs.indicators import UnitYear, compute
from portal.org.choices import DivisionLevel, UnitKind
from portal.org.models import AdminDivision, Unit
from tests.benchmarks.conftest import LINES, Figure
from tests.benchmarks.divisions import load_divisions

YEARS = list(range(2016, 2026))
TARGET = 2.0
PROVINCIAL_UNITS, CITY_UNITS, COUNTY_UNITS = 40, 4, 6
PAIRS = 7

pytestmark = pytest.mark.django_db

# One record per unit, year, month and category; amounts and quantities vary with all four.
RECORDS = """
INSERT INTO costs_costrecord (synthetic, created_at, updated_at, unit_id, building_id, year,
    month, category, amount_yuan, quantity, source, cost_return_id)
SELECT true, now(), now(), u, NULL, y, m, c.category,
       round((100 + (u * 7 + y * 13 + m * 17 + c.k * 19) %% 900)::numeric * 1.37, 2),
       CASE WHEN c.category = ANY(%(utilities)s)
            THEN round(((u * 3 + m * 11 + c.k) %% 500 + 50)::numeric * 1.5, 2) END,
       'form', NULL
FROM unnest(%(units)s::bigint[]) AS u,
     generate_series(%(first)s, %(last)s) AS y,
     generate_series(1, 12) AS m,
     unnest(%(categories)s::text[]) WITH ORDINALITY AS c(category, k)
"""

# Some units have no vehicle (their cost per vehicle is None), areas and staff drift by year.
BASES = """
INSERT INTO costs_costbasis (synthetic, created_at, updated_at, unit_id, year, usable_area_m2,
    staff, vehicles)
SELECT true, now(), now(), u, y, 400 + (u * 37 + y) %% 3000 + 0.25 * (y %% 4),
       10 + (u * 13 + y) %% 120, (u + y) %% 6
FROM unnest(%(units)s::bigint[]) AS u, generate_series(%(first)s, %(last)s) AS y
"""

BUDGETS = """
INSERT INTO costs_costbudget (synthetic, created_at, updated_at, unit_id, year, category,
    amount_yuan)
SELECT true, now(), now(), u, y, c, 12 * 700 + (u * 5 + y) %% 2000
FROM unnest(%(units)s::bigint[]) AS u, generate_series(%(first)s, %(last)s) AS y,
     unnest(%(categories)s::text[]) AS c
"""

# The baseline: the same totals and ratios in one aggregation, without budgets, changes, medians.
BASELINE = """
SELECT r.unit_id, r.year, sum(r.amount_yuan),
       round(sum(r.amount_yuan) / NULLIF(b.usable_area_m2, 0), 2),
       round(sum(r.amount_yuan) / NULLIF(b.staff, 0), 2),
       round(sum(r.amount_yuan) FILTER (WHERE r.category = 'vehicles') / NULLIF(b.vehicles, 0), 2),
       round(sum(r.quantity * f.kgce_per_unit) / NULLIF(b.usable_area_m2, 0), 2),
       round(sum(r.quantity * f.kgce_per_unit) / NULLIF(b.staff, 0), 2),
       round(sum(r.quantity) FILTER (WHERE r.category = 'water') / NULLIF(b.staff, 0), 2)
FROM costs_costrecord r
LEFT JOIN costs_energyfactor f ON f.category = r.category
LEFT JOIN costs_costbasis b ON b.unit_id = r.unit_id AND b.year = r.year
WHERE r.year = ANY(%(years)s)
GROUP BY r.unit_id, r.year, b.usable_area_m2, b.staff, b.vehicles
"""

KINDS = list(UnitKind.values)


def _units(divisions: dict[str, AdminDivision]) -> list[int]:
    plan = []
    for division in divisions.values():
        if division.level == DivisionLevel.PROVINCE:
            plan += [(division, GovernmentLevel.PROVINCE)] * PROVINCIAL_UNITS
        elif division.level == DivisionLevel.CITY:
            plan += [(division, GovernmentLevel.CITY)] * CITY_UNITS
        else:
            plan += [(division, GovernmentLevel.COUNTY)] * COUNTY_UNITS
    units = [
        Unit(
            credit_code=complete_uscc(f"11{division.code}{index:09d}"),
            name=f"基准单位{index:05d}",
            kind=KINDS[index % len(KINDS)],
            level=level,
            division=division,
            location=Point(104.06, 30.66, srid=4490),
            synthetic=True,
        )
        for index, (division, level) in enumerate(plan)
    ]
    return [unit.pk for unit in Unit.objects.bulk_create(units)]


def _world() -> list[int]:
    unit_ids = _units(load_divisions("51"))
    params = {
        "units": unit_ids,
        "first": YEARS[0],
        "last": YEARS[-1],
        "categories": list(CostCategory.values),
        "utilities": [
            CostCategory.ELECTRICITY,
            CostCategory.WATER,
            CostCategory.GAS,
            CostCategory.HEATING,
        ],
    }
    with connection.cursor() as cursor:
        for name, statement in (("records", RECORDS), ("bases", BASES), ("budgets", BUDGETS)):
            start = time.perf_counter()
            cursor.execute(statement, params)
            print(f"setup {name}: {time.perf_counter() - start:.1f} s")
        cursor.execute("ANALYZE costs_costrecord, costs_costbasis, costs_costbudget, org_unit")
    return unit_ids


def _ours() -> list[UnitYear]:
    return compute(Unit.objects.all(), YEARS)


def _baseline() -> list[tuple]:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        cursor.execute(BASELINE, {"years": YEARS})
        return cursor.fetchall()


def _figures(row: UnitYear) -> tuple[object, ...]:
    return (
        row.unit_id,
        row.year,
        row.total_yuan,
        row.per_m2_yuan,
        row.per_person_yuan,
        row.per_vehicle_yuan,
        row.energy_per_m2_kgce,
        row.energy_per_person_kgce,
        row.water_per_person_m3,
    )


def _seconds(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _interleaved(name: str, ours: Callable[[], object], baseline: Callable[[], object]) -> Figure:
    """Median times of ``PAIRS`` alternating runs of ours and the baseline, after one warm-up of
    each, as a BENCH line (the format of tests/benchmarks/conftest.py)."""
    ours()
    baseline()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(PAIRS):
        times[0].append(_seconds(ours))
        times[1].append(_seconds(baseline))
    figure = Figure(name, statistics.median(times[0]), statistics.median(times[1]), TARGET)
    LINES.append(figure.line())
    print(figure.line())
    return figure


def test_indicators_of_ten_years() -> None:
    unit_ids = _world()
    ours, baseline = _ours(), _baseline()
    assert len(ours) == len(unit_ids) * len(YEARS) >= 1_120 * 10
    assert sorted(map(_figures, ours)) == sorted(baseline)
    assert all(row.budget_yuan is not None and row.execution_rate is not None for row in ours)
    assert sum(1 for row in ours if row.yoy_change is not None) == len(unit_ids) * 9
    assert sum(row.total_yuan for row in ours) > Decimal(0)
    print(f"rows={len(ours)} outliers={sum(len(row.outliers) for row in ours)}")
    figure = _interleaved("costs_indicators_10y", _ours, _baseline)
    assert figure.ratio <= TARGET, figure.line()
