"""Loading and removing the demo data: seeded, deterministic, demo mode only.

``load_demo`` runs the stages in order; each writes inside its own transaction, and at the small
scale the whole load is one transaction (a failure writes nothing). The accounts come before the
vehicle bookings they request and sign and the title cases assigned to them, and the last stage
runs the conflict register over what was loaded. A second run finds the data and only makes sure
the demo accounts exist; ``reset=True`` deletes every synthetic row first.
Reference data (divisions, cooperation regions, code tables) is real and never deleted.
"""

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pghistory
from django.conf import settings
from django.db import connection, transaction

from portal.demo.exceptions import DemoRefusedError
from portal.demo.generators import (
    accounts,
    assets,
    buildings,
    costs,
    depots,
    fleet,
    ledgers,
    operations,
    parcels,
    reference,
    sites,
    titles,
    units,
    warehouse,
)
from portal.demo.generators.accounts import DemoAccount
from portal.demo.generators.fixtures import read_divisions, read_places
from portal.demo.generators.world import World, build_places
from portal.demo.scales import DEFAULT_SEED, Scale, get_scale, stage_rng
from portal.demo.synthetic import count_rows, delete_synthetic, synthetic_state
from portal.parcels.conflicts import detect_conflicts


@dataclass(frozen=True)
class StageResult:
    name: str
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class LoadReport:
    """What a load did, for the command's output and for tests."""

    scale: str
    loaded: bool = False
    partial: bool = False
    deleted: dict[str, int] = field(default_factory=dict)
    stages: list[StageResult] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    findings: dict[str, dict[str, int]] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)
    seconds: float = 0.0
    peak_memory_mb: float = 0.0


OnStage = Callable[[StageResult], None]
OnRows = Callable[[str, int, int], None]


def ensure_demo_mode(*, allow_outside_demo: bool = False) -> None:
    """Refuse unless ``TIANFU_MODE=demo``; tests pass ``allow_outside_demo=True``."""
    if settings.MODE != "demo" and not allow_outside_demo:
        raise DemoRefusedError()


def _reference(world: World, _rng: np.random.Generator) -> int:
    created = reference.load_divisions(world)
    return created + reference.load_regions(world) + reference.load_code_tables()


def write_units_stage(world: World, rng: np.random.Generator) -> int:
    """Plan the units and their compounds (locations depend on them), then write the units."""
    units.plan_units(world, rng)
    sites.plan_sites(world, rng)
    return units.write_units(world)


def _accounts(_world: World, _rng: np.random.Generator) -> int:
    """The demo accounts, before the title cases that are assigned to them."""
    return len(accounts.ensure_accounts())


def _conflicts(world: World, _rng: np.random.Generator) -> int:
    """A first run of the conflict register, which finds the deliberate conflicts."""
    run = detect_conflicts(by=None)
    world.findings = run.counts
    return sum(counts["found"] for counts in run.counts.values())


def _stages(
    on_rows: OnRows | None,
) -> list[tuple[str, Callable[[World, np.random.Generator], int]]]:
    def write_assets(world: World, rng: np.random.Generator) -> int:
        total = world.scale.assets
        report = None if on_rows is None else lambda done: on_rows("assets", done, total)
        return assets.write_assets(world, rng, report)

    return [
        ("reference", _reference),
        ("units", write_units_stage),
        ("buildings", buildings.write_buildings),
        ("parcels", parcels.write_parcels),
        ("assets", write_assets),
        ("depots", depots.write_depots),
        ("vehicles", fleet.write_vehicles),
        ("warehouse", warehouse.write_warehouse),
        ("accounts", _accounts),
        ("fleet", operations.write_operations),
        ("costs", costs.write_costs),
        ("titles", titles.write_titles),
        ("ledgers", ledgers.write_ledgers),
        ("conflicts", _conflicts),
    ]


def build_world(scale: Scale, seed: int, fixtures_dir: Path | None = None) -> World:
    """Read the real fixtures (default: the project's ``fixtures/``) into a fresh world."""
    folder = fixtures_dir or Path(settings.BASE_DIR) / "fixtures"
    rows = read_divisions(folder / "divisions.gpkg")
    places = build_places(rows, read_places(folder / "places.csv"))
    return World(seed=seed, scale=scale, places=places)


@contextmanager
def immediate_constraints() -> Iterator[None]:
    """Check foreign keys per statement while bulk writing, then defer them again.

    Django declares every foreign key DEFERRABLE INITIALLY DEFERRED. With the history triggers
    (an AFTER ROW trigger running an INSERT per row), a long queue of deferred checks makes
    PostgreSQL's after-trigger processing quadratic: 20,000 assets took 11.8 s deferred and
    1.6 s immediate. Our stages insert parents before children, so nothing needs deferring.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _run_stages(
    world: World, report: LoadReport, on_stage: OnStage | None, on_rows: OnRows | None
) -> None:
    for name, stage in _stages(on_rows):
        start = time.perf_counter()
        with transaction.atomic(), immediate_constraints():
            rows = stage(world, stage_rng(world.seed, name))
        result = StageResult(name, rows, time.perf_counter() - start)
        report.stages.append(result)
        if on_stage is not None:
            on_stage(result)


def load_demo(
    *,
    scale: str = "small",
    reset: bool = False,
    seed: int = DEFAULT_SEED,
    assets_count: int | None = None,
    fixtures_dir: Path | None = None,
    allow_outside_demo: bool = False,
    on_stage: OnStage | None = None,
    on_rows: OnRows | None = None,
) -> LoadReport:
    """Load the demo data at ``scale`` unless it is there already; see the module docstring."""
    ensure_demo_mode(allow_outside_demo=allow_outside_demo)
    start = time.perf_counter()
    plan = get_scale(scale, assets=assets_count)
    report = LoadReport(scale=plan.name)
    single = transaction.atomic() if plan.single_transaction else nullcontext()
    with pghistory.context(source="load_demo", scale=plan.name) as history, single:
        if reset:
            with transaction.atomic(), immediate_constraints():
                report.deleted = delete_synthetic()
        present, complete = synthetic_state()
        report.partial = present and not complete
        if not present:
            world = build_world(plan, seed, fixtures_dir)
            world.history = history
            _run_stages(world, report, on_stage, on_rows)
            report.loaded = True
            report.conflicts = world.conflicts
            report.findings = world.findings
        with transaction.atomic():
            report.accounts = accounts.ensure_accounts()
    report.counts = count_rows()
    report.seconds = time.perf_counter() - start
    report.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report
