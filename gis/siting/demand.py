"""The siting instance: demand points on a coarse grid and which candidates reach them.

Demand comes from the 1 km population surface, block-summed to ``grid_km`` cells (the surface is
equal-area, so a block sum is the people living in that square); each block is represented by
its centre. Coverage and distances are geodesic on GRS80 (the CGCS2000 ellipsoid), computed only
for pairs that a k-d tree on the unit sphere cannot rule out, so the work grows with the number
of *covering* pairs rather than with demand × candidates.

Pruning is exact, not approximate. On the ellipsoid in geodetic coordinates the line element is
``ds² = M(φ)² dφ² + N(φ)² cos²φ dλ²`` with meridian radius ``M ≥ b²/a`` and normal radius
``N ≥ a``, while the unit sphere has ``dφ² + cos²φ dλ²``; so every path, the geodesic included,
is at least ``b²/a`` times as long as its image on the sphere. A geodesic distance ``d`` thus
implies a great-circle angle of at most ``d / (b²/a)``, i.e. a chord of at most
``2 sin(d / (2 b²/a))``: the tree query with that chord returns a superset of the pairs within
``d``, and pyproj's exact geodesic (GeographicLib) then keeps the true ones.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pyproj
import scipy.sparse as sp
from scipy.spatial import cKDTree

from gis.costdistance import coarsen_cost, reachable_cells, snap_to_passable
from gis.errors import GisError
from gis.zonal import rasterize_zones

if TYPE_CHECKING:
    from gis.surfaces import Surface

__all__ = [
    "DemandGrid",
    "SitingError",
    "coverage_by_distance",
    "coverage_by_minutes",
    "demand_grid",
    "distances_m",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_GEOD: Final = pyproj.Geod(ellps="GRS80")
# Smallest radius of curvature of GRS80 (the meridian radius at the equator, b²/a): see above.
_R_MIN: Final = _GEOD.b**2 / _GEOD.a
# Relative slack on the chord so that rounding in the tree never drops a pair at the boundary.
_CHORD_SLACK: Final = 1e-9


class SitingError(GisError):
    """A siting instance or request cannot be built or solved as asked."""

    default_user_message = "The siting request is not valid."


@dataclass(frozen=True)
class DemandGrid:
    """Demand points: one per populated block of the coarse grid.

    Attributes
    ----------
    lon, lat : ndarray of float64
        Block centres, CGCS2000 degrees (EPSG:4490).
    weight : ndarray of float64
        People in the block (always > 0).
    rows, cols : ndarray of int64
        Position of each block in the coarse grid (the 1 km surface aggregated by ``grid_km``).
    grid_km : float
        Block width in kilometres.
    """

    lon: FloatArray
    lat: FloatArray
    weight: FloatArray
    rows: IntArray
    cols: IntArray
    grid_km: float

    def __len__(self) -> int:
        return int(self.weight.size)


def _block_factor(surface: Surface, grid_km: float) -> int:
    """Whole number of surface cells per ``grid_km`` block, or :class:`SitingError`."""
    cell_km = abs(surface.transform.a) / 1000.0
    factor = round(grid_km / cell_km)
    if factor < 1 or abs(factor * cell_km - grid_km) > 1e-9 * grid_km:
        raise SitingError(
            f"grid_km={grid_km} is not a whole multiple of the {cell_km} km surface cell",
            user_message=f"The grid size must be a whole multiple of {cell_km:g} km.",
        )
    return factor


def demand_grid(pop: Surface, grid_km: float, *, within: object | None = None) -> DemandGrid:
    """Block-sum a population surface into demand points.

    Parameters
    ----------
    pop : Surface
        People per cell (the 1 km equal-area surface).
    grid_km : float
        Block width; a whole multiple of the surface's cell width.
    within : shapely geometry, optional
        Area in EPSG:4490; only 1 km cells whose centre lies inside count (so a block on a
        provincial border holds only that province's people).

    Returns
    -------
    DemandGrid
        Blocks of positive population, each at its block centre, in row-major order.
    """
    factor = _block_factor(pop, grid_km)
    if within is not None:
        inside = rasterize_zones([within], pop) == 1
        pop = replace(pop, values=np.where(inside, pop.values, 0.0))
    coarse = pop.aggregate(factor, "sum")
    rows, cols = np.nonzero(coarse.values > 0)
    lon, lat = coarse.centres_lonlat()
    return DemandGrid(
        lon=lon[rows, cols],
        lat=lat[rows, cols],
        weight=coarse.values[rows, cols].astype(np.float64),
        rows=rows.astype(np.int64),
        cols=cols.astype(np.int64),
        grid_km=float(grid_km),
    )


def _unit_xyz(lon: FloatArray, lat: FloatArray) -> FloatArray:
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _chord(distance_m: FloatArray | float) -> FloatArray:
    """Unit-sphere chord that bounds every pair within ``distance_m`` geodesic metres."""
    angle = np.minimum(np.asarray(distance_m, dtype=np.float64) / _R_MIN, np.pi)
    return np.asarray(2.0 * np.sin(angle / 2.0) * (1.0 + _CHORD_SLACK) + _CHORD_SLACK)


def _geodesic_m(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    if lon1.size == 0:
        return np.zeros(0)
    _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist, dtype=np.float64)


def _coords(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if lon_a.shape != lat_a.shape or lon_a.ndim != 1:
        raise SitingError(f"candidate lon/lat shapes differ: {lon_a.shape} and {lat_a.shape}")
    return lon_a, lat_a


def _ball_pairs(tree: cKDTree, points: FloatArray, chord: FloatArray) -> tuple[IntArray, IntArray]:
    """(point index, tree index) of every pair within ``chord`` (scalar or per point)."""
    if points.shape[0] == 0 or tree.n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    hits = tree.query_ball_point(points, chord, return_sorted=False)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    found = np.fromiter(itertools.chain.from_iterable(hits), dtype=np.int64, count=counts.sum())
    return np.repeat(np.arange(points.shape[0]), counts), found


def coverage_by_distance(
    demand: DemandGrid, cand_lon: npt.ArrayLike, cand_lat: npt.ArrayLike, radius_m: float
) -> sp.csr_matrix:
    """Which candidates cover which demand points within a geodesic radius.

    Parameters
    ----------
    demand : DemandGrid
    cand_lon, cand_lat : array_like
        Candidate sites, EPSG:4490 degrees.
    radius_m : float
        Geodesic service radius in metres (inclusive).

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (len(demand), n_candidates)
        True where the candidate's geodesic distance to the block centre is ≤ ``radius_m``.
    """
    lon, lat = _coords(cand_lon, cand_lat)
    tree = cKDTree(_unit_xyz(demand.lon, demand.lat))
    cand, dem = _ball_pairs(tree, _unit_xyz(lon, lat), _chord(radius_m))
    keep = _geodesic_m(demand.lon[dem], demand.lat[dem], lon[cand], lat[cand]) <= radius_m
    data = np.ones(int(keep.sum()), dtype=bool)
    shape = (len(demand), lon.size)
    matrix = sp.csr_matrix((data, (dem[keep], cand[keep])), shape=shape)
    matrix.sort_indices()
    return matrix


def coverage_by_minutes(
    demand: DemandGrid,
    cost: Surface,
    cand_lon: npt.ArrayLike,
    cand_lat: npt.ArrayLike,
    minutes: float,
) -> sp.csr_matrix:
    """Which candidates reach which demand blocks within a travel time.

    The 1 km cost surface is coarsened to the demand grid (:func:`gis.costdistance.coarsen_cost`:
    minutes per coarse cell width) and a cost-distance search truncated at ``minutes`` runs from
    each candidate's block; a demand block is covered when its block is reached in time. A
    candidate on an impassable block starts from the nearest passable one
    (:func:`gis.costdistance.snap_to_passable`); one off the grid covers nothing.

    Parameters
    ----------
    demand : DemandGrid
        Built from a surface on the same 1 km grid as ``cost``.
    cost : Surface
        Minutes to cross one 1 km cell (NaN impassable).
    cand_lon, cand_lat : array_like
        Candidate sites, EPSG:4490 degrees.
    minutes : float
        Travel-time standard (inclusive).

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (len(demand), n_candidates)
    """
    lon, lat = _coords(cand_lon, cand_lat)
    coarse = coarsen_cost(cost, _block_factor(cost, demand.grid_km))
    at_rows, at_cols = coarse.rowcol(demand.lon, demand.lat)
    if not (np.array_equal(at_rows, demand.rows) and np.array_equal(at_cols, demand.cols)):
        raise SitingError("the cost surface and the demand grid are not on the same grid")
    rows, cols, ok = snap_to_passable(coarse, *coarse.rowcol(lon, lat))
    sources = [(int(r), int(c)) for r, c in zip(rows[ok], cols[ok], strict=True)]
    reach = reachable_cells(coarse, sources, minutes)[
        :, demand.rows * coarse.shape[1] + demand.cols
    ]
    pairs = sp.coo_matrix(reach)
    matrix = sp.csr_matrix(
        (np.ones(pairs.nnz, dtype=bool), (pairs.col, np.flatnonzero(ok)[pairs.row])),
        shape=(len(demand), lon.size),
    )
    matrix.sort_indices()
    return matrix


def distances_m(
    demand: DemandGrid,
    cand_lon: npt.ArrayLike,
    cand_lat: npt.ArrayLike,
    *,
    max_m: float | None = None,
    nearest: int = 1,
) -> sp.csr_matrix:
    """Geodesic distances from demand points to candidates, sparse beyond a cap.

    Parameters
    ----------
    demand : DemandGrid
    cand_lon, cand_lat : array_like
        Candidate sites, EPSG:4490 degrees.
    max_m : float, optional
        Keep the pairs within this many metres. ``None`` keeps every pair (a dense matrix held
        sparsely: len(demand) × n_candidates entries).
    nearest : int
        Each demand point also keeps at least this many nearest candidates, beyond ``max_m`` if
        need be, so that no point is left without one. With ``n − k + 1`` nearest for ``k``
        open sites (p new plus the fixed), every site set meets every point's kept pairs (by
        pigeonhole), so the sparse p-median is exactly the p-median.

    Returns
    -------
    scipy.sparse.csr_matrix of float64, shape (len(demand), n_candidates)
        Metres. The stored entries *are* the kept pairs: a zero distance (a candidate on a block
        centre) is stored explicitly. Each row's entries are a prefix of its candidates sorted by
        distance (every candidate closer than a kept one is kept too), which is what
        :func:`gis.siting.solve_pmedian` relies on.
    """
    lon, lat = _coords(cand_lon, cand_lat)
    n_d, n_c = len(demand), lon.size
    if max_m is None:
        dem, cand = np.divmod(np.arange(n_d * n_c, dtype=np.int64), n_c)
        dist = _geodesic_m(demand.lon[dem], demand.lat[dem], lon[cand], lat[cand])
        return sp.csr_matrix((dist, (dem, cand)), shape=(n_d, n_c))
    radius = _row_radius(demand, lon, lat, max_m, nearest)
    dem, cand = _ball_pairs(
        cKDTree(_unit_xyz(lon, lat)), _unit_xyz(demand.lon, demand.lat), _chord(radius)
    )
    dist = _geodesic_m(demand.lon[dem], demand.lat[dem], lon[cand], lat[cand])
    keep = dist <= radius[dem]
    matrix = sp.csr_matrix((dist[keep], (dem[keep], cand[keep])), shape=(n_d, n_c))
    matrix.sort_indices()
    return matrix


def _row_radius(
    demand: DemandGrid, lon: FloatArray, lat: FloatArray, max_m: float, nearest: int
) -> FloatArray:
    """Per demand point: ``max_m``, widened to reach at least ``nearest`` candidates.

    The tree's nearest (by chord) need not be the geodesically nearest, but the largest geodesic
    distance among them is an upper bound on the true ``nearest``-th distance, so a ball of that
    radius holds at least ``nearest`` candidates and stays a distance prefix.
    """
    k = min(max(nearest, 0), lon.size)
    radius = np.full(len(demand), float(max_m))
    if k == 0 or len(demand) == 0:
        return radius
    _, idx = cKDTree(_unit_xyz(lon, lat)).query(_unit_xyz(demand.lon, demand.lat), k=k)
    idx = np.asarray(idx, dtype=np.int64).reshape(len(demand), k)
    rep = np.repeat(np.arange(len(demand)), k)
    dist = _geodesic_m(demand.lon[rep], demand.lat[rep], lon[idx.ravel()], lat[idx.ravel()])
    widest: FloatArray = np.maximum(radius, dist.reshape(len(demand), k).max(axis=1))
    return widest
