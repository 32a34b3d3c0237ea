"""Raster surfaces on the region's 1 km grid: population, terrain and travel cost.

Every fixture raster (``fixtures/population_1km.tif``, ``fixtures/terrain_1km.tif``) shares one
grid: Albers equal-area (:data:`REGION_CRS`, the usual China Albers on the GRS80 ellipsoid, which
CGCS2000 uses) with :data:`CELL_M` square cells whose origin is snapped to whole kilometres. An
equal-area grid makes every cell the same ground area, so block sums of people stay honest when
the grid is coarsened for siting.

:class:`Surface` is an immutable grid of float64 values with its transform and CRS; it converts
between CGCS2000 lon/lat (EPSG:4490) and cell indices and aggregates into coarser blocks.
:func:`speed_kmh` and :func:`cost_minutes` are the documented speed-vs-slope rule from which the
travel-cost band is built (see ``fixtures/README.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pyproj
import rasterio
from affine import Affine

from gis.crs import STORAGE_SRID

__all__ = [
    "CELL_M",
    "COST_BAND",
    "ELEVATION_BAND",
    "MIN_SPEED_KMH",
    "POPULATION_FILE",
    "REGION_CRS",
    "SLOPE_BAND",
    "SLOPE_DECAY",
    "TERRAIN_FILE",
    "TOP_SPEED_KMH",
    "Surface",
    "cost_minutes",
    "population",
    "read_surface",
    "speed_kmh",
    "travel_cost",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

REGION_CRS: Final[str] = (
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
)
CELL_M: Final = 1000.0

FIXTURES_DIR: Final = Path(__file__).resolve().parent.parent / "fixtures"
POPULATION_FILE: Final = FIXTURES_DIR / "population_1km.tif"
TERRAIN_FILE: Final = FIXTURES_DIR / "terrain_1km.tif"
ELEVATION_BAND: Final = 1
SLOPE_BAND: Final = 2
COST_BAND: Final = 3

# Speed-vs-slope rule (a vehicle analogue of Tobler's hiking function): 60 km/h on flat ground,
# falling exponentially with the tangent of the slope, never below a walking-with-load 5 km/h.
# There is no road network in the fixtures, so this is cross-country travel at road-like speeds.
TOP_SPEED_KMH: Final = 60.0
SLOPE_DECAY: Final = 3.5
MIN_SPEED_KMH: Final = 5.0


@lru_cache(maxsize=16)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    # Not gis.crs.transformer: that one refuses PROJ strings on purpose (untrusted input), while
    # REGION_CRS is our own constant and the surfaces' CRS comes from our own files.
    return pyproj.Transformer.from_crs(
        pyproj.CRS.from_user_input(src), pyproj.CRS.from_user_input(dst), always_xy=True
    )


def _storage_crs() -> str:
    return f"EPSG:{STORAGE_SRID}"


@dataclass(frozen=True, eq=False)
class Surface:
    """A grid of values with its affine transform and CRS.

    Parameters
    ----------
    values : ndarray of float64, shape (rows, cols)
        Copied and made read-only, so a surface never changes after it is built (cost-distance
        caches its graph per surface).
    transform : affine.Affine
        Maps (col, row) of a cell's upper-left corner to x/y in ``crs``; north-up, no rotation.
    crs : str
        Anything pyproj reads; :data:`REGION_CRS` for the fixture rasters.
    """

    values: FloatArray
    transform: Affine
    crs: str

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=np.float64, copy=True)
        if values.ndim != 2:
            raise ValueError(f"a surface is two-dimensional, got shape {values.shape}")
        if self.transform.b != 0 or self.transform.d != 0:
            raise ValueError("rotated grids are not supported")
        values.flags.writeable = False
        object.__setattr__(self, "values", values)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the grid."""
        rows, cols = self.values.shape
        return int(rows), int(cols)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in the grid's units squared (m² on the equal-area region grid)."""
        return abs(self.transform.a * self.transform.e)

    def rowcol(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IntArray, IntArray]:
        """Row and column of the cells containing CGCS2000 lon/lat points.

        Parameters
        ----------
        lon, lat : array_like
            Degrees, EPSG:4490; scalars or arrays of one shape.

        Returns
        -------
        rows, cols : ndarray of int64
            May lie outside the grid: check with :meth:`contains`.
        """
        x, y = self.from_lonlat(lon, lat)
        col, row = ~self.transform @ (x, y)
        return np.floor(row).astype(np.int64), np.floor(col).astype(np.int64)

    def contains(self, rows: npt.ArrayLike, cols: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """True where (row, col) indexes a cell of the grid."""
        r, c = np.asarray(rows), np.asarray(cols)
        n_rows, n_cols = self.shape
        inside: npt.NDArray[np.bool_] = (r >= 0) & (r < n_rows) & (c >= 0) & (c < n_cols)
        return inside

    def centres_xy(
        self, window: tuple[slice, slice] | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """x and y (in ``crs``) of every cell centre, each of shape (rows, cols).

        Parameters
        ----------
        window : (row slice, col slice), optional
            Only the cells of this window (slices with step 1), e.g. around a point.
        """
        rows, cols = window or (slice(None), slice(None))
        n_rows, n_cols = self.shape
        t = self.transform
        x = t.c + (np.arange(n_cols)[cols] + 0.5) * t.a
        y = t.f + (np.arange(n_rows)[rows] + 0.5) * t.e
        xx, yy = np.meshgrid(x, y)
        return xx, yy

    def centres_lonlat(
        self, window: tuple[slice, slice] | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """CGCS2000 lon/lat (EPSG:4490) of every cell centre, each of shape (rows, cols).

        Parameters
        ----------
        window : (row slice, col slice), optional
            As in :meth:`centres_xy`.
        """
        x, y = self.centres_xy(window)
        lon, lat = self.to_lonlat(x, y)
        return lon, lat

    def to_lonlat(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Convert x/y in the surface's CRS to EPSG:4490 lon/lat degrees."""
        lon, lat = _transformer(self.crs, _storage_crs()).transform(
            np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        )
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    def from_lonlat(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Convert EPSG:4490 lon/lat degrees to x/y in the surface's CRS."""
        x, y = _transformer(_storage_crs(), self.crs).transform(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def aggregate(self, factor: int, how: Literal["sum", "mean"]) -> Surface:
        """Coarsen by ``factor`` × ``factor`` blocks, anchored at the upper-left corner.

        Parameters
        ----------
        factor : int
            Block width in cells (≥ 1).
        how : {"sum", "mean"}
            ``"sum"`` adds the block (people per block); NaN counts as 0. ``"mean"`` averages the
            non-NaN cells of the block (NaN if there are none). The right and bottom edge blocks
            may be partial: they sum or average the cells they have.

        Notes
        -----
        A travel-cost surface holds minutes per *cell width*; its block mean is still minutes
        per fine cell. Use :func:`gis.costdistance.coarsen_cost` to coarsen cost for
        cost-distance.
        """
        if factor < 1:
            raise ValueError(f"factor must be at least 1, got {factor}")
        blocks = _blocks(self.values, factor)
        valid = ~np.isnan(blocks)
        total = np.where(valid, blocks, 0.0).sum(axis=(1, 3))
        if how == "sum":
            out = total
        elif how == "mean":
            count = valid.sum(axis=(1, 3))
            out = np.full(total.shape, np.nan)
            np.divide(total, count, out=out, where=count > 0)
        else:
            raise ValueError(f"how must be 'sum' or 'mean', got {how!r}")
        return Surface(out, self.transform @ Affine.scale(factor), self.crs)


def _blocks(values: FloatArray, factor: int) -> FloatArray:
    """View of ``values`` padded with NaN to whole blocks, shaped (R, factor, C, factor)."""
    rows, cols = values.shape
    n_rows, n_cols = -(-rows // factor), -(-cols // factor)
    padded = np.full((n_rows * factor, n_cols * factor), np.nan)
    padded[:rows, :cols] = values
    return padded.reshape(n_rows, factor, n_cols, factor)


def read_surface(path: Path | str, band: int = 1, *, fill: float | None = None) -> Surface:
    """Read one band of a GeoTIFF as a :class:`Surface`.

    Parameters
    ----------
    path : path-like
        The raster file.
    band : int
        1-based band number.
    fill : float, optional
        Value for nodata cells. By default 0.0 when the file's nodata value is 0 (population:
        nobody lives there) and NaN otherwise (terrain: no data, impassable).
    """
    with rasterio.open(path) as source:
        values = source.read(band).astype(np.float64)
        nodata = source.nodata
        transform = Affine(*source.transform[:6])
        crs_text = source.crs.to_wkt()
    if nodata is not None:
        replacement = fill if fill is not None else (0.0 if nodata == 0 else math.nan)
        values[values == nodata] = replacement
    crs = REGION_CRS if pyproj.CRS(crs_text) == pyproj.CRS(REGION_CRS) else crs_text
    return Surface(values, transform, crs)


def population(path: Path | str | None = None) -> Surface:
    """People per cell (2020 census totals; 0 outside the provinces), from the fixture COG."""
    return read_surface(path or POPULATION_FILE, 1)


def travel_cost(path: Path | str | None = None) -> Surface:
    """Minutes to cross one 1 km cell edge-on (NaN outside the provinces), from the fixture."""
    return read_surface(path or TERRAIN_FILE, COST_BAND)


def speed_kmh(slope_deg: npt.ArrayLike) -> FloatArray:
    """Travel speed on ground of the given slope.

    ``v = TOP_SPEED_KMH · exp(−SLOPE_DECAY · tan(slope))``, at least ``MIN_SPEED_KMH``: 60 km/h
    on the flat, 44 km/h at 5°, 32 km/h at 10°, 17 km/h at 20°, 5 km/h from about 35°. The slope
    is the terrain's steepest slope, not the gradient along the direction of travel.

    Parameters
    ----------
    slope_deg : array_like
        Slope in degrees (0–90); NaN stays NaN.
    """
    slope = np.radians(np.asarray(slope_deg, dtype=np.float64))
    speed = TOP_SPEED_KMH * np.exp(-SLOPE_DECAY * np.tan(np.abs(slope)))
    return np.asarray(np.maximum(speed, MIN_SPEED_KMH), dtype=np.float64)


def cost_minutes(slope_deg: npt.ArrayLike, cell_m: float = CELL_M) -> FloatArray:
    """Minutes to cross a cell of width ``cell_m`` metres edge-on at :func:`speed_kmh`."""
    return np.asarray(60.0 * (cell_m / 1000.0) / speed_kmh(slope_deg))
