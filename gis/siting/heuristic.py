"""A fast MCLP starting solution: greedy, then best-improvement swaps.

HiGHS proves bounds; a good incumbent from the start lets it stop earlier (the gap closes from
both sides) and guarantees a usable answer even if the time limit strikes at the root. Greedy
adds the site covering the most uncovered weight, ``p`` times; the swap phase (Teitz–Bart
interchange with Whitaker's bookkeeping) then exchanges one open and one closed site while that
gains weight, evaluating all ``p × n`` exchanges at once with one sparse product: the weight
lost by closing ``i`` is what only ``i`` covers, the weight gained by opening ``k`` is what
nothing covers plus what only ``i`` covered and ``k`` also covers.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["mclp_start"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Swaps stop when no exchange gains more than this share of the total weight (rounding noise).
_MIN_GAIN: Final = 1e-12
# A bound on swap rounds, so that the heuristic stays a small fraction of any solve.
_MAX_ROUNDS_PER_SITE: Final = 4


def _greedy(cover: sp.csr_matrix, by_site: sp.csr_matrix, weight: FloatArray, p: int) -> BoolArray:
    count = np.zeros(cover.shape[0])
    is_open = np.zeros(cover.shape[1], dtype=bool)
    for _ in range(p):
        gain = by_site @ np.where(count == 0, weight, 0.0)
        gain[is_open] = -np.inf
        best = int(np.argmax(gain))
        is_open[best] = True
        count[by_site.indices[by_site.indptr[best] : by_site.indptr[best + 1]]] += 1
    return is_open


def _best_swap(
    cover: sp.csr_matrix, by_site: sp.csr_matrix, weight: FloatArray, is_open: BoolArray
) -> tuple[int, int, float]:
    """(site to close, site to open, weight gained) of the best single exchange."""
    count = cover @ is_open.astype(np.float64)
    opened = np.flatnonzero(is_open)
    single = np.flatnonzero(count == 1)
    # Each singly covered row has exactly one open site among its entries: its sole cover.
    sole = opened[sp.csr_matrix(cover[single][:, opened]).indices]
    loss = np.bincount(sole, weights=weight[single], minlength=cover.shape[1])[opened]
    slot = np.full(cover.shape[1], -1, dtype=np.int64)
    slot[opened] = np.arange(opened.size)
    only = sp.csr_matrix(
        (weight[single], (slot[sole], single)), shape=(opened.size, cover.shape[0])
    )
    delta = (only @ cover).toarray() + (by_site @ np.where(count == 0, weight, 0.0))[None, :]
    delta -= loss[:, None]
    delta[:, is_open] = -np.inf
    i, k = np.unravel_index(int(np.argmax(delta)), delta.shape)
    return int(opened[i]), int(k), float(delta[i, k])


def mclp_start(cover: sp.csr_matrix, weight: FloatArray, p: int) -> BoolArray:
    """Open ``p`` sites by greedy then swaps.

    Parameters
    ----------
    cover : scipy.sparse.csr_matrix, shape (m, n)
        Coverage of the (reduced) rows by the free candidates.
    weight : ndarray of float64, shape (m,)
    p : int
        Sites to open, ``0 ≤ p ≤ n``.

    Returns
    -------
    ndarray of bool, shape (n,)
        The open sites: a local optimum for single exchanges (or the last round's).
    """
    cover = sp.csr_matrix(cover, dtype=np.float64)
    by_site = sp.csr_matrix(cover.T)
    is_open = _greedy(cover, by_site, weight, p)
    if p == 0 or p == cover.shape[1] or cover.shape[0] == 0:
        return is_open
    threshold = _MIN_GAIN * float(weight.sum())
    for _ in range(_MAX_ROUNDS_PER_SITE * p):
        close, open_, gain = _best_swap(cover, by_site, weight, is_open)
        if gain <= threshold:
            break
        is_open[close] = False
        is_open[open_] = True
    return is_open
