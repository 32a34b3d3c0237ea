"""Loading demo assets through COPY into the tracked table, against a raw COPY of the same rows.

``assets_asset`` carries pghistory's insert trigger (one event row per asset), seven indexes and
three foreign keys; the baseline is a COPY of identical rows into a temporary table with none of
them. The ratio is the price of "history of everything" at bulk-load time; peak Python memory
must not grow with the row count (the generator works in chunks).

TIANFU_BENCH_DEMO_ASSETS sets the row count (default 1,000,000: the full demo scale).
"""

import dataclasses
import os
import time
import tracemalloc

import numpy as np
import pghistory
import pytest
from django.db import connection

from portal.assets.models import Asset
from portal.demo.generators import assets, buildings, reference
from portal.demo.generators.copying import copy_rows
from portal.demo.scales import SCALES, stage_rng
from portal.demo.services import build_world, immediate_constraints, write_units_stage
from tests.benchmarks.conftest import LINES, Figure

ROWS = int(os.environ.get("TIANFU_BENCH_DEMO_ASSETS", "1000000"))
RAW_TABLE = "bench_demo_asset_raw"
# Per row the history trigger runs a PL/pgSQL INSERT (with its context lookup) into a second table
# with seven more indexes, and three foreign keys are checked: measured at about 9x a bare COPY
# on the 2-core reference machine (about 11,000 against 95,000 rows/s).
TARGET_RATIO = 15.0
MEMORY_TARGET = 1.5


def _line(name: str, ours: str, baseline: str, ratio: float, target: float) -> None:
    line = f"BENCH {name} ours={ours} baseline={baseline} ratio={ratio:.2f} target={target}"
    LINES.append(line)
    print(line)


@pytest.fixture
def world(db):
    """Divisions, units and buildings of the tiny scale: the holders of the assets."""
    scale = dataclasses.replace(SCALES["tiny"], chunk_rows=50_000)
    world = build_world(scale, seed=2026)
    with pghistory.context(source="bench") as history, immediate_constraints():
        world.history = history
        reference.load_divisions(world)
        reference.load_code_tables()
        write_units_stage(world, stage_rng(world.seed, "units"))
        buildings.write_buildings(world, stage_rng(world.seed, "buildings"))
        yield world


def _load(world, rows: int, *, raw: bool) -> float:
    """Seconds to generate and COPY ``rows`` assets (same seed, so the same rows each time)."""
    world.scale = dataclasses.replace(world.scale, assets=rows)
    table = RAW_TABLE if raw else Asset._meta.db_table
    start = time.perf_counter()
    with immediate_constraints():
        for columns in assets.asset_chunks(world, np.random.default_rng(7)):
            copy_rows(table, assets.COLUMNS, columns, history=None if raw else world.history)
    return time.perf_counter() - start


def _peak_mb(world, rows: int) -> float:
    tracemalloc.start()
    try:
        _load(world, rows, raw=True)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_demo_assets_copy_against_raw_copy(world):
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {RAW_TABLE}"
            " (LIKE assets_asset INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
    ours = _load(world, ROWS, raw=False)
    baseline = _load(world, ROWS, raw=True)
    figure = Figure(f"load_demo_assets_{ROWS}_rows", ours, baseline, TARGET_RATIO)
    LINES.append(figure.line())
    print(figure.line())
    _line(
        "load_demo_assets_rate",
        f"{ROWS / ours:.0f}rows/s",
        f"{ROWS / baseline:.0f}rows/s",
        figure.ratio,
        TARGET_RATIO,
    )
    small, large = _peak_mb(world, ROWS // 4), _peak_mb(world, ROWS)
    _line(
        "load_demo_assets_peak_memory",
        f"{large:.1f}MB",
        f"{small:.1f}MB",
        large / small,
        MEMORY_TARGET,
    )
    assert figure.ratio <= TARGET_RATIO, figure.line()
    assert large / small <= MEMORY_TARGET
