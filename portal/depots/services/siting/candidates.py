"""Candidate sites of a siting scenario, each read as the scenario's creator may read it.

In this order (the fixed ones first):

* **existing depots**: emergency depots (kind emergency or both) in the region. With
  ``keep_existing`` they are fixed open and not counted in ``p``; without it they are left out
  and the run plans from scratch, which shows what the present network costs in coverage.
* **county seats**: for each current county-level division in the region, the location of its
  people's government (the county's government organ at county level whose parent unit sits in
  another division, or has none). Where the creator sees no such unit with a location, the
  boundary's representative point (PostGIS ``ST_PointOnSurface``, always inside the county).
* **idle government buildings**: buildings in the region with office space on offer in the
  public asset warehouse now (a published shared-space listing), or whose own ledger record (an
  asset of class :data:`BUILDING_CLASS`, buildings) is idle or in the warehouse.
* **registry parcels**: their representative points.
* **drawn sites**: points the planner gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import Point
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext as _

from portal.assets.choices import AssetStatus
from portal.assets.models import Asset, SpaceListing
from portal.buildings.models import Building
from portal.core.choices import GovernmentLevel
from portal.depots.choices import DepotKind, SiteSource
from portal.depots.models import Depot
from portal.org.choices import DivisionLevel, UnitKind
from portal.org.models import AdminDivision, Unit
from portal.parcels.models import Parcel

if TYPE_CHECKING:
    from portal.depots.models import SitingScenario
    from portal.org.models import User

EMERGENCY_KINDS: Final = (DepotKind.EMERGENCY, DepotKind.BOTH)
# GB/T 14885 (2010 codes, as the registry's asset classes): 1020000 房屋, buildings.
BUILDING_CLASS: Final = "102"


@dataclass(frozen=True)
class Candidate:
    """A site the solver may open, with the record it comes from."""

    source: str
    label: str
    lon: float
    lat: float
    depot_id: int | None = None
    building_id: int | None = None
    parcel_id: int | None = None
    division_id: int | None = None
    capacity_m3: float | None = None  # None: a new site's (instance.NEW_SITE_CAPACITY_M3)

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat, srid=4490)


def existing_depots(scenario: SitingScenario, reader: User) -> list[Candidate]:
    depots = Depot.objects.visible_to(reader).filter(
        kind__in=EMERGENCY_KINDS, division__code__startswith=scenario.region.prefix
    )
    return [
        Candidate(
            SiteSource.EXISTING,
            depot.name,
            depot.geom.x,
            depot.geom.y,
            depot_id=depot.pk,
            division_id=depot.division_id,
            capacity_m3=float(depot.capacity_m3),
        )
        for depot in depots.order_by("code")
    ]


def county_seats(scenario: SitingScenario, reader: User) -> list[Candidate]:
    governments = (
        Unit.objects.visible_to(reader)
        .filter(
            division=OuterRef("pk"),
            kind=UnitKind.GOVERNMENT_ORGAN,
            level=GovernmentLevel.COUNTY,
            location__isnull=False,
        )
        .exclude(parent__division=OuterRef("pk"))
        .order_by("pk")
    )
    counties = (
        AdminDivision.objects.current()
        .filter(level=DivisionLevel.COUNTY, code__startswith=scenario.region.prefix)
        .annotate(seat=Subquery(governments.values("location")[:1]), inner=PointOnSurface("geom"))
        .order_by("code")
    )
    return [
        Candidate(
            SiteSource.COUNTY_SEAT,
            county.name,
            *(county.seat or county.inner).coords,
            division_id=county.pk,
        )
        for county in counties.only("pk", "name")
    ]


def idle_buildings(scenario: SitingScenario, reader: User) -> list[Candidate]:
    shared = SpaceListing.objects.live().filter(building=OuterRef("pk"))
    idle = Asset.objects.filter(
        building=OuterRef("pk"),
        status__in=(AssetStatus.IDLE, AssetStatus.IN_WAREHOUSE),
        category__code__startswith=BUILDING_CLASS,
    )
    buildings = (
        Building.objects.visible_to(reader)
        .filter(division__code__startswith=scenario.region.prefix)
        .filter(Exists(shared) | Exists(idle))
        .only("pk", "name", "geom", "division_id")
        .order_by("pk")
    )
    return [
        Candidate(
            SiteSource.IDLE_BUILDING,
            b.name,
            b.geom.x,
            b.geom.y,
            building_id=b.pk,
            division_id=b.division_id,
        )
        for b in buildings
    ]


def parcels(scenario: SitingScenario, reader: User) -> list[Candidate]:
    rows = (
        Parcel.objects.visible_to(reader)
        .filter(division__code__startswith=scenario.region.prefix)
        .annotate(inner=PointOnSurface("geom"))
        .values_list("pk", "registry_no", "inner", "division_id")
        .order_by("pk")
    )
    return [
        Candidate(SiteSource.PARCEL, number, *inner.coords, parcel_id=pk, division_id=division)
        for pk, number, inner, division in rows
    ]


def drawn(scenario: SitingScenario) -> list[Candidate]:
    return [
        Candidate(SiteSource.DRAWN, _("Drawn site %(number)d") % {"number": n}, point.x, point.y)
        for n, point in enumerate(scenario.drawn_sites or [], start=1)
    ]


def gather_candidates(scenario: SitingScenario, reader: User) -> tuple[list[Candidate], int]:
    """Every candidate, the fixed existing depots first, and how many are fixed."""
    fixed = existing_depots(scenario, reader) if scenario.keep_existing else []
    found = list(fixed)
    if scenario.use_county_seats:
        found += county_seats(scenario, reader)
    if scenario.use_idle_buildings:
        found += idle_buildings(scenario, reader)
    if scenario.use_parcels:
        found += parcels(scenario, reader)
    return found + drawn(scenario), len(fixed)
