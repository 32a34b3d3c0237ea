"""Depot siting: LSCP, MCLP and p-median on a population grid, as MIPs solved by HiGHS.

Method
------
1. **Demand** (:func:`demand_grid`): the 1 km equal-area population surface is block-summed to
   ``grid_km`` cells; every populated block is one demand point at its centre, weighted by its
   people.
2. **Reach** (:func:`coverage_by_distance`, :func:`coverage_by_minutes`, :func:`distances_m`):
   a sparse demand × candidate matrix. Distances are geodesic on GRS80; a k-d tree on the unit
   sphere with a provably sufficient chord proposes pairs and the exact geodesic filters them
   (see :mod:`gis.siting.demand`). Travel-time coverage runs a truncated cost-distance search
   from each candidate on the cost surface coarsened to the grid.
3. **Reduction** (:mod:`gis.siting.reduction`), below.
4. **Model**: a sparse MIP built with array operations and passed to HiGHS (``highspy``) in one
   call, with a time limit and a relative gap; the status, objective, proven bound and gap
   are reported, with progress from HiGHS' MIP callbacks (:mod:`gis.siting.mip`).
5. **Search** (MCLP without capacities, :mod:`gis.siting.staged`): a greedy/swap start
   (:mod:`gis.siting.heuristic`), the LP bound, HiGHS on kernels of the sites the LP favours,
   then HiGHS on the full model from the best solution found. Large MCLPs have LP bounds a
   little above their optimum and big search trees; the stages bring a near-optimal solution
   and a proven gap within seconds to a minute, and the full model still proves optimality
   when the time limit allows.

Models (``x_i`` binary opens candidate ``i``; ``N_j`` = candidates covering row ``j``; fixed
sites have ``x_i = 1`` and are not counted in ``p``):

* LSCP: ``min Σ_new x`` s.t. ``Σ_{i∈N_j} x_i ≥ 1`` for every row some candidate covers. Rows no
  candidate covers are reported as ``uncovered`` instead of making the model infeasible.
* MCLP: ``max Σ_j w_j y_j`` s.t. ``y_j ≤ Σ_{i∈N_j} x_i``, ``Σ_new x = p``, ``0 ≤ y_j ≤ 1``
  continuous (at an optimum ``y_j = min(1, Σ x)`` for integral ``x``, so ``y`` needs no
  integrality and the search branches on the ``x`` only).
* p-median: ``min Σ w_j d_ji z_ji`` s.t. ``Σ_i z_ji = 1``, ``z_ji ≤ x_i``, ``Σ_new x = p``,
  over the pairs ``distances_m`` keeps. It keeps, per row, every candidate within ``max_m`` and
  at least its ``nearest`` closest: a distance prefix. For any set of open sites that meets
  every row's prefix, a row's nearest open site lies in its prefix, so the sparse model prices
  that set exactly; the sparse optimum is therefore the p-median optimum among site sets that
  serve every row within its prefix (a maximum-distance p-median), and equals the unrestricted
  optimum whenever some unrestricted optimum does so. ``max_m=None`` keeps all pairs.
* Capacities (MCLP and p-median): ``Σ_j w_j z_ji ≤ cap_i x_i`` with ``z`` the share of row
  ``j`` served by ``i`` (MCLP: ``Σ_i z_ji ≤ 1``); shares may split a row between sites.

Exact reductions
----------------
Each leaves the optimal objective unchanged (up to a recorded constant), so the optimum of the
reduced MIP is the optimum of the stated model:

* *Zero-weight rows* add nothing to any objective: dropped (MCLP, p-median; LSCP has no weights).
* *Rows no candidate covers* are uncovered whatever is chosen: a constant 0 (MCLP), reported
  (LSCP, p-median).
* *Rows covered by a fixed site* are covered in every solution: their weight becomes a constant
  (MCLP, LSCP) and their rows and constraints vanish. Not with capacities, where a fixed site's
  capacity may run out.
* *Rows with identical coverage sets* have equal ``y`` in some optimum (same bound
  ``Σ_{i∈N} x_i``), so one row with the summed weight is equivalent (MCLP); for LSCP they are
  the same constraint, kept once. For the p-median, rows with identical pairs *and* distances
  merge likewise (the same nearest open site; with capacities, shares of the merged row split
  back in proportion). Grouping uses hashes and is then verified entry by entry, so a hash
  collision cannot merge different rows.
* *p-median pairs beyond the nearest fixed site* are never used without capacities (a fixed
  site is always open and nearer): dropped.

With the search, this is where the speed comes from: at 50 km coverage most cells of a 2 km
grid share their coverage set with neighbours (Sichuan with the benchmark's 1,000 candidates:
122,550 cells, about 22,900 distinct sets), so the MIP has far fewer rows than the grid has
cells.
"""

from gis.siting.coverage import solve_lscp, solve_mclp
from gis.siting.demand import (
    DemandGrid,
    SitingError,
    coverage_by_distance,
    coverage_by_minutes,
    demand_grid,
    distances_m,
)
from gis.siting.mip import Progress
from gis.siting.pmedian import solve_pmedian
from gis.siting.solution import Solution

__all__ = [
    "DemandGrid",
    "Progress",
    "SitingError",
    "Solution",
    "coverage_by_distance",
    "coverage_by_minutes",
    "demand_grid",
    "distances_m",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
]
