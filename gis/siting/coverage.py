"""Coverage models: LSCP (fewest sites covering everyone) and MCLP (most weight covered by p)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from gis.siting.mip import MipModel, MipResult, Progress
from gis.siting.reduction import Reduced, canonical, reduce_rows
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
    first_open,
    make_solution,
    run,
    served_solution,
    sizes,
    stage,
)
from gis.siting.staged import solve_mclp_staged

__all__ = ["solve_lscp", "solve_mclp"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _free_columns(reduced: Reduced, fixed: IntArray) -> tuple[IntArray, sp.csr_matrix]:
    """Candidates that are not fixed, and the reduced coverage restricted to them."""
    new = np.setdiff1d(np.arange(reduced.matrix.shape[1], dtype=np.int64), fixed)
    return new, sp.csr_matrix(reduced.matrix[:, new], dtype=np.float64)


def _lscp_model(cover_new: sp.csr_matrix) -> MipModel:
    """min Σ x  s.t.  Σ_{i∈N_j} x_i ≥ 1 for every remaining row, x binary."""
    m, n_new = cover_new.shape
    return MipModel(
        maximise=False,
        offset=0.0,
        cost=np.ones(n_new),
        lower=np.zeros(n_new),
        upper=np.ones(n_new),
        integer=np.ones(n_new, dtype=bool),
        a=cover_new,
        row_lower=np.ones(m),
        row_upper=np.full(m, np.inf),
    )


def solve_lscp(
    cover: Matrix,
    *,
    fixed: Sequence[int] | npt.ArrayLike = (),
    time_limit_s: float = 60.0,
    progress: Progress | None = None,
) -> Solution:
    """Location set covering: the fewest new sites covering every row some candidate reaches.

    Parameters
    ----------
    cover : sparse matrix of bool, shape (n_demand, n_candidates)
        From :func:`gis.siting.coverage_by_distance` or :func:`gis.siting.coverage_by_minutes`.
    fixed : sequence of int
        Existing sites: always open, not counted in the objective.
    time_limit_s : float
        HiGHS time limit.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    Solution
        ``objective`` is the number of new sites. Rows no candidate reaches are listed in
        ``uncovered`` (and left out) instead of making the model infeasible.
    """
    start = time.perf_counter()
    stage(progress, 0.0, "reducing the instance")
    matrix = canonical(cover, structural=False)
    fixed_a = as_fixed(fixed, matrix.shape[1])
    reduced = reduce_rows(matrix, np.ones(matrix.shape[0]), fixed=fixed_a)
    new, cover_new = _free_columns(reduced, fixed_a)
    model = _lscp_model(cover_new)
    seconds_build = time.perf_counter() - start
    result = run(model, time_limit_s, DEFAULT_GAP, progress)
    chosen = chosen_sites(result, new, fixed_a)
    assignment = first_open(matrix, chosen)
    stage(progress, 1.0, f"done: {result.status}")
    return make_solution(
        "lscp",
        result,
        chosen=chosen,
        assignment=assignment,
        covered=float(np.count_nonzero(assignment >= 0)),
        total=float(matrix.shape[0]),
        uncovered=reduced.uncoverable,
        seconds_build=seconds_build,
        sizes=sizes(matrix, reduced, model),
    )


def _mclp_model(reduced: Reduced, cover_new: sp.csr_matrix, p: int) -> MipModel:
    """max Σ w_j y_j + constant  s.t.  y_j ≤ Σ_{i∈N_j} x_i,  Σ x = p,  x binary, 0 ≤ y ≤ 1."""
    m, n_new = cover_new.shape
    a = sp.vstack(
        [
            sp.hstack([-cover_new, sp.identity(m, format="csr")]),
            sp.hstack([sp.csr_matrix(np.ones((1, n_new))), sp.csr_matrix((1, m))]),
        ],
        format="csr",
    )
    return MipModel(
        maximise=True,
        offset=reduced.constant,
        cost=np.concatenate([np.zeros(n_new), reduced.weight]),
        lower=np.zeros(n_new + m),
        upper=np.ones(n_new + m),
        integer=np.concatenate([np.ones(n_new, dtype=bool), np.zeros(m, dtype=bool)]),
        a=a,
        row_lower=np.concatenate([np.full(m, -np.inf), [p]]),
        row_upper=np.concatenate([np.zeros(m), [p]]),
    )


def _mclp_instance(
    matrix: sp.csr_matrix,
    weight: FloatArray,
    p: int,
    fixed: IntArray,
    capacity: FloatArray | None,
) -> tuple[Reduced, MipModel, IntArray, sp.csr_matrix | None]:
    """Reduced rows, the MIP, the candidate behind each binary column and, without
    capacities, the reduced coverage of the free sites (for the staged search)."""
    if capacity is None:
        reduced = reduce_rows(matrix, weight, fixed=fixed)
        new, cover_new = _free_columns(reduced, fixed)
        return reduced, _mclp_model(reduced, cover_new, p), new, cover_new
    # A fixed site's capacity may be used up, so rows it covers are not settled in advance.
    reduced = reduce_rows(matrix, weight)
    model = assignment_model(
        reduced,
        p=p,
        fixed=fixed,
        capacity=capacity,
        pair_cost=np.repeat(reduced.weight, np.diff(reduced.matrix.indptr)),
        maximise=True,
        must_serve=False,
    )
    return reduced, model, np.arange(matrix.shape[1], dtype=np.int64), None


def _search(
    model: MipModel,
    reduced: Reduced,
    cover_new: sp.csr_matrix | None,
    p: int,
    time_limit_s: float,
    mip_gap: float,
    progress: Progress | None,
) -> MipResult:
    """The staged search without capacities (``cover_new`` given), one HiGHS run with them."""
    if cover_new is None:
        return run(model, time_limit_s, mip_gap, progress)
    stage(progress, 0.1, f"solving: {cover_new.shape[1]} free sites, {cover_new.shape[0]} rows")
    return solve_mclp_staged(
        model,
        cover_new,
        reduced.weight,
        p,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        progress=progress,
    )


def solve_mclp(
    cover: Matrix,
    weight: npt.ArrayLike,
    p: int,
    *,
    fixed: Sequence[int] | npt.ArrayLike = (),
    capacity: npt.ArrayLike | None = None,
    time_limit_s: float = 60.0,
    mip_gap: float = DEFAULT_GAP,
    progress: Progress | None = None,
) -> Solution:
    """Maximal covering: the ``p`` new sites that, with the fixed ones, cover the most weight.

    Parameters
    ----------
    cover : sparse matrix of bool, shape (n_demand, n_candidates)
    weight : array_like, shape (n_demand,)
        Demand weight (people) of each row.
    p : int
        Number of *new* sites; fixed sites come on top.
    fixed : sequence of int
        Existing sites, always open.
    capacity : array_like, shape (n_candidates,), optional
        Weight each candidate can serve (``inf``: unlimited). With capacities a row's weight may
        be split between sites, and ``covered_weight`` is the weight actually served.
    time_limit_s : float
        Wall-clock limit of the whole search.
    mip_gap : float
        Relative gap at which the search stops.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    Solution
        ``objective`` is the covered weight, fixed sites' coverage included.

    Notes
    -----
    Without capacities the search runs in stages (:mod:`gis.siting.staged`): a greedy/swap
    start, the LP bound, kernels of the sites the LP favours, then the full model.
    """
    start = time.perf_counter()
    stage(progress, 0.0, "reducing the instance")
    matrix = canonical(cover, structural=False)
    weight_a = as_weight(weight, matrix.shape[0])
    fixed_a = as_fixed(fixed, matrix.shape[1])
    check_p(p, matrix.shape[1], fixed_a)
    cap = None if capacity is None else as_capacity(capacity, matrix.shape[1])
    reduced, model, columns, cover_new = _mclp_instance(matrix, weight_a, p, fixed_a, cap)
    seconds_build = time.perf_counter() - start
    result = _search(model, reduced, cover_new, p, time_limit_s, mip_gap, progress)
    chosen = chosen_sites(result, columns, fixed_a)
    return served_solution(
        "mclp",
        result,
        matrix=matrix,
        weight=weight_a,
        reduced=reduced,
        model=model,
        chosen=chosen,
        capacitated=cap is not None,
        seconds_build=seconds_build,
        progress=progress,
    )
