"""Crafted geometries for the conflict register's tests, in metres around a point of 锦江区.

``rect(x, y, w, h)`` is a rectangle ``w`` × ``h`` metres whose south-west corner lies ``x`` m east
and ``y`` m north of :data:`ORIGIN`; the local metre-to-degree factors make areas exact to a
fraction of a percent, and the tests read the geodesic areas back where an edge matters.
"""

from __future__ import annotations

import math

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from portal.core.choices import Confidentiality
from portal.parcels.models import Parcel
from tests.factories import BuildingFactory, ParcelFactory, UnitFactory

ORIGIN = (104.076, 30.626)  # inside the factories' 锦江区 square
DEG_PER_M_LAT = 1 / 110_860.0
DEG_PER_M_LON = 1 / (111_320.0 * math.cos(math.radians(ORIGIN[1])))


def lonlat(x: float, y: float) -> tuple[float, float]:
    return ORIGIN[0] + x * DEG_PER_M_LON, ORIGIN[1] + y * DEG_PER_M_LAT


def rect(x: float, y: float, w: float, h: float) -> MultiPolygon:
    corners = [lonlat(x, y), lonlat(x + w, y), lonlat(x + w, y + h), lonlat(x, y + h)]
    return MultiPolygon(Polygon([*corners, corners[0]]), srid=4490)


def point(x: float, y: float) -> Point:
    return Point(*lonlat(x, y), srid=4490)


def parcel(holder=None, *, x: float, y: float, w: float = 50, h: float = 50, **fields) -> Parcel:
    holder = holder or UnitFactory()
    return ParcelFactory(holder=holder, geom=rect(x, y, w, h), **fields)


def building(
    unit=None, *, x: float, y: float, w: float = 10, h: float = 10, secret: bool = False, **fields
):
    """A building with a ``w`` × ``h`` footprint (``w=0``: only a location at x, y)."""
    unit = unit or UnitFactory()
    footprint = rect(x, y, w, h) if w else None
    level = Confidentiality.SECRET if secret else Confidentiality.INTERNAL
    return BuildingFactory(
        managing_unit=unit,
        footprint=footprint,
        geom=point(x + w / 2, y + h / 2),
        confidentiality=level,
        **fields,
    )
