"""Conversions between WGS84/CGCS2000 and the obfuscated GCJ-02 and BD-09 systems.

GCJ-02 (AMap/Gaode, Tencent) adds a deterministic, non-linear offset of a few hundred metres
to WGS84 inside China; BD-09 (Baidu) adds a further rotation-like offset to GCJ-02. Officers
often copy coordinates from these apps, so the registry converts them once on import and never
stores them. WGS84 and CGCS2000 differ by well under a metre, so the WGS84 functions serve for
CGCS2000 too.

The forward formulas are the widely circulated ones (Krasovsky ellipsoid constants; BD-09 with
``x_pi = π·3000/180``). Their published inverses are one-step approximations, off by up to
about 5 m in China; here the inverses iterate the forward formula to a fixed point, so round
trips agree to far below a millimetre.

Every function takes ``(lon, lat)`` as Python floats, returning a tuple of floats, or as numpy
arrays, returning a tuple of arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]
_Conversion = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]

# Constants fixed by the GCJ-02 algorithm itself (Krasovsky 1940 semi-major axis and
# eccentricity squared), not choices of ours: other values would not match the apps.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
_X_PI: Final = math.pi * 3000.0 / 180.0
# The rough box of China used by the common public implementations; outside it GCJ-02 is WGS84.
_CHINA_MIN_LON: Final = 72.004
_CHINA_MAX_LON: Final = 137.8347
_CHINA_MIN_LAT: Final = 0.8293
_CHINA_MAX_LAT: Final = 55.8271
# 1e-10° is about 11 µm. Each fixed-point step shrinks the error by at least a factor of 50
# (see _invert), so four steps reach it across China; the cap is a safety net.
_TOLERANCE_DEG: Final = 1e-10
_MAX_ITERATIONS: Final = 20


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    inside: npt.NDArray[np.bool_] = (
        (lon >= _CHINA_MIN_LON)
        & (lon <= _CHINA_MAX_LON)
        & (lat >= _CHINA_MIN_LAT)
        & (lat <= _CHINA_MAX_LAT)
    )
    return inside


def out_of_china(lon: float, lat: float) -> bool:
    """Return whether a point lies outside the box where GCJ-02 applies an offset."""
    return not bool(_in_china(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)))


def _shift_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS84 in degrees, ignoring the China box (callers apply it)."""
    dlat = _shift_lat(lon - 105.0, lat - 35.0)
    dlon = _shift_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    return dlon, dlat


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    inside = _in_china(lon, lat)
    gcj_lon, gcj_lat = lon.copy(), lat.copy()
    dlon, dlat = _gcj_offset(lon[inside], lat[inside])
    gcj_lon[inside] += dlon
    gcj_lat[inside] += dlat
    return gcj_lon, gcj_lat


def _invert(
    forward: _Conversion, lon: FloatArray, lat: FloatArray, start: tuple[FloatArray, FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x, y) == (lon, lat)`` by fixed-point iteration from ``start``.

    ``forward`` is the identity plus an offset whose derivatives stay below 0.007 (GCJ-02)
    and 0.021 (BD-09) over China, so ``x ← x − (forward(x) − target)`` is a contraction by
    that factor and converges in a few steps.
    """
    x, y = start
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        x, y = x - ex, y - ey
        if not bool(np.any(np.abs(ex) > _TOLERANCE_DEG) | np.any(np.abs(ey) > _TOLERANCE_DEG)):
            break
    return x, y


def _shifted(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    dx, dy = _gcj_offset(x, y)
    return x + dx, y + dy


def _gcj_to_wgs(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    # Only points whose GCJ-02 input lies in the box are shifted. Their iteration uses the
    # unmasked offset, so an estimate straying just over the box edge stays on a smooth curve.
    inside = _in_china(lon, lat)
    wgs_lon, wgs_lat = lon.copy(), lat.copy()
    glon, glat = lon[inside], lat[inside]
    dlon, dlat = _gcj_offset(glon, glat)
    wgs_lon[inside], wgs_lat[inside] = _invert(_shifted, glon, glat, (glon - dlon, glat - dlat))
    return wgs_lon, wgs_lat


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    # The published one-step inverse is the starting point; iteration removes its residual.
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _invert(_gcj_to_bd, lon, lat, (z * np.cos(theta), z * np.sin(theta)))


def _wgs_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_bd(*_wgs_to_gcj(lon, lat))


def _bd_to_wgs(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_wgs(*_bd_to_gcj(lon, lat))


def _apply(
    conversion: _Conversion, lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Run ``conversion`` on the finite points, as floats for scalar input, else arrays.

    Conversions always see 1-D arrays. Non-finite points (NaN marks a missing coordinate in
    tabular imports) pass through unchanged instead of tripping numpy's invalid-value warnings.
    """
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    out_x, out_y = x.copy(), y.copy()
    finite = np.isfinite(x) & np.isfinite(y)
    out_x[finite], out_y[finite] = conversion(x[finite], y[finite])
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return float(out_x), float(out_y)
    return out_x, out_y


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(
    lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert WGS84 (or CGCS2000) lon/lat to GCJ-02; points outside China are unchanged."""
    return _apply(_wgs_to_gcj, lon, lat)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(
    lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 lon/lat to WGS84 by exact (iterative) inversion."""
    return _apply(_gcj_to_wgs, lon, lat)


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_bd09(
    lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 lon/lat to BD-09 (applied everywhere, as Baidu does)."""
    return _apply(_gcj_to_bd, lon, lat)


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_gcj02(
    lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert BD-09 lon/lat to GCJ-02 by exact (iterative) inversion."""
    return _apply(_bd_to_gcj, lon, lat)


@overload
def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_bd09(
    lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert WGS84 (or CGCS2000) lon/lat to BD-09 via GCJ-02."""
    return _apply(_wgs_to_bd, lon, lat)


@overload
def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_wgs84(
    lon: float | FloatArray, lat: float | FloatArray
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert BD-09 lon/lat to WGS84 via GCJ-02, inverting both steps exactly."""
    return _apply(_bd_to_wgs, lon, lat)
