"""The result of a siting run and the pieces the three models share.

The assignment model (:func:`assignment_model`) serves the p-median and the capacitated MCLP:
binaries ``x_i`` open candidates, continuous ``z_e ∈ [0, 1]`` give the share of a demand row's
weight served through each kept pair ``e = (j, i)``, with ``z_e ≤ x_i`` per pair (the strong,
disaggregated linking), ``Σ_j w_j z_e ≤ cap_i x_i`` per finitely capacitated candidate and
``Σ_new x = p``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from gis.siting.demand import SitingError
from gis.siting.mip import MipModel, MipResult, Progress, solve_mip, stage
from gis.siting.reduction import Reduced

__all__ = [
    "DEFAULT_GAP",
    "SERVED_SLACK",
    "Matrix",
    "Solution",
    "as_capacity",
    "as_fixed",
    "as_weight",
    "assignment_model",
    "check_p",
    "chosen_sites",
    "first_open",
    "largest_share",
    "make_solution",
    "run",
    "served",
    "served_solution",
    "sizes",
    "stage",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Matrix = sp.spmatrix | sp.sparray

DEFAULT_GAP: Final = 1e-4  # HiGHS' own default relative gap
SERVED_SLACK: Final = 1e-6  # shares within this of 0 (or 1) count as 0 (or 1): solver tolerance
_OPEN: Final = 0.5  # a binary above this is open (HiGHS returns values within 1e-6 of 0 or 1)


@dataclass(frozen=True)
class Solution:
    """Outcome of one siting run.

    Attributes
    ----------
    model : {"lscp", "mclp", "pmedian"}
    status : str
        ``"optimal"`` (within the gap), ``"time_limit"`` (best found when time ran out),
        ``"infeasible"``, ``"interrupted"`` or another HiGHS limit.
    objective : float
        LSCP: number of new sites; MCLP: covered weight; p-median: Σ weight × metres. NaN
        without a solution.
    bound : float
        Best bound proven by HiGHS (the objective itself when optimal with no gap).
    gap : float
        ``|bound − objective| / |objective|`` in [0, 1]; 1 when no solution was found.
    chosen : ndarray of int64
        Open candidates, fixed ones included, sorted.
    covered_weight, total_weight : float
        Demand weight covered (served, with capacities) and in total; LSCP counts rows.
    seconds_build, seconds_solve : float
        Reduction and model building; HiGHS.
    assignment : ndarray of int64
        For each demand row the open candidate serving it, -1 if none: the nearest for the
        p-median, the first covering one for LSCP and MCLP, the largest share with capacities.
    uncovered : ndarray of int64
        Demand rows of positive weight left (wholly or partly) unserved; for LSCP, the rows no
        candidate reaches.
    sizes : dict of str to int
        Instance sizes before and after reduction, for reports and benchmarks.
    """

    model: str
    status: str
    objective: float
    bound: float
    gap: float
    chosen: IntArray
    covered_weight: float
    total_weight: float
    seconds_build: float
    seconds_solve: float
    assignment: IntArray
    uncovered: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    sizes: dict[str, int] = field(default_factory=dict)


def make_solution(
    model: str,
    result: MipResult,
    *,
    chosen: IntArray,
    assignment: IntArray,
    covered: float,
    total: float,
    uncovered: IntArray,
    seconds_build: float,
    sizes: dict[str, int],
) -> Solution:
    """A :class:`Solution` from the solver's result and the model's own accounting."""
    return Solution(
        model=model,
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        chosen=chosen,
        covered_weight=covered,
        total_weight=total,
        seconds_build=seconds_build,
        seconds_solve=result.seconds,
        assignment=assignment,
        uncovered=np.asarray(uncovered, dtype=np.int64),
        sizes=sizes,
    )


def served_solution(
    name: str,
    result: MipResult,
    *,
    matrix: sp.csr_matrix,
    weight: FloatArray,
    reduced: Reduced,
    model: MipModel,
    chosen: IntArray,
    capacitated: bool,
    seconds_build: float,
    progress: Progress | None,
) -> Solution:
    """The solution of a model that serves rows (MCLP, p-median): who is served by which open
    site, the weight covered and the rows left unserved, from the original (unreduced) rows."""
    assignment, share = served(result, matrix, reduced, chosen, capacitated=capacitated)
    stage(progress, 1.0, f"done: {result.status}")
    return make_solution(
        name,
        result,
        chosen=chosen,
        assignment=assignment,
        covered=float(weight @ share),
        total=float(weight.sum()),
        uncovered=np.flatnonzero((weight > 0) & (share < 1.0 - SERVED_SLACK)),
        seconds_build=seconds_build,
        sizes=sizes(matrix, reduced, model),
    )


def as_fixed(fixed: Sequence[int] | npt.ArrayLike, n_cand: int) -> IntArray:
    """Sorted unique fixed-site indices, checked against the number of candidates."""
    out = np.unique(np.asarray(fixed, dtype=np.int64).ravel())
    if out.size and (out[0] < 0 or out[-1] >= n_cand):
        raise SitingError(f"fixed site indices must lie in [0, {n_cand}), got {out}")
    return out


def check_p(p: int, n_cand: int, fixed: IntArray) -> None:
    """Refuse a number of new sites the free candidates cannot supply."""
    if not 0 <= p <= n_cand - fixed.size:
        raise SitingError(
            f"p={p} new sites asked for, {n_cand - fixed.size} candidates are not fixed",
            user_message="The number of new sites must lie between 0 and the number of "
            "candidate sites that are not existing depots.",
        )


def as_weight(weight: npt.ArrayLike, n_rows: int) -> FloatArray:
    """Demand weights as float64, one finite value per row."""
    out = np.asarray(weight, dtype=np.float64).ravel()
    if out.size != n_rows or not bool(np.all(np.isfinite(out))):
        raise SitingError(f"need {n_rows} finite weights, got {out.size} values")
    return out


def as_capacity(capacity: npt.ArrayLike | None, n_cand: int) -> FloatArray:
    """Capacities in demand-weight units, ``inf`` for unlimited (the default everywhere)."""
    if capacity is None:
        return np.full(n_cand, np.inf)
    out = np.asarray(capacity, dtype=np.float64).ravel()
    if out.size != n_cand or bool(np.any(np.isnan(out) | (out < 0))):
        raise SitingError(f"need {n_cand} non-negative capacities (inf for unlimited)")
    return out


def run(
    model: MipModel, time_limit_s: float, mip_gap: float, progress: Progress | None
) -> MipResult:
    """Hand ``model`` to HiGHS, reporting the stage first."""
    stage(progress, 0.1, f"solving: {model.cost.size} columns, {model.a.shape[0]} rows")
    return solve_mip(model, time_limit_s=time_limit_s, mip_gap=mip_gap, progress=progress)


def chosen_sites(result: MipResult, columns: IntArray, fixed: IntArray) -> IntArray:
    """Fixed sites plus the open binaries (model column ``k`` is candidate ``columns[k]``)."""
    if result.x is None:
        return fixed
    return np.union1d(fixed, columns[result.x[: columns.size] > _OPEN]).astype(np.int64)


def first_open(matrix: sp.csr_matrix, chosen: IntArray) -> IntArray:
    """Per row, the open candidate with the smallest stored value (lowest index on ties), or -1.

    Coverage stores ``True`` for every pair, so this is the first covering open site; distances
    store metres, so it is the nearest open site among the row's kept pairs.
    """
    is_open = np.zeros(matrix.shape[1], dtype=bool)
    is_open[chosen] = True
    owner = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    hit = is_open[matrix.indices]
    rows, cols = owner[hit], matrix.indices[hit].astype(np.int64)
    order = np.lexsort((cols, np.asarray(matrix.data[hit], dtype=np.float64), rows))
    rows, cols = rows[order], cols[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    out = np.full(matrix.shape[0], -1, dtype=np.int64)
    out[rows[first]] = cols[first]
    return out


def served(
    result: MipResult,
    matrix: sp.csr_matrix,
    reduced: Reduced,
    chosen: IntArray,
    *,
    capacitated: bool,
) -> tuple[IntArray, FloatArray]:
    """Per demand row: the site serving it (-1 if none) and the share of its weight served."""
    if capacitated:
        return largest_share(result, reduced, matrix.shape[1])
    assignment = first_open(matrix, chosen)
    return assignment, (assignment >= 0).astype(np.float64)


def largest_share(result: MipResult, reduced: Reduced, n_cand: int) -> tuple[IntArray, FloatArray]:
    """From an assignment model: per original row, the candidate of its largest share and the
    share of its weight served (0 for dropped rows)."""
    m = reduced.matrix.shape[0]
    if result.x is None or m == 0:
        return np.full(reduced.row_of.size, -1, np.int64), np.zeros(reduced.row_of.size)
    z = result.x[n_cand:]
    owner = np.repeat(np.arange(m), np.diff(reduced.matrix.indptr))
    order = np.lexsort((-z, owner))
    first = np.ones(order.size, dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    best = order[first]
    pick = np.where(z[best] > SERVED_SLACK, reduced.matrix.indices[best], -1).astype(np.int64)
    served = np.minimum(np.bincount(owner, weights=z, minlength=m), 1.0)
    dropped = reduced.row_of < 0
    row = np.where(dropped, 0, reduced.row_of)
    return np.where(dropped, -1, pick[row]), np.where(dropped, 0.0, served[row])


def _capacity_rows(reduced: Reduced, capacity: FloatArray, owner: IntArray) -> sp.csr_matrix:
    """``Σ_j w_j z_e − cap_i x_i ≤ 0`` for each candidate of finite capacity."""
    n_cand, nnz = reduced.matrix.shape[1], reduced.matrix.nnz
    finite = np.flatnonzero(np.isfinite(capacity))
    slot = np.full(n_cand, -1, dtype=np.int64)
    slot[finite] = np.arange(finite.size)
    cand = reduced.matrix.indices
    sel = np.flatnonzero(slot[cand] >= 0)
    load = sp.csr_matrix(
        (reduced.weight[owner[sel]], (slot[cand[sel]], sel)), shape=(finite.size, nnz)
    )
    cap = sp.csr_matrix(
        (-capacity[finite], (np.arange(finite.size), finite)), (finite.size, n_cand)
    )
    return sp.hstack([cap, load], format="csr")


def _assignment_matrix(reduced: Reduced, capacity: FloatArray, fixed: IntArray) -> sp.csr_matrix:
    """Rows: one per demand row (its shares), one per pair (``z_e − x_i ≤ 0``), one per
    finitely capacitated site, and the count of new sites. Columns: sites, then pairs."""
    m, n_cand = reduced.matrix.shape
    nnz = reduced.matrix.nnz
    owner = np.repeat(np.arange(m), np.diff(reduced.matrix.indptr))
    pair = np.arange(nnz)
    demand = sp.csr_matrix((np.ones(nnz), (owner, pair)), shape=(m, nnz))
    opened = sp.csr_matrix((-np.ones(nnz), (pair, reduced.matrix.indices)), shape=(nnz, n_cand))
    new = np.ones(n_cand)
    new[fixed] = 0.0
    return sp.vstack(
        [
            sp.hstack([sp.csr_matrix((m, n_cand)), demand]),
            sp.hstack([opened, sp.identity(nnz, format="csr")]),
            _capacity_rows(reduced, capacity, owner),
            sp.hstack([sp.csr_matrix(new[None, :]), sp.csr_matrix((1, nnz))]),
        ],
        format="csr",
    )


def assignment_model(
    reduced: Reduced,
    *,
    p: int,
    fixed: IntArray,
    capacity: FloatArray,
    pair_cost: FloatArray,
    maximise: bool,
    must_serve: bool,
) -> MipModel:
    """Columns ``x`` (one binary per candidate, fixed ones at 1) then ``z`` (one per kept pair).

    ``must_serve`` makes each row's shares sum to exactly 1 (p-median) rather than at most 1
    (capacitated MCLP).
    """
    m, n_cand = reduced.matrix.shape
    nnz = reduced.matrix.nnz
    a = _assignment_matrix(reduced, capacity, fixed)
    n_link = a.shape[0] - m - 1
    lower_x = np.zeros(n_cand)
    lower_x[fixed] = 1.0
    return MipModel(
        maximise=maximise,
        offset=reduced.constant,
        cost=np.concatenate([np.zeros(n_cand), pair_cost]),
        lower=np.concatenate([lower_x, np.zeros(nnz)]),
        upper=np.ones(n_cand + nnz),
        integer=np.concatenate([np.ones(n_cand, bool), np.zeros(nnz, bool)]),
        a=a,
        row_lower=np.concatenate(
            [np.full(m, 1.0 if must_serve else -np.inf), np.full(n_link, -np.inf), [p]]
        ),
        row_upper=np.concatenate([np.ones(m), np.zeros(n_link), [p]]),
    )


def sizes(matrix: sp.csr_matrix, reduced: Reduced, model: MipModel) -> dict[str, int]:
    """Instance sizes: original pairs, after reduction, and the MIP handed to HiGHS."""
    return {
        "demand_rows": int(matrix.shape[0]),
        "candidates": int(matrix.shape[1]),
        "pairs": int(matrix.nnz),
        "rows_after_reduction": int(reduced.matrix.shape[0]),
        "pairs_after_reduction": int(reduced.matrix.nnz),
        "model_columns": int(model.cost.size),
        "model_rows": int(model.a.shape[0]),
        "model_nonzeros": int(model.a.nnz),
    }
