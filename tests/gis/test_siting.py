"""Siting: geodesic and travel-time coverage, exact reductions, and LSCP / MCLP / p-median on
small instances whose optimum is found by brute force over every combination of sites."""

import itertools
import math

import numpy as np
import numpy.typing as npt
import pyproj
import pytest
import scipy.sparse as sp
import shapely
from affine import Affine
from scipy.optimize import linprog

from gis.siting import (
    DemandGrid,
    SitingError,
    coverage_by_distance,
    coverage_by_minutes,
    demand_grid,
    distances_m,
    reduction,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
)
from gis.siting.heuristic import mclp_start
from gis.siting.mip import MipModel, solve_mip
from gis.siting.reduction import canonical, reduce_rows
from gis.surfaces import REGION_CRS, Surface

GEOD = pyproj.Geod(ellps="GRS80")
TO_REGION = pyproj.Transformer.from_crs("EPSG:4490", REGION_CRS, always_xy=True)


def surface(values: npt.ArrayLike) -> Surface:
    """A 1 km region-grid surface whose upper-left corner is near Chengdu."""
    x0, y0 = TO_REGION.transform(104.0, 30.7)
    transform = Affine(1000.0, 0.0, round(x0, -3), 0.0, -1000.0, round(y0, -3))
    return Surface(np.asarray(values, dtype=np.float64), transform, REGION_CRS)


def points(
    lon: npt.ArrayLike, lat: npt.ArrayLike, weight: npt.ArrayLike | None = None
) -> DemandGrid:
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w = np.ones(lon_a.size) if weight is None else np.asarray(weight, dtype=float)
    zeros = np.zeros(lon_a.size, dtype=np.int64)
    return DemandGrid(lon_a, lat_a, w, zeros, zeros, 1.0)


def scatter(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(102.0, 106.0, n), rng.uniform(28.5, 32.0, n)


def random_cover(rng: np.random.Generator, rows: int, cands: int, density: float) -> sp.csr_matrix:
    return sp.csr_matrix(rng.random((rows, cands)) < density)


def sites(n: int, p: int, fixed: tuple[int, ...]) -> list[list[int]]:
    """Every site set: the fixed sites plus ``p`` of the others."""
    free = [i for i in range(n) if i not in fixed]
    return [[*fixed, *c] for c in itertools.combinations(free, p)]


def brute_mclp(cover: sp.csr_matrix, w: np.ndarray, p: int, fixed: tuple[int, ...] = ()) -> float:
    dense = cover.toarray().astype(bool)
    return max(float(w[dense[:, s].any(axis=1)].sum()) for s in sites(dense.shape[1], p, fixed))


def brute_pmedian(dist: np.ndarray, w: np.ndarray, p: int, fixed: tuple[int, ...] = ()) -> float:
    """``dist`` holds inf where a pair is not allowed; sets leaving a row unserved are skipped."""
    best = math.inf
    for s in sites(dist.shape[1], p, fixed):
        nearest = dist[:, s].min(axis=1)
        if np.all(np.isfinite(nearest[w > 0])):
            best = min(best, float((w[w > 0] * nearest[w > 0]).sum()))
    return best


def served_lp(
    allowed: np.ndarray, w: np.ndarray, cap: np.ndarray, cost: np.ndarray | None
) -> float:
    """Best fractional assignment of rows to the open sites of ``allowed`` (rows × open).

    Without ``cost``: the most weight served (capacitated MCLP). With it: the least Σ w·d for
    serving everyone (capacitated p-median), inf if impossible.
    """
    rows, cols = np.nonzero(allowed)
    n_rows, n_open = allowed.shape
    cap = np.minimum(cap, w.sum())  # linprog takes no infinite bounds
    demand = sp.csr_matrix((np.ones(rows.size), (rows, np.arange(rows.size))), (n_rows, rows.size))
    load = sp.csr_matrix((w[rows], (cols, np.arange(rows.size))), (n_open, rows.size))
    if cost is None:
        res = linprog(
            -w[rows],
            A_ub=sp.vstack([demand, load]),
            b_ub=np.r_[np.ones(n_rows), cap],
            bounds=(0, 1),
        )
        return float(-res.fun)
    res = linprog(
        w[rows] * cost[rows, cols],
        A_ub=load,
        b_ub=cap,
        A_eq=demand,
        b_eq=np.ones(n_rows),
        bounds=(0, 1),
    )
    return float(res.fun) if res.status == 0 else math.inf


# --- demand grid -------------------------------------------------------------------------------


def test_demand_grid_sums_blocks_and_drops_empty_ones():
    values = np.arange(24, dtype=float).reshape(4, 6)
    values[0:2, 2:4] = 0.0
    pop = surface(values)
    demand = demand_grid(pop, 2.0)
    coarse = pop.aggregate(2, "sum")
    lon, lat = coarse.centres_lonlat()
    assert len(demand) == 5
    assert (0, 1) not in set(zip(demand.rows.tolist(), demand.cols.tolist(), strict=True))
    np.testing.assert_allclose(demand.weight, coarse.values[demand.rows, demand.cols])
    np.testing.assert_allclose(demand.weight.sum(), values.sum())
    np.testing.assert_allclose(demand.lon, lon[demand.rows, demand.cols])
    np.testing.assert_allclose(demand.lat, lat[demand.rows, demand.cols])


def test_demand_grid_within_counts_cells_whose_centre_is_inside():
    pop = surface(np.ones((4, 4)))
    lon, lat = pop.centres_lonlat()
    # A box around the two left columns' centres only.
    left = shapely.box(
        lon[:, :2].min() - 0.001, lat.min() - 0.001, lon[:, 1].max() + 0.001, lat.max() + 0.001
    )
    demand = demand_grid(pop, 2.0, within=left)
    assert demand.weight.tolist() == [4.0, 4.0]
    assert demand.cols.tolist() == [0, 0]


def test_demand_grid_refuses_a_grid_that_is_not_a_multiple_of_the_cell():
    with pytest.raises(SitingError):
        demand_grid(surface(np.ones((4, 4))), 1.5)


# --- coverage and distances --------------------------------------------------------------------


@pytest.mark.parametrize("azimuth", [0.0, 45.0, 90.0, 137.0, 200.0, 270.0])
def test_coverage_by_distance_is_geodesic_to_the_metre(azimuth):
    lon0, lat0 = 104.06, 30.67
    ranges = np.array([49_900.0, 49_999.0, 50_001.0, 50_100.0])
    lon, lat, _ = GEOD.fwd(np.full(4, lon0), np.full(4, lat0), np.full(4, azimuth), ranges)
    cover = coverage_by_distance(points(lon, lat), [lon0], [lat0], 50_000.0)
    assert cover.shape == (4, 1)
    assert cover.toarray().ravel().tolist() == [True, True, False, False]


def test_coverage_by_distance_matches_all_pairs():
    rng = np.random.default_rng(1)
    demand = points(*scatter(rng, 400))
    cand_lon, cand_lat = scatter(rng, 30)
    cover = coverage_by_distance(demand, cand_lon, cand_lat, 80_000.0)
    lon1, lon2 = np.meshgrid(demand.lon, cand_lon, indexing="ij")
    lat1, lat2 = np.meshgrid(demand.lat, cand_lat, indexing="ij")
    dist = GEOD.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel())[2].reshape(lon1.shape)
    np.testing.assert_array_equal(cover.toarray(), dist <= 80_000.0)
    assert 0 < cover.nnz < dist.size


def test_distances_m_keeps_a_distance_prefix_with_the_nearest_candidates():
    rng = np.random.default_rng(2)
    demand = points(*scatter(rng, 200))
    cand_lon, cand_lat = scatter(rng, 25)
    dist = distances_m(demand, cand_lon, cand_lat, max_m=30_000.0, nearest=3)
    full = distances_m(demand, cand_lon, cand_lat).toarray()
    for row in range(len(demand)):
        kept = dist.indices[dist.indptr[row] : dist.indptr[row + 1]]
        reach = full[row, kept].max()
        assert kept.size >= 3
        assert sorted(kept.tolist()) == np.flatnonzero(full[row] <= reach).tolist()
        assert set(np.flatnonzero(full[row] <= 30_000.0)) <= set(kept.tolist())
        np.testing.assert_allclose(dist[row, kept].toarray().ravel(), full[row, kept])


def test_distances_m_stores_a_zero_distance():
    demand = points([104.0, 104.5], [30.0, 30.0])
    dist = distances_m(demand, [104.0], [30.0], max_m=1_000.0)
    assert dist.nnz == 2  # the point on the candidate (0 m) and the nearest for the other
    assert dist[0, 0] == 0.0


def test_distances_m_without_a_cap_holds_every_pair():
    rng = np.random.default_rng(3)
    demand = points(*scatter(rng, 20))
    assert distances_m(demand, *scatter(rng, 7)).nnz == 140


def test_coverage_by_minutes_follows_cost_distance():
    pop = surface(np.ones((9, 9)))
    cost = surface(np.ones((9, 9)))  # one minute per kilometre everywhere
    demand = demand_grid(pop, 1.0)
    lon, lat = pop.centres_lonlat()
    cover = coverage_by_minutes(demand, cost, [lon[4, 4]], [lat[4, 4]], 2.0)
    reached = {(int(demand.rows[i]), int(demand.cols[i])) for i in cover.nonzero()[0]}

    def minutes(dr: int, dc: int) -> float:
        diagonal, straight = min(abs(dr), abs(dc)), abs(abs(dr) - abs(dc))
        return diagonal * math.sqrt(2.0) + straight

    # Two steps straight take 2 min, one diagonal 1.41 min, a knight's move 2.41 min.
    expected = {
        (4 + dr, 4 + dc) for dr in range(-4, 5) for dc in range(-4, 5) if minutes(dr, dc) <= 2.0
    }
    assert reached == expected
    assert len(reached) == 13


def test_coverage_by_minutes_on_a_coarser_grid_and_around_impassable_cells():
    cost_values = np.ones((9, 9))
    cost_values[3:6, 6:9] = np.nan  # an impassable block east of the centre
    pop, cost = surface(np.ones((9, 9))), surface(cost_values)
    demand = demand_grid(pop, 3.0)
    lon, lat = pop.centres_lonlat()
    cover = coverage_by_minutes(demand, cost, [lon[4, 4]], [lat[4, 4]], 3.0)
    reached = {(int(demand.rows[i]), int(demand.cols[i])) for i in cover.nonzero()[0]}
    # A 3 km block takes 3 minutes to cross: the four neighbours, not the diagonals (4.2 min),
    # and not the impassable eastern block.
    assert reached == {(1, 1), (0, 1), (2, 1), (1, 0)}


# --- reductions --------------------------------------------------------------------------------


def test_reduce_rows_merges_identical_rows_and_sets_constants():
    cover = canonical(
        sp.csr_matrix(
            np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 0, 1], [0, 0, 1], [0, 1, 1]]),
            dtype=bool,
        ),
        structural=False,
    )
    weight = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 5.0, 6.0])
    reduced = reduce_rows(cover, weight, fixed=np.array([1]))
    assert reduced.constant == 9.0  # rows 2 and 6, covered by the fixed candidate 1
    assert reduced.uncoverable.tolist() == [3]
    assert reduced.matrix.shape[0] == 2  # {0, 2} (rows 0 and 1 merged) and {2}
    assert sorted(reduced.weight.tolist()) == [3.0, 5.0]
    assert reduced.row_of[0] == reduced.row_of[1] >= 0
    assert reduced.row_of[[2, 3, 4, 6]].tolist() == [-1, -1, -1, -1]


def test_row_grouping_stays_exact_when_every_hash_collides(monkeypatch):
    rng = np.random.default_rng(4)
    cover = canonical(random_cover(rng, 60, 5, 0.4), structural=False)
    monkeypatch.setattr(
        reduction, "_row_hashes", lambda m, _: np.zeros((m.shape[0], 3), dtype=np.uint64)
    )
    reduced = reduce_rows(cover, np.ones(60))
    dense = cover.toarray()
    coverable = dense.any(axis=1)
    # Grouping may then merge less, never wrongly: merged rows are identical.
    for a, b in itertools.combinations(np.flatnonzero(coverable), 2):
        if reduced.row_of[a] == reduced.row_of[b]:
            assert np.array_equal(dense[a], dense[b])
    assert reduced.weight.sum() == coverable.sum()


def unreduced_mclp(cover: sp.csr_matrix, w: np.ndarray, p: int, fixed: list[int]) -> float:
    """The textbook MCLP with one y per original row, solved without any reduction."""
    rows, cands = cover.shape
    a = sp.vstack(
        [
            sp.hstack([-cover.astype(float), sp.identity(rows)]),
            sp.csr_matrix(np.r_[np.ones(cands), np.zeros(rows)][None, :]),
        ],
        format="csr",
    )
    lower = np.zeros(cands + rows)
    lower[fixed] = 1.0
    model = MipModel(
        True,
        0.0,
        np.r_[np.zeros(cands), w],
        lower,
        np.ones(cands + rows),
        np.r_[np.ones(cands, bool), np.zeros(rows, bool)],
        a,
        np.r_[np.full(rows, -np.inf), p + len(fixed)],
        np.r_[np.zeros(rows), p + len(fixed)],
    )
    return solve_mip(model, time_limit_s=60.0, mip_gap=0.0, progress=None).objective


def test_reductions_preserve_the_mclp_optimum():
    rng = np.random.default_rng(5)
    for _ in range(12):
        base = random_cover(rng, 12, 14, 0.25).toarray()
        cover = sp.csr_matrix(base[rng.integers(0, 12, 80)])  # many identical rows
        w = rng.integers(0, 5, 80).astype(float)  # some weigh nothing
        fixed = sorted(rng.choice(14, rng.integers(0, 3), replace=False).tolist())
        p = int(rng.integers(1, 4))
        ours = solve_mclp(cover, w, p, fixed=fixed, mip_gap=0.0)
        assert ours.objective == pytest.approx(unreduced_mclp(cover, w, p, fixed), abs=1e-6)
        assert ours.sizes["rows_after_reduction"] <= 12


# --- MCLP --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [14, 16, 17, 18])
def test_staged_mclp_search_reaches_the_optimum(seed):
    # Instances where the greedy start is not provably optimal, so the kernel and full stages run.
    rng = np.random.default_rng(seed)
    cover = random_cover(rng, 400, 60, 0.06)
    w = rng.random(400)
    reports: list[float] = []
    solution = solve_mclp(cover, w, 6, mip_gap=0.0, progress=lambda f, _: reports.append(f))
    assert max(f for f in reports if f < 1.0) >= 0.5  # the full model ran
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(unreduced_mclp(cover, w, 6, []), abs=1e-9)
    assert solution.covered_weight == pytest.approx(solution.objective)


def test_mclp_finds_the_brute_force_optimum_with_fixed_sites():
    rng = np.random.default_rng(6)
    for trial in range(15):
        cover = random_cover(rng, 40, 10, 0.18)
        w = rng.integers(1, 100, 40).astype(float)
        fixed = tuple(sorted(rng.choice(10, trial % 3, replace=False).tolist()))
        p = int(rng.integers(1, 4))
        solution = solve_mclp(cover, w, p, fixed=fixed, mip_gap=0.0)
        assert solution.status == "optimal"
        assert solution.objective == pytest.approx(brute_mclp(cover, w, p, fixed))
        assert set(fixed) <= set(solution.chosen.tolist())
        assert solution.chosen.size == p + len(fixed)
        assert solution.covered_weight == pytest.approx(solution.objective)
        assert solution.gap <= 1e-9
        served = solution.assignment >= 0
        assert np.all(cover.toarray()[np.flatnonzero(served), solution.assignment[served]])


def test_mclp_when_fixed_sites_already_cover_everyone():
    cover = sp.csr_matrix(np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1]], dtype=bool))
    solution = solve_mclp(cover, [5.0, 6.0, 7.0], 1, fixed=[0])
    assert solution.status == "optimal"
    assert solution.objective == solution.covered_weight == 18.0
    assert solution.chosen.size == 2
    assert solution.uncovered.size == 0


def test_mclp_capacities_are_respected_and_optimal():
    rng = np.random.default_rng(7)
    for _ in range(8):
        cover = random_cover(rng, 25, 7, 0.3)
        w = rng.integers(1, 20, 25).astype(float)
        cap = rng.uniform(10, 60, 7)
        cap[rng.integers(0, 7)] = np.inf
        fixed = (int(rng.integers(0, 7)),)
        dense = cover.toarray()
        best = max(served_lp(dense[:, s], w, cap[s], None) for s in sites(7, 2, fixed))
        solution = solve_mclp(cover, w, 2, fixed=fixed, capacity=cap, mip_gap=0.0)
        assert solution.objective == pytest.approx(best, rel=1e-6)
        assert solution.covered_weight == pytest.approx(best, rel=1e-6)
        assert solution.covered_weight <= cap[solution.chosen].sum() + 1e-6
        assert fixed[0] in solution.chosen


def test_mclp_start_is_a_swap_local_optimum():
    rng = np.random.default_rng(8)
    cover = random_cover(rng, 60, 12, 0.15)
    w = rng.integers(1, 50, 60).astype(float)
    is_open = mclp_start(cover, w, 3)
    dense = cover.toarray()

    def value(open_sites: np.ndarray) -> float:
        return float(w[dense[:, open_sites].any(axis=1)].sum())

    assert is_open.sum() == 3
    here = value(is_open)
    for i, k in itertools.product(np.flatnonzero(is_open), np.flatnonzero(~is_open)):
        swapped = is_open.copy()
        swapped[[i, k]] = [False, True]
        assert value(swapped) <= here + 1e-9


# --- LSCP --------------------------------------------------------------------------------------


def test_lscp_finds_the_fewest_sites_and_reports_uncoverable_rows():
    rng = np.random.default_rng(9)
    for trial in range(10):
        dense = rng.random((30, 9)) < 0.2
        dense[trial % 30] = False  # at least one row nobody covers
        fixed = tuple(sorted(rng.choice(9, trial % 2, replace=False).tolist()))
        coverable = dense.any(axis=1)
        best = next(
            k
            for k in range(10)
            if any(dense[:, s].any(axis=1)[coverable].all() for s in sites(9, k, fixed))
        )
        solution = solve_lscp(sp.csr_matrix(dense), fixed=fixed)
        assert solution.status == "optimal"
        assert solution.objective == best
        assert solution.chosen.size == best + len(fixed)
        assert solution.uncovered.tolist() == np.flatnonzero(~coverable).tolist()
        assert solution.covered_weight == coverable.sum()
        assert np.all(dense[:, solution.chosen].any(axis=1)[coverable])


# --- p-median ----------------------------------------------------------------------------------


def test_pmedian_finds_the_brute_force_optimum():
    rng = np.random.default_rng(10)
    for trial in range(10):
        demand = points(*scatter(rng, 30), rng.integers(0, 9, 30))
        cand = scatter(rng, 8)
        fixed = tuple(sorted(rng.choice(8, trial % 3, replace=False).tolist()))
        dist = distances_m(demand, *cand)
        solution = solve_pmedian(dist, demand.weight, 2, fixed=fixed)
        best = brute_pmedian(dist.toarray(), demand.weight, 2, fixed)
        assert solution.status == "optimal"
        assert solution.objective == pytest.approx(best, rel=1e-6)
        assert set(fixed) <= set(solution.chosen.tolist())
        nearest = dist.toarray()[:, solution.chosen].argmin(axis=1)
        assert solution.assignment.tolist() == solution.chosen[nearest].tolist()


def test_sparse_pmedian_is_optimal_among_sets_serving_every_prefix():
    rng = np.random.default_rng(11)
    for _ in range(10):
        demand = points(*scatter(rng, 40), rng.integers(1, 9, 40))
        cand = scatter(rng, 9)
        dist = distances_m(demand, *cand, max_m=60_000.0, nearest=3)
        allowed = np.where(dist.toarray() > 0, dist.toarray(), np.inf)
        allowed[dist.nonzero()] = dist.data  # keep stored zeros
        best = brute_pmedian(allowed, demand.weight, 3)
        solution = solve_pmedian(dist, demand.weight, 3)
        if math.isinf(best):
            assert solution.status == "infeasible"
        else:
            assert solution.objective == pytest.approx(best, rel=1e-6)


def test_pmedian_with_pigeonhole_nearest_is_the_unrestricted_pmedian():
    rng = np.random.default_rng(16)
    for trial in range(6):
        demand = points(*scatter(rng, 40), rng.integers(1, 9, 40))
        cand = scatter(rng, 9)
        fixed = tuple(range(trial % 2))
        k_open = 3 + len(fixed)
        dist = distances_m(demand, *cand, max_m=1.0, nearest=9 - k_open + 1)
        assert dist.nnz < 40 * 9
        solution = solve_pmedian(dist, demand.weight, 3, fixed=fixed)
        best = brute_pmedian(distances_m(demand, *cand).toarray(), demand.weight, 3, fixed)
        assert solution.objective == pytest.approx(best, rel=1e-6)


def test_pmedian_capacities_are_respected_and_optimal():
    rng = np.random.default_rng(12)
    for _ in range(6):
        demand = points(*scatter(rng, 20), rng.integers(1, 9, 20))
        cand = scatter(rng, 6)
        dist = distances_m(demand, *cand)
        cap = np.full(6, demand.weight.sum() / 2.5)
        full = dist.toarray()
        best = min(
            served_lp(np.ones((20, 3), bool), demand.weight, cap[s], full[:, s])
            for s in sites(6, 3, ())
        )
        solution = solve_pmedian(dist, demand.weight, 3, capacity=cap)
        assert solution.objective == pytest.approx(best, rel=1e-6)
        assert solution.covered_weight == pytest.approx(demand.weight.sum())


def test_pmedian_reports_infeasible_capacities():
    demand = points([104.0, 104.2], [30.0, 30.0], [10.0, 10.0])
    dist = distances_m(demand, [104.0, 104.2], [30.0, 30.0])
    solution = solve_pmedian(dist, demand.weight, 1, capacity=[15.0, 15.0])
    assert solution.status == "infeasible"
    assert math.isnan(solution.objective)
    assert solution.gap == 1.0


# --- solver behaviour --------------------------------------------------------------------------


def test_time_limit_is_reported_with_the_best_solution_found():
    rng = np.random.default_rng(13)
    cover = random_cover(rng, 3000, 300, 0.03)
    solution = solve_mclp(cover, rng.random(3000), 20, time_limit_s=0.0)
    assert solution.status == "time_limit"
    assert 0.0 <= solution.gap <= 1.0


def test_progress_is_reported_from_start_to_finish():
    rng = np.random.default_rng(14)
    reports: list[tuple[float, str]] = []
    solve_mclp(
        random_cover(rng, 400, 60, 0.06),
        rng.random(400),
        6,
        progress=lambda f, m: reports.append((f, m)),
    )
    fractions = [f for f, _ in reports]
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert any(m.startswith("searching") for _, m in reports)


@pytest.mark.parametrize("model", ["lscp", "mclp"])
def test_a_progress_function_that_raises_stops_the_solve(model):
    class CancelledError(Exception):
        pass

    def progress(fraction: float, message: str) -> None:
        if message.startswith("searching"):
            raise CancelledError

    rng = np.random.default_rng(15)
    cover = random_cover(rng, 400, 60, 0.06)
    weight = rng.random(400)
    solve = {
        "lscp": lambda: solve_lscp(cover, progress=progress),
        "mclp": lambda: solve_mclp(cover, weight, 6, progress=progress),
    }[model]
    with pytest.raises(CancelledError):
        solve()


@pytest.mark.parametrize(("p", "fixed"), [(-1, ()), (4, ()), (3, (0,)), (1, (5,))])
def test_impossible_requests_are_refused(p, fixed):
    cover = sp.csr_matrix(np.ones((3, 3), dtype=bool))
    with pytest.raises(SitingError):
        solve_mclp(cover, np.ones(3), p, fixed=fixed)
