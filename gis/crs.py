"""Coordinate reference systems used by the registry.

Geometries are stored in CGCS2000 geographic coordinates (:data:`STORAGE_SRID`, EPSG:4490).
Metric work happens either on the GRS80 ellipsoid (:func:`geodesic_area_m2`,
:func:`geodesic_length_m`, defined in :mod:`gis.geodesy` and re-exported here) or in the
CGCS2000 3-degree Gauss-Krüger zone of the feature (:func:`to_gk`, :func:`from_gk`). PROJ
treats EPSG:4490 and EPSG:4326 as equivalent, which is correct to well under a metre here.

All transformers use ``always_xy=True``: EPSG:4490 and the Gauss-Krüger CRSs declare
latitude/longitude and northing/easting axis order, and mixing the two orders is the most
common way to put a building in the Indian Ocean.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Final, NamedTuple, overload

import numpy as np
import numpy.typing as npt
import pyproj
from pyproj.exceptions import ProjError

from gis.errors import CoordinateError, CRSError, LegacyDatumError
from gis.geodesy import check_lonlat, geodesic_area_m2, geodesic_length_m

__all__ = [
    "CHINA_BBOX",
    "GK3_ZONES",
    "GK6_ZONES",
    "SICHUAN_CHONGQING_BBOX",
    "STORAGE_SRID",
    "WEB_MERCATOR_SRID",
    "WGS84_SRID",
    "BBox",
    "detect_prefixed_easting",
    "detect_swapped_lonlat",
    "ensure_supported_crs",
    "epsg_for_zone",
    "from_gk",
    "geodesic_area_m2",
    "geodesic_length_m",
    "gk_central_meridian",
    "gk_zone",
    "gk_zone_epsg",
    "strip_zone_prefix",
    "to_gk",
    "transformer",
]

FloatArray = npt.NDArray[np.float64]
CRSInput = int | str | pyproj.CRS

STORAGE_SRID: Final = 4490
"""CGCS2000 geographic: the SRID of every stored geometry."""
WGS84_SRID: Final = 4326
WEB_MERCATOR_SRID: Final = 3857

# Zone numbers that fall on Chinese territory; the two ranges do not overlap, so a zone
# number alone tells which zone width it belongs to.
GK3_ZONES: Final = range(25, 46)
GK6_ZONES: Final = range(13, 24)
# Every CGCS2000 Gauss-Krüger code, prefixed or not, 6° or 3°, lies in this block.
_CGCS2000_GK_EPSG: Final = range(4491, 4555)


class BBox(NamedTuple):
    """A longitude/latitude box in degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        """Return whether ``(lon, lat)`` lies inside the box, borders included."""
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


# Sichuan 97.35–108.55°E and Chongqing up to 110.2°E, padded by half a degree so that points
# just over the border (neighbouring depots, GPS noise) still count.
SICHUAN_CHONGQING_BBOX: Final = BBox(96.85, 25.55, 110.7, 34.82)
# Mainland China with its islands, generously padded; used to tell lon/lat from lat/lon.
CHINA_BBOX: Final = BBox(72.0, 0.8, 138.0, 56.0)


def _check_width(width: int) -> None:
    if width not in (3, 6):
        raise ValueError(f"Gauss-Krüger zone width must be 3 or 6, got {width}")


def gk_zone(lon: float, width: int = 3) -> int:
    """Return the Gauss-Krüger zone number containing a longitude.

    Parameters
    ----------
    lon : float
        Longitude in degrees east, within [-180, 180].
    width : {3, 6}
        Zone width in degrees.

    Returns
    -------
    int
        The 3° zone ``floor(lon / 3 + 0.5)`` or the 6° zone ``floor(lon / 6) + 1``.

    Notes
    -----
    The 3° rule is written with ``floor(x + 0.5)`` rather than :func:`round` because Python
    rounds halves to even: ``round(109.5 / 3)`` would give zone 36 instead of 37 for a point
    exactly on the boundary in eastern Chongqing.
    """
    _check_width(width)
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise CoordinateError(f"longitude {lon!r} is not within [-180, 180]")
    if width == 3:
        return math.floor(lon / 3.0 + 0.5)
    return math.floor(lon / 6.0) + 1


def gk_central_meridian(lon: float, width: int = 3) -> float:
    """Return the central meridian (degrees east) of the zone containing ``lon``."""
    zone = gk_zone(lon, width)
    return float(3 * zone) if width == 3 else float(6 * zone - 3)


def epsg_for_zone(zone: int, *, prefixed: bool = False) -> int:
    """Return the CGCS2000 Gauss-Krüger EPSG code of a zone number.

    Parameters
    ----------
    zone : int
        A 3° zone (25–45) or a 6° zone (13–23); the ranges are disjoint.
    prefixed : bool
        Whether eastings carry the zone number as a prefix (e.g. ``35410451.0``).

    Returns
    -------
    int
        3°: 4534–4554 (no prefix) or 4513–4533 (prefixed);
        6°: 4502–4512 (no prefix) or 4491–4501 (prefixed).

    Raises
    ------
    CRSError
        If the zone does not cover Chinese territory.
    """
    if zone in GK3_ZONES:
        return (4513 if prefixed else 4534) + zone - GK3_ZONES.start
    if zone in GK6_ZONES:
        return (4491 if prefixed else 4502) + zone - GK6_ZONES.start
    raise CRSError(
        f"Gauss-Krüger zone {zone} has no CGCS2000 EPSG code",
        user_message=f"Gauss-Krüger zone {zone} is outside China; no CGCS2000 zone applies.",
    )


def gk_zone_epsg(lon: float, width: int = 3, prefixed: bool = False) -> int:
    """Return the CGCS2000 Gauss-Krüger EPSG code for a longitude.

    Chengdu (104.07°E) lies in 3° zone 35 (CM 105°E): EPSG:4544, or 4523 when prefixed.

    Raises
    ------
    CRSError
        If the longitude falls in a zone outside China.
    """
    zone = gk_zone(lon, width)
    valid = GK3_ZONES if width == 3 else GK6_ZONES
    if zone not in valid:
        raise CRSError(
            f"longitude {lon} is in {width}° zone {zone}, outside China's zones",
            user_message=f"Longitude {lon} is outside China's Gauss-Krüger zones.",
        )
    return epsg_for_zone(zone, prefixed=prefixed)


# Uploaded CRS text is untrusted and PROJ strings can name files: "+init=/path:id" is read
# while parsing; grids (+nadgrids, +grids, +file, WKT grid extensions, WKT2 PARAMETERFILE)
# when transforming. So text must be an EPSG reference or WKT, and no grid but the built-in
# "@null" (which GDAL writes into Web Mercator .prj files) may be named.
_ACCEPTED_TEXT = re.compile(r"\s*(?:(?:EPSG:)?\d+|[A-Za-z_][A-Za-z0-9_]*\s*\[.*)", re.I | re.S)
_FILE_REFERENCE = re.compile(
    r"\+init\b|\bfile\s*=|grids\s*=\s*(?!@null(?:[\s\"\]]|$))|PROJ4_GRIDS|PARAMETERFILE", re.I
)


def _parse_crs(crs: CRSInput) -> pyproj.CRS:
    if isinstance(crs, str) and (not _ACCEPTED_TEXT.fullmatch(crs) or _FILE_REFERENCE.search(crs)):
        raise CRSError(
            f"refused CRS text {crs[:200]!r}",
            user_message="Give the coordinate system as an EPSG code or as WKT (a .prj file).",
        )
    try:
        return pyproj.CRS.from_user_input(crs)
    except ProjError as exc:
        # pyproj's CRSError subclasses ProjError; the raw PROJ text goes to the log only.
        raise CRSError(f"cannot parse CRS {str(crs)[:200]!r}: {exc}") from exc


@lru_cache(maxsize=64)
def transformer(src: int | str, dst: int | str) -> pyproj.Transformer:
    """Return a cached transformer between two CRSs, with lon/lat (x/y) axis order.

    Parameters
    ----------
    src, dst : int or str
        EPSG codes, ``"EPSG:xxxx"`` strings or WKT.

    Raises
    ------
    CRSError
        If either CRS cannot be parsed or no transformation exists.
    """
    source, target = _parse_crs(src), _parse_crs(dst)
    try:
        return pyproj.Transformer.from_crs(source, target, always_xy=True)
    except ProjError as exc:
        raise CRSError(f"no transformation from {src!r} to {dst!r}: {exc}") from exc


_LEGACY_DATUMS: Final = {"xian1980": "Xian 1980", "beijing1954": "Beijing 1954"}
# Semi-major axes of the Xian 1980 (IAG 1975) and Beijing 1954 (Krassowsky) ellipsoids. Hand-
# written .prj files name the datum anything ("unknown", "D_User_Defined"), so the ellipsoid
# decides. Pulkovo 1942 shares Krassowsky's; PROJ also only ballparks it to EPSG:4490, so
# holding it back as well is right.
_LEGACY_SEMI_MAJOR_AXES: Final = {6378140.0: "Xian 1980", 6378245.0: "Beijing 1954"}


def _legacy_datum(crs: pyproj.CRS) -> str | None:
    geodetic = crs.geodetic_crs
    if geodetic is None or geodetic.datum is None:
        return None
    folded = re.sub(r"[^a-z0-9]", "", geodetic.datum.name.lower())
    for key, name in _LEGACY_DATUMS.items():
        if key in folded:
            return name
    ellipsoid = geodetic.ellipsoid
    return None if ellipsoid is None else _LEGACY_SEMI_MAJOR_AXES.get(ellipsoid.semi_major_metre)


def ensure_supported_crs(crs: CRSInput) -> pyproj.CRS:
    """Parse a CRS and refuse those that cannot be transformed to CGCS2000 faithfully.

    Parameters
    ----------
    crs : int, str or pyproj.CRS
        EPSG code, ``"EPSG:xxxx"`` or WKT (e.g. the contents of a ``.prj``). PROJ strings,
        PROJJSON and WKT naming grid files are refused because they can make PROJ read files.

    Returns
    -------
    pyproj.CRS
        The parsed CRS.

    Raises
    ------
    CRSError
        If the CRS is refused, cannot be parsed or has no geodetic datum (a local CRS).
    LegacyDatumError
        If the datum is Xian 1980 or Beijing 1954 (by datum name or ellipsoid). PROJ has only
        a "ballpark" no-op transformation for them. Even a ``TOWGS84`` clause does not help:
        PROJ ignores it when the target is EPSG:4490, so such data must go through the
        quarantine workflow.
    """
    parsed = _parse_crs(crs)
    if parsed.geodetic_crs is None:
        raise CRSError(
            f"CRS {parsed.name!r} has no geodetic datum",
            user_message="Local or engineering coordinate systems cannot be placed on the map.",
        )
    legacy = _legacy_datum(parsed)
    if legacy is not None:
        raise LegacyDatumError(f"CRS {parsed.name!r} uses the legacy datum {legacy}")
    return parsed


def _as_float_array(values: float | FloatArray) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


@overload
def to_gk(lon: float, lat: float, epsg: int | None = None) -> tuple[float, float, int]: ...
@overload
def to_gk(
    lon: FloatArray, lat: FloatArray, epsg: int | None = None
) -> tuple[FloatArray, FloatArray, int]: ...
def to_gk(
    lon: float | FloatArray, lat: float | FloatArray, epsg: int | None = None
) -> tuple[float | FloatArray, float | FloatArray, int]:
    """Project CGCS2000 lon/lat to the 3° Gauss-Krüger zone (no prefix) of the data.

    Parameters
    ----------
    lon, lat : float or ndarray
        Degrees. Arrays are projected together into one zone, that of the centre of their
        longitude range, so a feature is never split across zones.
    epsg : int, optional
        Force a CGCS2000 Gauss-Krüger code instead of choosing the zone.

    Returns
    -------
    tuple
        ``(easting, northing, epsg)`` in metres; scalars in, scalars out.
    """
    lons, lats = _as_float_array(lon), _as_float_array(lat)
    check_lonlat(lons, lats)
    if epsg is None:
        epsg = gk_zone_epsg((float(lons.min()) + float(lons.max())) / 2.0)
    _check_gk_epsg(epsg)
    x, y = transformer(STORAGE_SRID, epsg).transform(lons, lats)
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return float(x), float(y), epsg
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), epsg


def _check_gk_epsg(epsg: int) -> None:
    if epsg not in _CGCS2000_GK_EPSG:
        raise CRSError(
            f"EPSG:{epsg} is not a CGCS2000 Gauss-Krüger CRS",
            user_message=f"EPSG:{epsg} is not a CGCS2000 Gauss-Krüger coordinate system.",
        )


@overload
def from_gk(x: float, y: float, epsg: int) -> tuple[float, float]: ...
@overload
def from_gk(x: FloatArray, y: FloatArray, epsg: int) -> tuple[FloatArray, FloatArray]: ...
def from_gk(
    x: float | FloatArray, y: float | FloatArray, epsg: int
) -> tuple[float | FloatArray, float | FloatArray]:
    """Unproject CGCS2000 Gauss-Krüger easting/northing to CGCS2000 lon/lat.

    Parameters
    ----------
    x, y : float or ndarray
        Easting and northing in metres (prefixed eastings with a prefixed ``epsg``).
    epsg : int
        A CGCS2000 Gauss-Krüger code (4491–4554).

    Returns
    -------
    tuple
        ``(lon, lat)`` in degrees; scalars in, scalars out.
    """
    _check_gk_epsg(epsg)
    lon, lat = transformer(epsg, STORAGE_SRID).transform(_as_float_array(x), _as_float_array(y))
    if np.ndim(x) == 0 and np.ndim(y) == 0:
        return float(lon), float(lat)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def detect_swapped_lonlat(x: float, y: float, extent: BBox = SICHUAN_CHONGQING_BBOX) -> bool:
    """Return whether ``(x, y)`` is evidently ``(lat, lon)`` for data in ``extent``.

    True when ``(x, y)`` is not a plausible lon/lat in China but ``(y, x)`` falls in
    ``extent`` (Sichuan–Chongqing by default; pass :data:`CHINA_BBOX` for the whole country).
    Because China's latitudes never reach its longitudes, the two readings cannot both be
    plausible, so the check never flags correct data.
    """
    return not CHINA_BBOX.contains(x, y) and extent.contains(y, x)


# Gauss-Krüger eastings in China stay within ±400 km of the central meridian (6° zones reach
# at most ~335 km at 18°N), so an unprefixed value lies between 100 000 and 900 000 m.
_MIN_FALSE_EASTING: Final = 100_000.0
_MAX_FALSE_EASTING: Final = 900_000.0


def detect_prefixed_easting(easting: float) -> int | None:
    """Return the zone number prefixed to an 8-digit easting, or ``None``.

    ``35410451.0`` gives zone 35 (3°, CM 105°E). Zones 25–45 are 3° zones, 13–23 6° zones;
    other prefixes, and eastings whose remainder is not a plausible Gauss-Krüger easting,
    give ``None``.
    """
    if not (math.isfinite(easting) and 10_000_000.0 <= easting < 100_000_000.0):
        return None
    zone, remainder = divmod(easting, 1_000_000.0)
    if int(zone) not in GK3_ZONES and int(zone) not in GK6_ZONES:
        return None
    if not _MIN_FALSE_EASTING <= remainder <= _MAX_FALSE_EASTING:
        return None
    return int(zone)


def strip_zone_prefix(easting: float) -> tuple[int, float]:
    """Split a prefixed easting into ``(zone, easting_without_prefix)``.

    ``35410451.0`` gives ``(35, 410451.0)``; project it with ``epsg_for_zone(35)``.

    Raises
    ------
    CoordinateError
        If the easting carries no recognisable zone prefix.
    """
    zone = detect_prefixed_easting(easting)
    if zone is None:
        raise CoordinateError(
            f"easting {easting!r} carries no Gauss-Krüger zone prefix",
            user_message=f"Easting {easting} does not start with a valid zone number.",
        )
    return zone, easting - zone * 1_000_000.0
