"""Depot siting (MCLP) on Sichuan: ours against PySAL spopt, and the 2 km grid within budget.

Instance, identical for both solvers: demand from ``fixtures/population_1km.tif`` block-summed
to 5 km (or 2 km) inside Sichuan (division 510000 of ``fixtures/divisions.gpkg``); 1,000
candidate sites: every Sichuan place of ``fixtures/places.csv`` (county code 51…) plus seeded
points drawn from the 1 km population cells of Sichuan with probability proportional to their
people, uniformly inside the drawn cell. The seeded points stand in for the registry's
government buildings, which stand where people live. p = 50 new sites, no existing ones,
coverage within 50 km geodesic distance.

5 km: both run end to end from the same demand grid. Ours: coverage (k-d tree + exact
geodesic), reductions, the staged search (greedy/swap start, LP bound, kernels, full model) with
HiGHS. Baseline: the dense geodesic cost matrix spopt needs, ``MCLP.from_cost_matrix`` and
``solve`` with PuLP's HiGHS (the same engine as ours, so the comparison is of the method; PuLP's
CBC also works here). Neither proves optimality at HiGHS' default 0.01 % gap within many minutes
on this instance: the LP bound lies ~0.1 % above the best solutions known and the tree is large.
So both stop at a time limit (ours 60 s, spopt's solver 600 s after its model is built) and the
figures compare what each has then: time end to end, and covered people (ours may fall short of
spopt's by at most 0.1 %, the issue's "same objective within 0.1 %"). Both proven gaps are
printed.

2 km: ours alone, in a fresh process (so its peak memory is its own): a solution with a proven
gap of at most 0.5 % within 10 minutes and 8 GB.
"""

import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import pyproj

from gis.siting import coverage_by_distance, demand_grid, solve_mclp
from gis.surfaces import REGION_CRS, population
from gis.zonal import rasterize_zones
from tests.benchmarks.conftest import record_line

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
RADIUS_M = 50_000.0
P = 50
N_CANDIDATES = 1_000
SEED = 2020
OURS_5KM_LIMIT_S = 60.0
SPOPT_LIMIT_S = 600.0
BUDGET_2KM_S = 600.0
# HiGHS' share of the 2 km budget: the rest is for building the instance (≈ 5 s here).
SOLVER_2KM_S = 540.0
BUDGET_2KM_GAP = 0.005
BUDGET_2KM_BYTES = 8 * 1024**3


def sichuan() -> Any:
    divisions = pyogrio.read_dataframe(FIXTURES / "divisions.gpkg", layer="divisions")
    return divisions.loc[divisions["code"] == "510000", "geometry"].iloc[0]


def candidates(pop: Any, area: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sichuan's places plus population-weighted seeded points, 1,000 in all."""
    places = pd.read_csv(FIXTURES / "places.csv", dtype={"county_code": str})
    places = places[places["county_code"].str.startswith("51")]
    inside = rasterize_zones([area], pop) == 1
    people = np.where(inside, pop.values, 0.0).ravel()
    rng = np.random.default_rng(SEED)
    n_seed = N_CANDIDATES - len(places)
    cells = rng.choice(people.size, n_seed, replace=False, p=people / people.sum())
    rows, cols = np.divmod(cells, pop.shape[1])
    t = pop.transform
    x = t.c + (cols + rng.random(n_seed)) * t.a
    y = t.f + (rows + rng.random(n_seed)) * t.e
    to_lonlat = pyproj.Transformer.from_crs(REGION_CRS, "EPSG:4490", always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    return (
        np.concatenate([places["lon"].to_numpy(float), lon]),
        np.concatenate([places["lat"].to_numpy(float), lat]),
    )


def run_ours(grid_km: float, time_limit_s: float, mip_gap: float) -> dict[str, Any]:
    """Our MCLP end to end (timed from the population surface in memory)."""
    pop, area = population(), sichuan()
    cand_lon, cand_lat = candidates(pop, area)
    start = time.perf_counter()
    demand = demand_grid(pop, grid_km, within=area)
    cover = coverage_by_distance(demand, cand_lon, cand_lat, RADIUS_M)
    solution = solve_mclp(cover, demand.weight, P, time_limit_s=time_limit_s, mip_gap=mip_gap)
    return {
        "seconds": time.perf_counter() - start,
        "status": solution.status,
        "objective": solution.covered_weight,
        "bound": solution.bound,
        "gap": solution.gap,
        "total": solution.total_weight,
        "sizes": solution.sizes,
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def dense_distances(demand: Any, cand_lon: np.ndarray, cand_lat: np.ndarray) -> np.ndarray:
    """All demand × candidate geodesic distances: the cost matrix spopt takes."""
    geod = pyproj.Geod(ellps="GRS80")
    out = np.empty((len(demand), cand_lon.size))
    for j in range(cand_lon.size):
        lon = np.full(len(demand), cand_lon[j])
        lat = np.full(len(demand), cand_lat[j])
        out[:, j] = geod.inv(demand.lon, demand.lat, lon, lat)[2]
    return out


def run_spopt(grid_km: float) -> dict[str, Any]:
    """spopt's MCLP end to end on the identical instance."""
    import pulp
    from spopt.locate import MCLP

    pop, area = population(), sichuan()
    cand_lon, cand_lat = candidates(pop, area)
    start = time.perf_counter()
    demand = demand_grid(pop, grid_km, within=area)
    cost = dense_distances(demand, cand_lon, cand_lat)
    with warnings.catch_warnings():
        # PuLP 3.3 warns once per variable that its constructor is deprecated (21,000 lines).
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(cost, demand.weight, RADIUS_M, P, name="mclp")
    built = time.perf_counter()
    model.solve(pulp.HiGHS(msg=False, timeLimit=SPOPT_LIMIT_S), results=False)
    seconds = time.perf_counter() - start
    highs = model.problem.solverModel  # PuLP reports "Optimal" at a time limit too
    chosen = np.array([v.value() for v in model.fac_vars]) > 0.5
    covered = (cost[:, chosen] <= RADIUS_M).any(axis=1)
    return {
        "seconds": seconds,
        "build_seconds": built - start,
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "gap": float(highs.getInfo().mip_gap),
        "objective": float(demand.weight[covered].sum()),
        "chosen": int(chosen.sum()),
    }


def print_sizes(label: str, sizes: dict[str, int]) -> None:
    print(
        f"{label}: {sizes['demand_rows']} demand cells, {sizes['rows_after_reduction']} after "
        f"reduction; {sizes['pairs']} coverage pairs, {sizes['pairs_after_reduction']} after; "
        f"MIP {sizes['model_columns']} columns × {sizes['model_rows']} rows, "
        f"{sizes['model_nonzeros']} nonzeros"
    )


def test_mclp_5km_against_spopt():
    ours = run_ours(5.0, OURS_5KM_LIMIT_S, 1e-4)
    base = run_spopt(5.0)
    print_sizes("siting 5 km", ours["sizes"])
    print(
        f"siting 5 km: ours {ours['status']}, proven gap {ours['gap']:.3%}; spopt "
        f"{base['status']}, proven gap {base['gap']:.3%} (model built in "
        f"{base['build_seconds']:.0f} s, solver time limit {SPOPT_LIMIT_S:.0f} s)"
    )
    time_ratio = ours["seconds"] / base["seconds"]
    shortfall = max(0.0, base["objective"] - ours["objective"]) / base["objective"]
    record_line(
        "siting_mclp_5km_time",
        f"{ours['seconds']:.1f}s",
        f"{base['seconds']:.1f}s",
        time_ratio,
        0.25,
    )
    record_line(
        "siting_mclp_5km_objective_shortfall",
        f"{ours['objective']:.0f}",
        f"{base['objective']:.0f}",
        shortfall / 0.001,
        1.0,
    )
    assert base["chosen"] == P
    assert time_ratio <= 0.25
    assert shortfall <= 0.001


def run_ours_apart(grid_km: float, time_limit_s: float, mip_gap: float) -> dict[str, Any]:
    """:func:`run_ours` in a fresh interpreter, so that ``ru_maxrss`` is its peak alone."""
    code = (
        "import json; from tests.benchmarks.bench_siting import run_ours; "
        f"print(json.dumps(run_ours({grid_km!r}, {time_limit_s!r}, {mip_gap!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_mclp_2km_within_budget():
    ours = run_ours_apart(2.0, SOLVER_2KM_S, BUDGET_2KM_GAP)
    print_sizes("siting 2 km", ours["sizes"])
    print(f"siting 2 km: {ours['status']}, covered {ours['objective'] / ours['total']:.3%}")
    figures = [
        ("gap", f"{ours['gap']:.3%}", f"{BUDGET_2KM_GAP:.1%}", ours["gap"] / BUDGET_2KM_GAP),
        ("time", f"{ours['seconds']:.1f}s", f"{BUDGET_2KM_S:.0f}s", ours["seconds"] / BUDGET_2KM_S),
        (
            "peak_memory",
            f"{ours['max_rss_bytes'] / 1024**3:.2f}GiB",
            f"{BUDGET_2KM_BYTES / 1024**3:.0f}GiB",
            ours["max_rss_bytes"] / BUDGET_2KM_BYTES,
        ),
    ]
    for name, value, budget, ratio in figures:
        record_line(f"siting_mclp_2km_{name}", value, budget, ratio, 1.0)
    assert all(ratio <= 1.0 for *_, ratio in figures)
