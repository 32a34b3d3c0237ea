"""A sparse MIP handed to HiGHS in one call, with time limit, gap and progress reports.

The constraint matrix is passed row-wise as CSR arrays (``Highs.passModel``), so building a
model costs a few numpy operations however many nonzeros it has. Progress comes from HiGHS' MIP
callbacks: every improving solution, and at most once per :data:`REPORT_EVERY_S` from the
interrupt check HiGHS makes throughout the search. A progress function that raises stops the
solve (the exception is re-raised once HiGHS has returned), which is how a background job is
cancelled.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = [
    "REPORT_EVERY_S",
    "MipModel",
    "MipResult",
    "Progress",
    "objective_scale",
    "relative_gap",
    "solve_mip",
    "stage",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Progress = Callable[[float, str], None]

REPORT_EVERY_S: Final = 1.0
# Default share of the progress bar a solve fills (before: building; after: reporting).
SOLVE_START: Final = 0.1
SOLVE_END: Final = 0.95

_STATUS: Final = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
    highspy.HighsModelStatus.kMemoryLimit: "memory_limit",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kSolutionLimit: "solution_limit",
}
_FEASIBLE: Final = 2  # HiGHS' kSolutionStatusFeasible


@dataclass(frozen=True)
class MipModel:
    """``optimise cost·x + offset`` s.t. ``row_lower ≤ a·x ≤ row_upper``, ``lower ≤ x ≤ upper``."""

    maximise: bool
    offset: float
    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: BoolArray
    a: sp.csr_matrix
    row_lower: FloatArray
    row_upper: FloatArray


@dataclass(frozen=True)
class MipResult:
    """What HiGHS returned: ``x`` is ``None`` when no feasible solution was found."""

    status: str
    objective: float
    bound: float
    gap: float
    x: FloatArray | None
    seconds: float


class _Reporter:
    """HiGHS callback target: forwards progress, throttled, and stops on request."""

    def __init__(
        self, progress: Progress, time_limit_s: float, scale: float, span: tuple[float, float]
    ) -> None:
        self.progress = progress
        self.scale = scale
        self.time_limit_s = max(time_limit_s, 1e-9)
        self.span = span
        self.last = -math.inf
        self.fraction = span[0]
        self.error: BaseException | None = None

    def __call__(self, event: highspy.highs.HighsCallbackEvent) -> None:
        if self.error is not None:
            event.interrupt()
            return
        improving = (
            event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution
        )
        now = time.perf_counter()
        if not improving and now - self.last < REPORT_EVERY_S:
            return
        self.last = now
        out = event.data_out
        share = min(1.0, out.running_time / self.time_limit_s)
        low, high = self.span
        self.fraction = max(self.fraction, low + (high - low) * share)
        try:
            message = _bounds_message(
                out.mip_primal_bound * self.scale, out.mip_dual_bound * self.scale
            )
            self.progress(self.fraction, message)
        except Exception as exc:  # re-raised by solve_mip after HiGHS stops
            self.error = exc
            event.interrupt()


def stage(progress: Progress | None, fraction: float, message: str) -> None:
    """Report a stage when a progress function was given."""
    if progress is not None:
        progress(fraction, message)


def _bounds_message(primal: float, dual: float) -> str:
    if not math.isfinite(primal):
        return f"searching: bound {dual:.6g}, no solution yet"
    return f"searching: best {primal:.6g}, bound {dual:.6g}, gap {relative_gap(primal, dual):.3%}"


def relative_gap(objective: float, bound: float) -> float:
    """``|bound − objective| / |objective|`` clipped to [0, 1]; 1 when unknown."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return 1.0
    if bound == objective:
        return 0.0
    return min(1.0, abs(bound - objective) / max(abs(objective), 1e-12))


def objective_scale(cost: FloatArray) -> float:
    """Power of two bringing the largest cost near 1 (exact in floating point).

    People-weighted costs reach 10⁶–10¹⁰; HiGHS warns that such a badly scaled objective
    compromises speed and accuracy, and its tolerances assume costs of order one.
    """
    largest = float(np.abs(cost).max(initial=0.0))
    return 1.0 if largest == 0.0 else float(2.0 ** round(math.log2(largest)))


def _load(highs: highspy.Highs, model: MipModel, scale: float) -> None:
    a = model.a
    status = highs.passModel(
        int(model.cost.size),
        int(a.shape[0]),
        int(a.nnz),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize),
        float(model.offset) / scale,
        np.ascontiguousarray(model.cost, dtype=np.float64) / scale,
        np.ascontiguousarray(model.lower, dtype=np.float64),
        np.ascontiguousarray(model.upper, dtype=np.float64),
        np.ascontiguousarray(model.row_lower, dtype=np.float64),
        np.ascontiguousarray(model.row_upper, dtype=np.float64),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(np.float64),
        model.integer.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the siting model")


def _options(highs: highspy.Highs, time_limit_s: float, mip_gap: float) -> None:
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", float(mip_gap))


@functools.cache
def _mute_banner() -> None:
    """Make the process's first ``Highs`` with the C-level stdout sent to the null device.

    HiGHS prints its version banner to stdout once per process, when the first instance is
    made and before any option can turn output off; it would corrupt machine-readable output
    such as ``manage.py site_depots --format json``.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves __init__ bare
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def solve_mip(
    model: MipModel,
    *,
    time_limit_s: float,
    mip_gap: float,
    progress: Progress | None,
    initial: FloatArray | None = None,
    span: tuple[float, float] = (SOLVE_START, SOLVE_END),
) -> MipResult:
    """Solve ``model`` with HiGHS.

    Parameters
    ----------
    model : MipModel
    time_limit_s : float
        Wall-clock limit; HiGHS then returns its best solution with status ``"time_limit"``.
    mip_gap : float
        Relative gap at which HiGHS stops as optimal.
    progress : callable, optional
        ``progress(fraction, message)`` from HiGHS' MIP callbacks.
    initial : ndarray of float64, optional
        Values of the first ``initial.size`` columns (the binaries) of a feasible solution;
        HiGHS completes the rest and starts from it.
    span : (float, float)
        Share of the progress bar this solve fills, from its start to its time limit.

    Returns
    -------
    MipResult
    """
    _mute_banner()
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    _options(highs, time_limit_s, mip_gap)
    scale = objective_scale(model.cost)
    _load(highs, model, scale)
    if initial is not None:
        highs.setSolution(int(initial.size), np.arange(initial.size, dtype=np.int32), initial)
    reporter = None
    if progress is not None:
        reporter = _Reporter(progress, time_limit_s, scale, span)
        highs.cbMipImprovingSolution.subscribe(reporter)
        highs.cbMipInterrupt.subscribe(reporter)
    start = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - start
    if reporter is not None and reporter.error is not None:
        raise reporter.error
    return _result(highs, model, scale, seconds)


def _result(highs: highspy.Highs, model: MipModel, scale: float, seconds: float) -> MipResult:
    status = _STATUS.get(highs.getModelStatus(), "error")
    info = highs.getInfo()
    if model.cost.size == 0:
        return MipResult(status, model.offset, model.offset, 0.0, np.zeros(0), seconds)
    if info.primal_solution_status != _FEASIBLE:
        return MipResult(status, math.nan, info.mip_dual_bound * scale, 1.0, None, seconds)
    objective = float(info.objective_function_value) * scale
    bound = float(info.mip_dual_bound) * scale
    if status == "optimal" and not math.isfinite(bound):
        bound = objective
    x = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    return MipResult(status, objective, bound, relative_gap(objective, bound), x, seconds)
