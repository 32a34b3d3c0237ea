"""Hazard weights per cell: how much a person in each cell counts when siting depots.

The weights come from polygons with a ``weight`` column (≥ 1): by default the ILLUSTRATIVE
seismic bands of ``fixtures/hazard_zones.gpkg`` (approximate fault traces, not a zoning map, see
``fixtures/README.md``). A cell takes the weight of the zone holding its centre (the cell-centre
rule of :func:`gis.zonal.rasterize_zones`) and 1.0 outside every zone, so weighting never makes
anyone count less than unweighted.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyogrio
import pyproj

from gis.crs import STORAGE_SRID
from gis.errors import CRSError, GisError
from gis.surfaces import FIXTURES_DIR, Surface
from gis.zonal import rasterize_zones

__all__ = ["HAZARD_FILE", "HAZARD_LAYER", "hazard_weights", "read_zones", "zone_weights"]

FloatArray = npt.NDArray[np.float64]

HAZARD_FILE: Final = FIXTURES_DIR / "hazard_zones.gpkg"
HAZARD_LAYER: Final = "hazard_zones"


@lru_cache(maxsize=4)
def read_zones(path: Path | str = HAZARD_FILE) -> tuple[tuple[Any, ...], FloatArray]:
    """The zones' geometries (EPSG:4490) and weights, read once per process and path.

    Raises
    ------
    CRSError
        The layer is not in CGCS2000 lon/lat (EPSG:4490).
    GisError
        A weight is missing, not finite or below 1.
    """
    frame = pyogrio.read_dataframe(str(path), layer=HAZARD_LAYER)
    if frame.crs is None or pyproj.CRS(frame.crs) != pyproj.CRS.from_epsg(STORAGE_SRID):
        raise CRSError(f"{path}: hazard zones must be in EPSG:{STORAGE_SRID}, not {frame.crs}")
    weights = np.asarray(frame["weight"], dtype=np.float64)
    weights.setflags(write=False)  # shared through the cache
    return tuple(frame.geometry.values), _checked(weights, path)


def _checked(weights: FloatArray, path: Path | str) -> FloatArray:
    if not np.all(np.isfinite(weights) & (weights >= 1.0)):
        raise GisError(f"{path}: every hazard weight must be a finite number ≥ 1")
    return weights


def zone_weights(geoms_lonlat: Any, weights: npt.ArrayLike, surface: Surface) -> FloatArray:
    """Per-cell weight on ``surface``'s grid: the zone's weight inside a zone, 1.0 outside.

    Parameters
    ----------
    geoms_lonlat : sequence of shapely geometries
        Zones in EPSG:4490; where they overlap the later one wins.
    weights : array_like of float
        One weight per zone (≥ 1).
    surface : Surface
        Supplies the grid.

    Returns
    -------
    ndarray of float64, shape ``surface.shape``
    """
    lookup = np.concatenate([[1.0], np.asarray(weights, dtype=np.float64)])
    if lookup.size != len(geoms_lonlat) + 1:
        raise ValueError(f"{len(geoms_lonlat)} zones but {lookup.size - 1} weights")
    return lookup[rasterize_zones(geoms_lonlat, surface)]


def hazard_weights(surface: Surface, path: Path | str | None = None) -> FloatArray:
    """Per-cell hazard weight on ``surface``'s grid from the zones at ``path`` (the fixture)."""
    geoms, weights = read_zones(path or HAZARD_FILE)
    return zone_weights(geoms, weights, surface)
