"""Geodesic measures on the CGCS2000 ellipsoid.

Areas and lengths of lon/lat geometries are computed along geodesics of GRS80 (CGCS2000's
ellipsoid differs by about 0.1 mm in the semi-minor axis), so no projection distorts them.
pyproj's ``Geod`` uses GeographicLib's algorithms, as PostGIS does for ``ST_Area`` and
``ST_Length`` on geography.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyproj

from gis.errors import CoordinateError, GeometryError

__all__ = ["check_lonlat", "geodesic_area_m2", "geodesic_length_m"]

FloatArray = npt.NDArray[np.float64]

_GEOD: Final = pyproj.Geod(ellps="GRS80")


def check_lonlat(lon: FloatArray, lat: FloatArray) -> None:
    """Raise :class:`CoordinateError` unless all points are finite, in-range lon/lat degrees.

    Also catches projected metres passed where degrees are expected.
    """
    if lon.size == 0:
        raise CoordinateError("no coordinates given")
    finite = np.isfinite(lon) & np.isfinite(lat)
    in_range = finite & (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
    if not bool(in_range.all()):
        raise CoordinateError(
            "longitude/latitude out of range or not finite",
            user_message="Longitude must be within ±180° and latitude within ±90°.",
        )


def _ring_coords(coords: Any) -> tuple[FloatArray, FloatArray]:
    array = np.asarray(coords, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] < 2:
        raise GeometryError(f"expected an N×2 array of lon/lat pairs, got shape {array.shape}")
    lon, lat = array[:, 0], array[:, 1]
    check_lonlat(lon, lat)
    return lon, lat


def _polygon_parts(geometry: Any) -> list[Any]:
    kind = geometry.geom_type
    if kind == "Polygon":
        return [geometry]
    if kind == "MultiPolygon":
        return list(geometry.geoms)
    raise GeometryError(f"expected a Polygon or MultiPolygon, got {kind}")


def _polygon_area(polygon: Any) -> float:
    if polygon.is_empty:
        return 0.0
    # Absolute values per ring: the signed area depends on ring orientation, which shapefiles
    # and GeoJSON define in opposite ways, so holes are subtracted explicitly.
    area = abs(_GEOD.polygon_area_perimeter(*_ring_coords(polygon.exterior.coords))[0])
    for hole in polygon.interiors:
        area -= abs(_GEOD.polygon_area_perimeter(*_ring_coords(hole.coords))[0])
    return area


def geodesic_area_m2(geometry: Any) -> float:
    """Return the area in square metres on the GRS80 (CGCS2000) ellipsoid.

    Parameters
    ----------
    geometry : shapely Polygon or MultiPolygon, or sequence of (lon, lat)
        Degrees. A bare coordinate sequence is read as one ring, closed or not.

    Returns
    -------
    float
        Absolute area; holes are subtracted whatever the ring orientation.

    Raises
    ------
    GeometryError
        For other geometry types or malformed coordinate arrays.
    CoordinateError
        For coordinates outside lon/lat ranges (e.g. projected metres).
    """
    if hasattr(geometry, "geom_type"):
        return math.fsum(_polygon_area(part) for part in _polygon_parts(geometry))
    return abs(_GEOD.polygon_area_perimeter(*_ring_coords(geometry))[0])


def _linear_parts(geometry: Any) -> list[Any]:
    kind = geometry.geom_type
    if kind in ("LineString", "LinearRing"):
        return [geometry]
    if kind == "MultiLineString":
        return list(geometry.geoms)
    if kind in ("Polygon", "MultiPolygon"):
        polygons = _polygon_parts(geometry)
        return [ring for p in polygons if not p.is_empty for ring in (p.exterior, *p.interiors)]
    raise GeometryError(f"expected a linear or polygonal geometry, got {kind}")


def geodesic_length_m(geometry: Any) -> float:
    """Return the length in metres along geodesics of the GRS80 (CGCS2000) ellipsoid.

    Parameters
    ----------
    geometry : shapely (Multi)LineString, LinearRing, (Multi)Polygon, or sequence of (lon, lat)
        Degrees. For polygons the result is the perimeter of all rings, holes included
        (like PostGIS ``ST_Perimeter``).

    Returns
    -------
    float
        Length in metres.
    """
    if hasattr(geometry, "geom_type"):
        parts = [part for part in _linear_parts(geometry) if not part.is_empty]
        return math.fsum(_GEOD.line_length(*_ring_coords(part.coords)) for part in parts)
    return _GEOD.line_length(*_ring_coords(geometry))
