"""p-median: the ``p`` new sites that, with the fixed ones, minimise weighted distance."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from gis.siting.mip import MipModel, Progress
from gis.siting.reduction import Reduced, canonical, reduce_rows, trim_beyond_fixed
from gis.siting.solution import (
    DEFAULT_GAP,
    Matrix,
    Solution,
    as_capacity,
    as_fixed,
    as_weight,
    assignment_model,
    check_p,
    chosen_sites,
    run,
    served_solution,
    stage,
)

__all__ = ["solve_pmedian"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def solve_pmedian(
    dist: Matrix,
    weight: npt.ArrayLike,
    p: int,
    *,
    fixed: Sequence[int] | npt.ArrayLike = (),
    capacity: npt.ArrayLike | None = None,
    time_limit_s: float = 60.0,
    progress: Progress | None = None,
) -> Solution:
    """p-median over the kept pairs of a sparse distance matrix.

    Parameters
    ----------
    dist : sparse matrix of float64, shape (n_demand, n_candidates)
        Metres, from :func:`gis.siting.distances_m`: the stored entries (zeros included) are the
        pairs a demand row may be assigned through, each row a distance prefix.
    weight : array_like, shape (n_demand,)
    p : int
        Number of *new* sites; fixed sites come on top.
    fixed : sequence of int
        Existing sites, always open.
    capacity : array_like, shape (n_candidates,), optional
        Weight each candidate can serve (``inf``: unlimited); rows may then be split between
        sites and ``assignment`` names the largest share.
    time_limit_s : float
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    Solution
        ``objective`` is Σ weight × metres. Rows with no kept pair are left out and listed in
        ``uncovered``; if no choice of sites reaches every other row through its kept pairs
        (or capacities fall short), the status is ``"infeasible"``.

    Notes
    -----
    The result is the p-median optimum among site sets that give every row an open site
    among its kept pairs (see :mod:`gis.siting`): with a distance cap, a maximum-distance
    p-median, which is infeasible when ``p`` sites cannot reach every row within its cap. Keep
    ``n_candidates − p − len(fixed) + 1`` nearest per row for the unrestricted p-median.
    """
    start = time.perf_counter()
    stage(progress, 0.0, "reducing the instance")
    matrix = canonical(dist, structural=True)
    n_cand = matrix.shape[1]
    weight_a = as_weight(weight, matrix.shape[0])
    fixed_a = as_fixed(fixed, n_cand)
    check_p(p, n_cand, fixed_a)
    reduced, model = _pmedian_model(matrix, weight_a, p, fixed_a, capacity)
    seconds_build = time.perf_counter() - start
    result = run(model, time_limit_s, DEFAULT_GAP, progress)
    chosen = chosen_sites(result, np.arange(n_cand, dtype=np.int64), fixed_a)
    return served_solution(
        "pmedian",
        result,
        matrix=matrix,
        weight=weight_a,
        reduced=reduced,
        model=model,
        chosen=chosen,
        capacitated=capacity is not None,
        seconds_build=seconds_build,
        progress=progress,
    )


def _pmedian_model(
    matrix: sp.csr_matrix,
    weight: FloatArray,
    p: int,
    fixed: IntArray,
    capacity: npt.ArrayLike | None,
) -> tuple[Reduced, MipModel]:
    """Reduced rows and the assignment MIP priced in weight × metres."""
    # Without capacities a fixed site is always open and nearer than what lies beyond it.
    usable = matrix if capacity is not None else trim_beyond_fixed(matrix, fixed)
    reduced = reduce_rows(usable, weight, with_data=True)
    pair_weight = np.repeat(reduced.weight, np.diff(reduced.matrix.indptr))
    model = assignment_model(
        reduced,
        p=p,
        fixed=fixed,
        capacity=as_capacity(capacity, matrix.shape[1]),
        pair_cost=pair_weight * reduced.matrix.data,
        maximise=False,
        must_serve=True,
    )
    return reduced, model
