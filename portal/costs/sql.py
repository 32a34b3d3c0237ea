"""Raw SQL of the costs app, parameterised. The indicators of every (unit, year) and the medians
of their peer groups come from one statement, so PostgreSQL scans the records once: a dashboard
of ten years over every unit stays close to the cost of a single aggregation.

The statement is assembled from the constant fragments below (never from input): the records a
reader may count differ from those the peers count only when the reader is not cleared for
every level, and only then is the second, filtered pass written into it."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from portal.costs.choices import CostCategory

# The records of the span of years (each requested year and the one before, for the change).
RECORDS_ALL = """
SELECT unit_id, year, category, amount_yuan, quantity
FROM costs_costrecord
WHERE year = ANY(%(span)s)
"""

# The records a reader not cleared for every level counts: those on no building, or on a
# building whose level he is cleared for (a record is hidden like its building).
RECORDS_CLEARED = """
SELECT r.unit_id, r.year, r.category, r.amount_yuan, r.quantity
FROM costs_costrecord r
LEFT JOIN buildings_building b ON b.id = r.building_id
WHERE r.year = ANY(%(span)s) AND r.unit_id = ANY(%(units)s)
  AND (r.building_id IS NULL OR b.confidentiality = ANY(%(cleared)s))
"""

# Per (unit, year) in one pass over the records: the total, each category, the vehicle costs,
# the energy in kgce (metered quantity × the factor of its category) and the water in m³. Water
# is no energy even where an administrator has given it a factor by mistake. Filtered sums
# rather than a first grouping by category: that grouping's hash table (a row per unit, year
# and category) made the statement twice as slow.
FIGURES = """
SELECT r.unit_id, r.year,
       sum(r.amount_yuan) AS total,
       jsonb_build_object({by_category}) AS by_category,
       coalesce(sum(r.amount_yuan) FILTER (WHERE r.category = %(vehicles)s), 0) AS vehicles_yuan,
       sum(r.quantity * f.kgce_per_unit) AS energy,
       sum(r.quantity) FILTER (WHERE r.category = %(water)s) AS water_m3
FROM ({records}) r
LEFT JOIN costs_energyfactor f ON f.category = r.category AND r.category <> %(water)s
GROUP BY r.unit_id, r.year
"""

# category → its sum as text (null without records), the categories passed as parameters.
BY_CATEGORY = ", ".join(
    f"%(category_{i})s::text, "
    f"(sum(r.amount_yuan) FILTER (WHERE r.category = %(category_{i})s::text))::text"
    for i in range(len(CostCategory))
)

# The indicators of the requested years from a figures relation; round() on numeric rounds
# half away from zero, which is half-up for these non-negative figures.
INDICATORS = """
SELECT f.unit_id, u.name AS unit_name, u.level, u.kind, d.code AS division_code, f.year,
       f.total, f.by_category, bud.budget,
       round(f.total / NULLIF(bud.budget, 0), 4) AS execution_rate,
       b.usable_area_m2 AS area_m2, b.staff, b.vehicles,
       round(f.total / NULLIF(b.usable_area_m2, 0), 2) AS per_m2_yuan,
       round(f.total / NULLIF(b.staff, 0), 2) AS per_person_yuan,
       round(f.vehicles_yuan / NULLIF(b.vehicles, 0), 2) AS per_vehicle_yuan,
       round(f.energy, 2) AS energy_kgce, f.water_m3,
       round(f.energy / NULLIF(b.usable_area_m2, 0), 2) AS energy_per_m2_kgce,
       round(f.energy / NULLIF(b.staff, 0), 2) AS energy_per_person_kgce,
       round(f.water_m3 / NULLIF(b.staff, 0), 2) AS water_per_person_m3,
       round((f.total - p.total) / NULLIF(p.total, 0), 4) AS yoy_change
FROM {figures} f
JOIN org_unit u ON u.id = f.unit_id
JOIN org_admindivision d ON d.id = u.division_id
LEFT JOIN costs_costbasis b ON b.unit_id = f.unit_id AND b.year = f.year
LEFT JOIN budgets bud ON bud.unit_id = f.unit_id AND bud.year = f.year
LEFT JOIN {figures} p ON p.unit_id = f.unit_id AND p.year = f.year - 1
WHERE f.year = ANY(%(years)s)
"""

BUDGETS = """
SELECT unit_id, year, sum(amount_yuan) AS budget
FROM costs_costbudget
WHERE year = ANY(%(years)s)
GROUP BY unit_id, year
"""

# The median and size of each peer group (level, kind, year) per judged indicator, over every
# unit; the median travels as text so that no float rounds it on the way to Python.
PEERS = """
SELECT level, kind, year,
       jsonb_object_agg(indicator, jsonb_build_array(median::text, peers)) AS peers
FROM (
    SELECT i.level, i.kind, i.year, k.indicator, count(*) AS peers,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY k.value::float8))::numeric, 2)
               AS median
    FROM ind i
    CROSS JOIN LATERAL (VALUES
        ('per_m2_yuan', i.per_m2_yuan),
        ('per_person_yuan', i.per_person_yuan),
        ('per_vehicle_yuan', i.per_vehicle_yuan),
        ('energy_per_m2_kgce', i.energy_per_m2_kgce),
        ('energy_per_person_kgce', i.energy_per_person_kgce)
    ) AS k(indicator, value)
    WHERE k.value IS NOT NULL
    GROUP BY i.level, i.kind, i.year, k.indicator
) medians
GROUP BY level, kind, year
"""

SELECT_ROWS = """
SELECT r.unit_id, r.unit_name, r.level, r.kind, r.division_code, r.year, r.total,
       r.by_category, r.budget, r.execution_rate, r.area_m2, r.staff, r.vehicles,
       r.per_m2_yuan, r.per_person_yuan, r.per_vehicle_yuan, r.energy_kgce, r.water_m3,
       r.energy_per_m2_kgce, r.energy_per_person_kgce, r.water_per_person_m3, r.yoy_change,
       p.peers
FROM {rows} r
LEFT JOIN peers p ON p.level = r.level AND p.kind = r.kind AND p.year = r.year
WHERE r.unit_id = ANY(%(units)s)
ORDER BY r.division_code, r.unit_name, r.unit_id, r.year
"""


def _figures(records: str) -> str:
    return FIGURES.format(records=records, by_category=BY_CATEGORY)


def _statement(*, filtered: bool) -> str:
    ctes = [
        f"fig AS MATERIALIZED ({_figures(RECORDS_ALL)})",
        f"budgets AS ({BUDGETS})",
        f"ind AS MATERIALIZED ({INDICATORS.format(figures='fig')})",
        f"peers AS ({PEERS})",
    ]
    if filtered:
        ctes += [
            f"seen_fig AS MATERIALIZED ({_figures(RECORDS_CLEARED)})",
            f"seen_ind AS ({INDICATORS.format(figures='seen_fig')})",
        ]
    return "WITH " + ",\n".join(ctes) + SELECT_ROWS.format(rows="seen_ind" if filtered else "ind")


STATEMENT_ALL = _statement(filtered=False)
STATEMENT_CLEARED = _statement(filtered=True)


class IndicatorRow(NamedTuple):
    unit_id: int
    unit_name: str
    level: str
    kind: str
    division_code: str
    year: int
    total_yuan: Decimal
    by_category: dict[str, Decimal]
    budget_yuan: Decimal | None
    execution_rate: Decimal | None
    area_m2: Decimal | None
    staff: int | None
    vehicles: int | None
    per_m2_yuan: Decimal | None
    per_person_yuan: Decimal | None
    per_vehicle_yuan: Decimal | None
    energy_kgce: Decimal | None
    water_m3: Decimal | None
    energy_per_m2_kgce: Decimal | None
    energy_per_person_kgce: Decimal | None
    water_per_person_m3: Decimal | None
    yoy_change: Decimal | None
    peers: dict[str, tuple[Decimal, int]]  # judged indicator → (median, group size)


def indicator_rows(
    unit_ids: list[int], years: list[int], *, cleared: list[str] | None = None
) -> list[IndicatorRow]:
    """The figures of ``unit_ids`` in ``years`` (rows with records only), each with its peer
    group's medians computed over every unit. ``cleared``: the building confidentiality levels
    whose records the rows count (None: all records)."""
    params = {
        "units": unit_ids,
        "years": years,
        "span": sorted({*years, *(year - 1 for year in years)}),
        "cleared": cleared,
        "vehicles": CostCategory.VEHICLES.value,
        "water": CostCategory.WATER.value,
        **{f"category_{i}": category for i, category in enumerate(CostCategory.values)},
    }
    statement = STATEMENT_ALL if cleared is None else STATEMENT_CLEARED
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [_row(values) for values in cursor.fetchall()]


def _row(values: tuple) -> IndicatorRow:  # type: ignore[type-arg]
    # Django's connection hands jsonb over as text (its JSONField decodes it itself).
    row = list(values)
    by_category, peers = json.loads(row[7]), json.loads(row[-1] or "{}")
    row[7] = {category: Decimal(amount) for category, amount in by_category.items() if amount}
    row[-1] = {key: (Decimal(median), int(size)) for key, (median, size) in peers.items()}
    return IndicatorRow(*row)
