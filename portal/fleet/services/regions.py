"""Where a trip runs: the region class of its two ends, read on the registry's real boundaries.

Each end lies in the most specific division covering it (a county, else a city, else the
province); its province is the first two digits of that code (51 Sichuan, 50 Chongqing). Two ends
inside one cooperation region (高竹新区, 遂潼, the cities bordering Chongqing) make a cooperation
trip, even when the region straddles the border; otherwise the provinces decide. ``crosses_border``
keeps the border fact apart from the label, because a cross-border trip needs the pool manager's
signature and is settled separately whatever its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pyproj
from django.contrib.gis.db.models.functions import Area
from django.contrib.gis.geos import Point
from django.db.models import Case, IntegerField, Value, When

from portal.fleet.choices import RegionClass
from portal.org.choices import DivisionLevel
from portal.org.models import AdminDivision, CooperationRegion

SICHUAN, CHONGQING = "51", "50"

# The most specific covering division first.
_LEVEL_ORDER = Case(
    When(level=DivisionLevel.COUNTY, then=Value(0)),
    When(level=DivisionLevel.CITY, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class Classification:
    """The region class of a trip and the divisions (and cooperation region) it was read from."""

    region_class: RegionClass
    crosses_border: bool
    region: CooperationRegion | None
    origin_division: AdminDivision | None
    destination_division: AdminDivision | None


def covering_division(place: Point) -> AdminDivision | None:
    """The current county-level division covering ``place``, else its city, else its province."""
    divisions = AdminDivision.objects.current().filter(geom__intersects=place)
    return divisions.order_by(_LEVEL_ORDER, "code").first()


def shared_region(origin: Point, destination: Point) -> CooperationRegion | None:
    """The smallest cooperation region covering both ends (高竹新区 before the border cities)."""
    regions = CooperationRegion.objects.filter(geom__intersects=origin).filter(
        geom__intersects=destination
    )
    return regions.annotate(extent=Area("geom")).order_by("extent", "pk").first()


def _province(division: AdminDivision | None) -> str | None:
    code = division.code[:2] if division else None
    return code if code in (SICHUAN, CHONGQING) else None


def classify(origin: Point, destination: Point) -> Classification:
    """Classify the trip from ``origin`` to ``destination`` (EPSG:4490 points)."""
    start, end = covering_division(origin), covering_division(destination)
    region = shared_region(origin, destination)
    label, crosses = region_label(_province(start), _province(end), in_region=region is not None)
    return Classification(label, crosses, region, start, end)


def region_label(
    first: str | None, second: str | None, *, in_region: bool
) -> tuple[RegionClass, bool]:
    """The class of a trip whose ends lie in provinces ``first`` and ``second`` ("51", "50", or
    None outside both), and whether it crosses the border. The demo loader labels its trips
    with this too, from boundaries it holds in memory."""
    crosses = first is None or second is None or first != second
    if in_region:
        return RegionClass.COOPERATION, crosses
    if first is None or second is None:
        return RegionClass.OUTSIDE, crosses
    if crosses:
        return RegionClass.CROSS_PROVINCE, crosses
    return (RegionClass.SICHUAN if first == SICHUAN else RegionClass.CHONGQING), crosses


@cache
def _geod() -> pyproj.Geod:
    # PostGIS geography measures on WGS84: the same ellipsoid gives the same metres as dispatch.
    return pyproj.Geod(ellps="WGS84")


def straight_distance_m(origin: Point, destination: Point) -> float:
    """The geodesic distance between the two ends in metres."""
    _, _, metres = _geod().inv(origin.x, origin.y, destination.x, destination.y)
    return float(metres)
