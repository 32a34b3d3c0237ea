"""The siting instance of a scenario and its solution, computed without storing anything.

Demand is the population surface block-summed to ``grid_km`` cells inside the region
(:func:`gis.siting.demand_grid`). Coverage is geodesic (``radius_km``) or by travel time on the
terrain cost surface (``minutes``). LSCP and MCLP solve on that coverage; the p-median minimises
people × geodesic metres (on large instances, pairs farther than the coverage standard could
reach at the cost surface's top speed are left out, see :data:`DENSE_PAIRS`) and its coverage
is reported by the same standard. Capacities are in people: :data:`RESIDENTS_PER_M3` per m³ of
storage, existing depots with their ``capacity_m3``, new sites with
:data:`NEW_SITE_CAPACITY_M3`.

Results: coverage counts the people of the cells within the standard of an open site (with
capacities in the MCLP, the people actually served within capacity); the mean (weighted by
people) and worst travel time (minutes mode) or distance (radius mode) run from each populated
cell to its nearest open site; a site serves the covered people nearest to it (p-median: the
people assigned to it; with capacities: the cells whose largest share it serves).

Hazard weights (``weight_by_hazard``): the MCLP and p-median weigh each person by the
ILLUSTRATIVE seismic band of their 1 km cell (:func:`gis.hazard.hazard_weights`, ≥ 1), so they
prefer reaching people in hazard zones; every reported figure stays in people.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gis import hazard, surfaces
from gis.costdistance import coarsen_cost, minutes_from, snap_to_passable
from gis.siting import (
    DemandGrid,
    Solution,
    coverage_by_distance,
    coverage_by_minutes,
    demand_grid,
    distances_m,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
)
from portal.depots.choices import SitingModel
from portal.depots.exceptions import AnalysisInputError
from portal.depots.services.siting.candidates import Candidate, gather_candidates

if TYPE_CHECKING:
    from gis.surfaces import Surface
    from portal.depots.models import SitingScenario
    from portal.org.models import AdminDivision, User

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Report = Callable[[float, str], None]

# People one cubic metre of emergency storage provides for: relief for one person (a share of a
# tent, quilts, a week of food and water) packs into ≈ 0.05 m³, and a severe event affects about
# one resident in ten, so 1 m³ stands for 1 / (0.05 × 0.1) = 200 residents.
RESIDENTS_PER_M3: Final = 200.0
# A new site's storage when capacities count: a mid-sized county depot (the demo's depots hold
# 500–20,000 m³; 5,000 m³ provides for one million residents at the rate above).
NEW_SITE_CAPACITY_M3: Final = 5_000.0
# Below this many demand × candidate pairs the p-median keeps every pair (the exact model).
DENSE_PAIRS: Final = 2_000_000
# On larger instances each demand cell also keeps at least this many nearest candidates.
PMEDIAN_NEAREST: Final = 10
# Share of the progress bar reached before the solver starts and when it stops.
SOLVE_FROM: Final = 0.3
SOLVE_TO: Final = 0.9


@dataclass(frozen=True)
class Surfaces:
    """Where a run reads its rasters: the fixtures by default, tiny synthetic grids in tests."""

    population: Callable[[], Surface] = surfaces.population
    travel_cost: Callable[[], Surface] = surfaces.travel_cost
    # Per-cell hazard weight on the population grid; the fixture's illustrative zones by default.
    hazard: Callable[[Surface], FloatArray] = hazard.hazard_weights


SURFACES = Surfaces()


@dataclass(frozen=True)
class Outcome:
    """What a run found: the solver's answer and the figures the scenario stores."""

    solution: Solution
    candidates: list[Candidate]
    served: FloatArray
    demand_cells: int
    total: float
    covered: float
    mean: float | None
    worst: float | None
    sites: list[tuple[Candidate, float]] = field(init=False)

    def __post_init__(self) -> None:
        chosen = [(self.candidates[i], float(self.served[i])) for i in self.solution.chosen]
        object.__setattr__(self, "sites", chosen)


# -- solving -------------------------------------------------------------------------------------


def silent(fraction: float, message: str) -> None:
    """No progress reports (the command without ``--verbosity 2``)."""


class NoSolutionError(AnalysisInputError):
    """The solver found no set of sites meeting the scenario (none exists, or none was found
    within the time limit); the scenario fails with the reason."""

    default_message = gettext_lazy("The solver found no solution for these inputs.")


# gis reports its stages in English (it has no translations): what each says, read back into a
# translated message with the same numbers.
_SOLVER_STAGES: Final = (
    (re.compile(r"reducing the instance$"), gettext_lazy("reducing the instance")),
    (
        re.compile(r"solving: (?P<columns>\d+) columns, (?P<rows>\d+) rows$"),
        gettext_lazy("solving: %(columns)s columns, %(rows)s rows"),
    ),
    (
        re.compile(r"solving: (?P<sites>\d+) free sites, (?P<rows>\d+) rows$"),
        gettext_lazy("solving: %(sites)s free sites, %(rows)s rows"),
    ),
    (
        re.compile(r"searching: bound (?P<bound>\S+), no solution yet$"),
        gettext_lazy("searching: bound %(bound)s, no solution yet"),
    ),
    (
        re.compile(r"searching: best (?P<best>\S+), bound (?P<bound>\S+), gap (?P<gap>\S+)$"),
        gettext_lazy("searching: best %(best)s, bound %(bound)s, gap %(gap)s"),
    ),
    (re.compile(r"done: (?P<status>\S+)$"), gettext_lazy("solver finished: %(status)s")),
)


def solver_message(message: str) -> str:
    """A gis solver stage in the reader's language, its numbers kept (as given otherwise)."""
    for pattern, translated in _SOLVER_STAGES:
        found = pattern.match(message)
        if found:
            return str(translated) % found.groupdict() if found.groupdict() else str(translated)
    return message


def _scaled(report: Report) -> Report:
    """The solver's own 0–1 progress, placed between :data:`SOLVE_FROM` and :data:`SOLVE_TO`,
    with its messages translated."""

    def solver(fraction: float, message: str) -> None:
        share = min(max(fraction, 0.0), 1.0)
        report(SOLVE_FROM + (SOLVE_TO - SOLVE_FROM) * share, solver_message(message))

    return solver


def check_solved(solution: Solution) -> None:
    """Raise :class:`NoSolutionError` unless the solver found a solution opening a site."""
    if solution.status == "infeasible":
        raise NoSolutionError(
            _(
                "No choice of sites meets these inputs (with capacities, the sites cannot "
                "hold everyone). Allow more new sites, drop capacities or add candidates."
            )
        )
    if not math.isfinite(solution.objective):
        raise NoSolutionError(
            _(
                "The solver found no solution within the time limit (%(status)s). Allow more "
                "time or use a coarser demand grid."
            )
            % {"status": solution.status}
        )
    if solution.chosen.size == 0:
        raise NoSolutionError(_("The solution opens no site: no candidate reaches anyone."))


def _standard_m(scenario: SitingScenario) -> float:
    """How far a site can reach within the standard: the radius, or the travel time at the
    cost surface's top speed (no path is faster)."""
    if scenario.radius_km is not None:
        return float(scenario.radius_km) * 1000.0
    return float(scenario.minutes or 0) / 60.0 * surfaces.TOP_SPEED_KMH * 1000.0


def _coverage(
    scenario: SitingScenario,
    demand: DemandGrid,
    cost: Surface | None,
    lon: FloatArray,
    lat: FloatArray,
) -> Any:
    if cost is None:
        return coverage_by_distance(demand, lon, lat, _standard_m(scenario))
    return coverage_by_minutes(demand, cost, lon, lat, float(scenario.minutes or 0))


def _capacity(scenario: SitingScenario, candidates: list[Candidate]) -> FloatArray | None:
    if not scenario.use_capacities:
        return None
    volumes = [NEW_SITE_CAPACITY_M3 if c.capacity_m3 is None else c.capacity_m3 for c in candidates]
    return np.array(volumes) * RESIDENTS_PER_M3


def _solve(
    scenario: SitingScenario,
    demand: DemandGrid,
    cover: Any,
    candidates: list[Candidate],
    fixed: int,
    report: Report,
) -> Solution:
    common = {"fixed": np.arange(fixed), "time_limit_s": scenario.time_limit_s}
    common["progress"] = _scaled(report)
    if scenario.model == SitingModel.LSCP:
        return solve_lscp(cover, **common)
    capacity = _capacity(scenario, candidates)
    p = int(scenario.p or 0)
    if scenario.model == SitingModel.MCLP:
        return solve_mclp(cover, demand.weight, p, capacity=capacity, **common)
    lon, lat = _coords(candidates)
    if len(demand) * len(candidates) <= DENSE_PAIRS:
        dist = distances_m(demand, lon, lat)
    else:
        dist = distances_m(demand, lon, lat, max_m=_standard_m(scenario), nearest=PMEDIAN_NEAREST)
    return solve_pmedian(dist, demand.weight, p, capacity=capacity, **common)


def _coords(candidates: list[Candidate]) -> tuple[FloatArray, FloatArray]:
    return np.array([c.lon for c in candidates]), np.array([c.lat for c in candidates])


# -- measuring the solution ---------------------------------------------------------------------


def nearest_by_distance(
    demand: DemandGrid, lon: FloatArray, lat: FloatArray
) -> tuple[IntArray, FloatArray]:
    """For each demand cell, the nearest site (-1 without sites) and its distance in km."""
    site = np.full(len(demand), -1, dtype=np.int64)
    km = np.full(len(demand), np.inf)
    if lon.size == 0:
        return site, km
    pairs = distances_m(demand, lon, lat, max_m=0.0, nearest=1).tocoo()
    order = np.lexsort((pairs.data, pairs.row))
    rows = pairs.row[order]
    first = np.r_[True, rows[1:] != rows[:-1]] if rows.size else np.zeros(0, bool)
    site[rows[first]] = pairs.col[order][first]
    km[rows[first]] = pairs.data[order][first] / 1000.0
    return site, km


def nearest_by_time(
    demand: DemandGrid, cost: Surface, lon: FloatArray, lat: FloatArray, limit: float
) -> tuple[IntArray, FloatArray]:
    """For each demand cell, the quickest site within ``limit`` minutes (-1 if none), and the
    minutes to the quickest site at any time (``inf`` where none is reachable), on the cost
    surface coarsened to the demand grid as coverage is."""
    coarse = coarsen_cost(cost, round(demand.grid_km * 1000.0 / abs(cost.transform.a)))
    rows, cols, ok = snap_to_passable(coarse, *coarse.rowcol(lon, lat))
    sources = [(int(rows[k]), int(cols[k])) for k in np.flatnonzero(ok)]
    times = minutes_from(coarse, sources)[demand.rows, demand.cols]
    site = np.full(len(demand), -1, dtype=np.int64)
    best = np.full(len(demand), np.inf)
    for k in np.flatnonzero(ok):
        reach = minutes_from(coarse, [(int(rows[k]), int(cols[k]))], max_minutes=limit)
        at = reach[demand.rows, demand.cols]
        better = at < best
        best[better], site[better] = at[better], k
    return site, times


def _spread(values: FloatArray, weight: FloatArray) -> tuple[float | None, float | None]:
    """People-weighted mean and the worst of the finite values (None when there are none)."""
    finite = np.isfinite(values)
    if not finite.any() or weight[finite].sum() <= 0:
        return None, None
    return float(np.average(values[finite], weights=weight[finite])), float(values[finite].max())


def _measure(
    scenario: SitingScenario,
    demand: DemandGrid,
    cost: Surface | None,
    cover: Any,
    candidates: list[Candidate],
    solution: Solution,
    people: FloatArray,
) -> dict[str, Any]:
    """Coverage, the spread of travel to the nearest open site and the people each site serves,
    all in ``people`` (the demand's weight may be hazard-weighted, see :func:`_weighted`)."""
    chosen = solution.chosen
    lon, lat = _coords(candidates)
    covered_rows = np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0
    covered = float(people[covered_rows].sum())
    if cost is None:
        nearest, spread = nearest_by_distance(demand, lon[chosen], lat[chosen])
        nearest = np.where(spread * 1000.0 <= _standard_m(scenario), nearest, -1)
    else:
        limit = float(scenario.minutes or 0)
        nearest, spread = nearest_by_time(demand, cost, lon[chosen], lat[chosen], limit)
    serving = np.where(nearest >= 0, chosen[np.maximum(nearest, 0)], -1)
    if scenario.use_capacities or scenario.model == SitingModel.PMEDIAN:
        serving = solution.assignment
    if scenario.use_capacities and scenario.model == SitingModel.MCLP:
        covered = solution.covered_weight  # in people: hazard weights exclude capacities
    served = np.bincount(
        serving[serving >= 0], weights=people[serving >= 0], minlength=len(candidates)
    )
    mean, worst = _spread(spread, people)
    return {"covered": covered, "served": served, "mean": mean, "worst": worst}


def _weighted(
    demand: DemandGrid, pop: Surface, scenario: SitingScenario, sources: Surfaces
) -> DemandGrid:
    """The demand the solver weighs: people × hazard weight when the scenario asks for it.

    Weights are ≥ 1, so the weighted surface is positive exactly where people live and its demand
    grid has the same cells in the same order; only ``weight`` changes.
    """
    if not scenario.weight_by_hazard:
        return demand
    weighted = replace(pop, values=pop.values * sources.hazard(pop))
    grid = demand_grid(weighted, float(scenario.grid_km), within=_region_shape(scenario.region))
    return replace(demand, weight=grid.weight)


def _region_shape(region: AdminDivision) -> Any:
    return shapely.from_wkb(bytes(region.geom.wkb))


def compute(
    scenario: SitingScenario,
    *,
    reader: User,
    sources: Surfaces | None = None,
    report: Report = silent,
) -> Outcome:
    """Solve ``scenario`` (saved or not) with the candidates ``reader`` may see; store nothing."""
    sources = sources or SURFACES
    report(0.02, _("reading the candidate sites"))
    candidates, fixed = gather_candidates(scenario, reader)
    if not candidates or (len(candidates) == fixed and scenario.model != SitingModel.LSCP):
        raise AnalysisInputError(_("The region has no candidate site for a new depot."))
    report(0.08, _("building the demand grid"))
    pop = sources.population()
    demand = demand_grid(pop, float(scenario.grid_km), within=_region_shape(scenario.region))
    if len(demand) == 0:
        raise AnalysisInputError(_("Nobody lives in the region on the population surface."))
    cost = sources.travel_cost() if scenario.minutes is not None else None
    report(0.15, _("finding which candidates reach which people"))
    cover = _coverage(scenario, demand, cost, *_coords(candidates))
    # The solver weighs hazard-weighted people, but the scenario stores people: its coverage
    # share and the people each site serves must stay comparable with unweighted scenarios, so
    # every figure is measured on the unweighted demand (the objective alone is weighted).
    weighted = _weighted(demand, pop, scenario, sources)
    solution = _solve(scenario, weighted, cover, candidates, fixed, report)
    check_solved(solution)
    report(SOLVE_TO, _("measuring travel to the nearest open site"))
    figures = _measure(scenario, weighted, cost, cover, candidates, solution, demand.weight)
    return Outcome(
        solution=solution,
        candidates=candidates,
        demand_cells=len(demand),
        total=float(demand.weight.sum()),
        **figures,
    )
