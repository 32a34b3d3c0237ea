"""The coordinate reference systems of OGC API – Features Part 2 (CRS by reference).

A client names a CRS by its URI. CRS84 (longitude, latitude) is the default of Part 1 and of
RFC 7946. Every other CRS is answered in the axis order its authority declares, as Part 2
requires: EPSG:4490 and EPSG:4326 are latitude, longitude, and the CGCS2000 Gauss-Krüger CRSs
northing, easting; only EPSG:3857 is easting, northing. GDAL and QGIS read it that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from gis.crs import GK3_ZONES, STORAGE_SRID, WEB_MERCATOR_SRID, WGS84_SRID, epsg_for_zone

CRS84: Final = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_PREFIX: Final = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class OutputCRS:
    """A CRS features may be asked in: its URI, the PostGIS SRID and its axis order."""

    uri: str
    srid: int
    # True when the authority's first axis is latitude or northing: coordinates are then
    # flipped from PostGIS's x/y order.
    northing_first: bool

    @property
    def metric(self) -> bool:
        return self.srid not in (STORAGE_SRID, WGS84_SRID)

    @property
    def precision(self) -> int:
        """Decimals written: 7 for degrees (about 1 cm), 3 for metres (1 mm)."""
        return 3 if self.metric else 7

    @property
    def header(self) -> str:
        """The ``Content-Crs`` header naming this CRS."""
        return f"<{self.uri}>"


def _epsg(srid: int, *, northing_first: bool) -> OutputCRS:
    return OutputCRS(f"{EPSG_PREFIX}{srid}", srid, northing_first)


DEFAULT: Final = OutputCRS(CRS84, STORAGE_SRID, northing_first=False)
SUPPORTED: Final[tuple[OutputCRS, ...]] = (
    DEFAULT,
    _epsg(STORAGE_SRID, northing_first=True),
    _epsg(WGS84_SRID, northing_first=True),
    _epsg(WEB_MERCATOR_SRID, northing_first=False),
    # The 3-degree zones without (4534–4554) and with (4513–4533) the zone number before the
    # easting: survey offices use both.
    *(_epsg(epsg_for_zone(zone), northing_first=True) for zone in GK3_ZONES),
    *(_epsg(epsg_for_zone(zone, prefixed=True), northing_first=True) for zone in GK3_ZONES),
)
STORAGE: Final = SUPPORTED[1]
_BY_URI: Final = {crs.uri: crs for crs in SUPPORTED}
# Short forms some clients send instead of the URI.
_ALIASES: Final = {
    "CRS84": DEFAULT,
    "OGC:CRS84": DEFAULT,
    **{f"EPSG:{crs.srid}": crs for crs in SUPPORTED[1:]},
}


def lookup(value: str) -> OutputCRS | None:
    """The supported CRS a URI (or ``EPSG:n``, ``[EPSG:n]`` safe CURIE) names, else None."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return _BY_URI.get(text) or _ALIASES.get(text.upper())


def uris() -> list[str]:
    """Every supported CRS URI, CRS84 first: a collection's ``crs`` list."""
    return [crs.uri for crs in SUPPORTED]
