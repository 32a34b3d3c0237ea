"""Zonal statistics on raster surfaces: people per zone, per mask, per circle.

Zones come from CGCS2000 (EPSG:4490) geometries burnt into the surface's grid by the
cell-centre rule (a cell belongs to a polygon when its centre lies inside), so every cell counts
once and sums over a partition of the region add up to the region's total. Geometries are
projected to the surface's CRS before burning: rasterising lon/lat polygons onto an Albers grid
directly would shift borders by kilometres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from rasterio import features
from shapely.geometry import MultiPolygon, Polygon

from gis.surfaces import Surface

__all__ = [
    "circle_mask",
    "mask_to_multipolygon",
    "population_in_mask",
    "rasterize_zones",
    "zonal_sum",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_GEOD: Final = pyproj.Geod(ellps="GRS80")
# Margin on a circle's search window: Albers scale along a parallel or meridian stays within
# a few per cent of 1 between 25° and 47°N, so 10 % more cells always holds the whole circle.
_WINDOW_MARGIN: Final = 1.1


def zonal_sum(values: npt.ArrayLike, zones: npt.ArrayLike) -> dict[int, float]:
    """Sum of ``values`` over each zone.

    Parameters
    ----------
    values : array_like of float
        The grid; NaN counts as 0.
    zones : array_like of int, same shape
        Zone id per cell, 0 = in no zone.

    Returns
    -------
    dict
        ``{zone id: sum}`` for every id > 0 that occurs in ``zones``.
    """
    v = np.asarray(values, dtype=np.float64)
    z = np.asarray(zones)
    if v.shape != z.shape:
        raise ValueError(f"values {v.shape} and zones {z.shape} differ in shape")
    if z.size and int(z.min()) < 0:
        raise ValueError("zone ids must be non-negative")
    flat = z.ravel().astype(np.int64)
    sums = np.bincount(flat, weights=np.nan_to_num(v.ravel(), nan=0.0))
    present = np.flatnonzero(np.bincount(flat))
    return {int(zone): float(sums[zone]) for zone in present if zone > 0}


def _to_grid_crs(geoms: Sequence[Any], surface: Surface) -> Any:
    """Project EPSG:4490 geometries to the surface's CRS (vectorised over all vertices)."""

    def project(xy: FloatArray) -> FloatArray:
        x, y = surface.from_lonlat(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), project)


def rasterize_zones(geoms_lonlat: Sequence[Any], surface: Surface) -> npt.NDArray[np.int32]:
    """Burn geometries into the surface's grid as zone ids.

    Parameters
    ----------
    geoms_lonlat : sequence of shapely geometries
        EPSG:4490 lon/lat, typically (Multi)Polygons; empty geometries burn nothing.
    surface : Surface
        Supplies the grid (shape, transform, CRS).

    Returns
    -------
    ndarray of int32, shape ``surface.shape``
        ``i + 1`` for cells whose centre lies in ``geoms_lonlat[i]``, 0 elsewhere. Where
        geometries overlap, the later one wins.
    """
    zones = np.zeros(surface.shape, dtype=np.int32)
    if len(geoms_lonlat) == 0:
        return zones
    projected = _to_grid_crs(geoms_lonlat, surface)
    pairs = [(g, i + 1) for i, g in enumerate(projected) if not g.is_empty]
    if not pairs:
        return zones
    burnt = features.rasterize(
        pairs, out_shape=surface.shape, transform=surface.transform, fill=0, dtype="int32"
    )
    return np.asarray(burnt, dtype=np.int32)


def population_in_mask(pop: Surface, mask: npt.ArrayLike) -> float:
    """People in the cells where ``mask`` is true (NaN counts as 0)."""
    selected = np.asarray(mask, dtype=bool)
    if selected.shape != pop.shape:
        raise ValueError(f"mask {selected.shape} and surface {pop.shape} differ in shape")
    return float(np.nansum(pop.values[selected], dtype=np.float64))


def mask_to_multipolygon(mask: npt.ArrayLike, surface: Surface) -> MultiPolygon:
    """The true cells of ``mask`` dissolved into a MultiPolygon in EPSG:4490.

    Cell edges are straight in the grid's CRS; each edge is split at every cell width before
    reprojection, so the outline stays on the cell boundaries in lon/lat too. Parts that touch
    only at a corner stay separate polygons (4-connectivity).
    """
    selected = np.asarray(mask, dtype=bool)
    if selected.shape != surface.shape:
        raise ValueError(f"mask {selected.shape} and surface {surface.shape} differ in shape")
    if not selected.any():
        return MultiPolygon()
    parts = [
        shapely.geometry.shape(geometry)
        for geometry, _ in features.shapes(
            selected.astype(np.uint8), mask=selected, connectivity=4, transform=surface.transform
        )
    ]
    dense = shapely.segmentize(np.asarray(parts, dtype=object), abs(surface.transform.a))
    lonlat = shapely.transform(dense, lambda xy: np.column_stack(surface.to_lonlat(*xy.T)))
    polygons: list[Polygon] = list(lonlat)
    return MultiPolygon(polygons)


def circle_mask(surface: Surface, lon: float, lat: float, radius_m: float) -> BoolArray:
    """Cells whose centre lies within ``radius_m`` metres (geodesic, GRS80) of a point.

    Parameters
    ----------
    surface : Surface
        The grid.
    lon, lat : float
        Centre, EPSG:4490 degrees.
    radius_m : float
        Radius in metres along the ellipsoid.
    """
    mask = np.zeros(surface.shape, dtype=bool)
    rows, cols = surface.rowcol(lon, lat)
    cell = min(abs(surface.transform.a), abs(surface.transform.e))
    reach = math.ceil(radius_m * _WINDOW_MARGIN / cell) + 1
    r, c = int(rows), int(cols)
    n_rows, n_cols = surface.shape
    window = (
        slice(min(max(r - reach, 0), n_rows), min(max(r + reach + 1, 0), n_rows)),
        slice(min(max(c - reach, 0), n_cols), min(max(c + reach + 1, 0), n_cols)),
    )
    c_lon, c_lat = surface.centres_lonlat(window)
    if c_lon.size == 0:
        return mask
    _, _, distance = _GEOD.inv(np.full(c_lon.shape, lon), np.full(c_lat.shape, lat), c_lon, c_lat)
    mask[window] = np.asarray(distance) <= radius_m
    return mask
