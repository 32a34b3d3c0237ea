"""Exact reductions of a siting instance's demand rows before the MIP.

Each reduction returns a smaller instance with the same optimal objective (up to a constant it
records) and a map back to the original rows; the reasons are in :mod:`gis.siting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["Reduced", "canonical", "reduce_rows", "trim_beyond_fixed"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Fixed seed: the hashes only group rows, and grouping is verified, but a run must not depend
# on the clock.
_HASH_SEED: Final = 20_200_701


@dataclass(frozen=True)
class Reduced:
    """Demand rows after reduction.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, shape (m, n_candidates)
        One row per group of identical kept rows, sorted indices.
    weight : ndarray of float64, shape (m,)
        Summed weight of each group.
    row_of : ndarray of int64
        For every original row, its reduced row, or -1 if it was dropped.
    constant : float
        Objective already secured by dropped rows (weight covered by a fixed site, or the
        weighted distance of rows settled by a fixed site).
    uncoverable : ndarray of int64
        Original rows of positive weight that no candidate reaches.
    """

    matrix: sp.csr_matrix
    weight: FloatArray
    row_of: IntArray
    constant: float
    uncoverable: IntArray


def canonical(matrix: sp.spmatrix | sp.sparray, *, structural: bool) -> sp.csr_matrix:
    """CSR copy with sorted, unique indices.

    ``structural=False`` (coverage) drops stored zeros, as ``False`` is not coverage;
    ``structural=True`` (distances) keeps them, as a stored 0 m is a kept pair.
    """
    out = sp.csr_matrix(matrix, copy=True)
    out.sum_duplicates()
    if not structural:
        out.eliminate_zeros()
    out.sort_indices()
    return out


def _row_hashes(matrix: sp.csr_matrix, with_data: bool) -> npt.NDArray[np.uint64]:
    """Two 64-bit hashes of each row's (index, value) set plus its length, shape (n, 3).

    Sums of random 64-bit words per entry, wrapping modulo 2**64; row sums come from a
    cumulative sum so empty rows need no special case.
    """
    rng = np.random.default_rng(_HASH_SEED)
    words = rng.integers(1, np.iinfo(np.int64).max, size=(2, matrix.shape[1]), dtype=np.uint64)
    entry = words[:, matrix.indices]
    if with_data:
        bits = np.ascontiguousarray(matrix.data, dtype=np.float64).view(np.uint64)
        entry = entry * (bits | np.uint64(1)) + bits
    cums = np.concatenate([np.zeros((2, 1), np.uint64), np.cumsum(entry, axis=1)], axis=1)
    sums = cums[:, matrix.indptr[1:]] - cums[:, matrix.indptr[:-1]]
    return np.column_stack([sums.T, np.diff(matrix.indptr).astype(np.uint64)])


def _identical_rows(matrix: sp.csr_matrix, with_data: bool) -> tuple[IntArray, IntArray]:
    """Group identical rows: (group of each row, representative row of each group).

    Rows are grouped by hash and every row is then compared entry by entry with its group's
    representative; a row that differs (a hash collision) gets a group of its own, so the
    grouping is exact whatever the hashes do.
    """
    if matrix.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, first, group = np.unique(
        _row_hashes(matrix, with_data), axis=0, return_index=True, return_inverse=True
    )
    group = group.ravel().astype(np.int64)
    first = first.astype(np.int64)
    counts = np.diff(matrix.indptr)
    owner = np.repeat(np.arange(matrix.shape[0]), counts)
    offset = np.arange(matrix.nnz) - matrix.indptr[:-1][owner]
    twin = matrix.indptr[first[group[owner]]] + offset
    differs = matrix.indices != matrix.indices[twin]
    if with_data:
        differs |= matrix.data != matrix.data[twin]
    stray = np.unique(owner[differs])
    group[stray] = first.size + np.arange(stray.size)
    return group, np.concatenate([first, stray])


def reduce_rows(
    matrix: sp.csr_matrix,
    weight: FloatArray,
    *,
    fixed: IntArray | None = None,
    with_data: bool = False,
) -> Reduced:
    """Drop rows that cannot change the optimum and merge identical ones.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix, shape (n, n_candidates)
        Canonical (see :func:`canonical`): coverage, or distances of the kept pairs.
    weight : ndarray of float64, shape (n,)
        Row weights; rows of weight ≤ 0 are dropped.
    fixed : ndarray of int64, optional
        Candidates always open. When given, rows they cover are dropped and their weight goes to
        ``constant`` (coverage models without capacities only).
    with_data : bool
        Rows are identical only if their values match too (distances).

    Returns
    -------
    Reduced
    """
    counts = np.diff(matrix.indptr)
    positive = weight > 0
    keep = positive & (counts > 0)
    constant = 0.0
    if fixed is not None and fixed.size:
        by_fixed = np.diff(matrix[:, fixed].indptr) > 0
        constant = float(weight[keep & by_fixed].sum())
        keep &= ~by_fixed
    rows = np.flatnonzero(keep)
    kept = matrix[rows]
    group, first = _identical_rows(kept, with_data)
    row_of = np.full(matrix.shape[0], -1, dtype=np.int64)
    row_of[rows] = group
    merged = np.bincount(group, weights=weight[rows], minlength=first.size)
    return Reduced(
        matrix=canonical(kept[first], structural=with_data),
        weight=merged.astype(np.float64),
        row_of=row_of,
        constant=constant,
        uncoverable=np.flatnonzero(positive & (counts == 0)).astype(np.int64),
    )


def trim_beyond_fixed(dist: sp.csr_matrix, fixed: IntArray) -> sp.csr_matrix:
    """Drop each row's entries farther than its nearest fixed site (p-median, no capacities).

    Without capacities every demand point goes to its nearest open site, and a fixed site is
    always open, so candidates beyond the nearest fixed one are never used by any solution.
    """
    if fixed.size == 0 or dist.nnz == 0:
        return dist
    is_fixed = np.zeros(dist.shape[1], dtype=bool)
    is_fixed[fixed] = True
    owner = np.repeat(np.arange(dist.shape[0]), np.diff(dist.indptr))
    reach = np.full(dist.shape[0], np.inf)
    hit = is_fixed[dist.indices]
    np.minimum.at(reach, owner[hit], dist.data[hit])
    keep = dist.data <= reach[owner]
    out = sp.csr_matrix((dist.data[keep], (owner[keep], dist.indices[keep])), shape=dist.shape)
    return canonical(out, structural=True)
