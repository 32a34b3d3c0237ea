"""A tiny coverage world whose answers are counted by hand.

A synthetic 1 km grid of 20 × 40 cells in the region's Albers CRS, around Suining. The region
("遂宁市", 510900) is columns 0–29; its counties are 船山区 (510903, columns 0–14) and 安居区
(510904, columns 15–29); columns 30–39 lie outside it. Travel costs 1 minute per cell (60 km/h)
except a wall of impassable cells down column 12. Radius 5 km, travel time 5 minutes.

People (row, col): V1 (10, 11) 1,000 · V2 (10, 17) 500 · V4 (18, 2) 200 · V6 (10, 29) 300, and
V5 (10, 35) 400 outside the region. Emergency depots: P (10, 14) and Q (10, 20) in the region,
M (10, 33) outside it but near; F near Mianyang, 100 km away. W is a warehouse (not counted).

By hand:

* P reaches V1 (3 km) by radius only: the wall is between them. P and Q both reach V2 (3 km,
  3 minutes each). M reaches V6 (4 km, 4 minutes). V4 is 14 km from P. Nobody reaches V5 from
  inside, and V5 is not the region's anyway.
* Region: 2,000 people; by radius V1 + V2 + V6 = 1,800; by time V2 + V6 = 800 (V2 once,
  although two depots reach it: the per-depot times add up to 1,300).
* 船山区: 1,200 people, 1,000 by radius, 0 by time, gap = the cells of V1 and V4.
  安居区: 800 people, all covered both ways, no gap.
* Depots: P 1,500 / 500, Q 500 / 500, M 300 / 300 (radius / time); F and W have no row.
* The officer's unit (of 遂宁市) runs every depot; 安居区's officer sees none of them.
* Supplies of P, Q and M (all reach someone) per 1,000 of the 800 covered by time:
  tents (顶) 150 → 187.5; drinking water (箱) 500 → 625; quilts (条) 30 → 37.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import shapely
from affine import Affine
from django.contrib.gis.geos import GEOSGeometry, Point

from gis.surfaces import CELL_M, REGION_CRS, Surface
from portal.depots.models import CoverageAnalysis, Depot, StockItem, SupplyCategory
from portal.depots.services.coverage_grid import Surfaces
from portal.org.choices import DivisionLevel, Role
from portal.org.models import AdminDivision, Unit, User
from tests.factories import DepotFactory, UnitFactory, UserFactory, division

ROWS, COLS = 20, 40
CENTRE = (105.59, 30.53)
WALL_COL = 12
REGION_COLS = (0, 30)
COUNTY_COLS = {"510903": (0, 15), "510904": (15, 30)}
PEOPLE = {
    "V1": (10, 11, 1000.0),
    "V2": (10, 17, 500.0),
    "V4": (18, 2, 200.0),
    "V6": (10, 29, 300.0),
    "V5": (10, 35, 400.0),
}
DEPOTS = {"P": (10, 14), "Q": (10, 20), "M": (10, 33)}
RADIUS_KM = Decimal(5)
MINUTES = 5


def _transform() -> Affine:
    probe = Surface(np.zeros((1, 1)), Affine.identity(), REGION_CRS)
    x, y = probe.from_lonlat(*CENTRE)
    left = float(np.floor(x / CELL_M) * CELL_M - COLS / 2 * CELL_M)
    top = float(np.floor(y / CELL_M) * CELL_M + ROWS / 2 * CELL_M)
    return Affine(CELL_M, 0, left, 0, -CELL_M, top)


TRANSFORM = _transform()


def population() -> Surface:
    values = np.zeros((ROWS, COLS))
    for row, col, people in PEOPLE.values():
        values[row, col] = people
    return Surface(values, TRANSFORM, REGION_CRS)


def travel_cost() -> Surface:
    values = np.ones((ROWS, COLS))
    values[:, WALL_COL] = np.nan
    return Surface(values, TRANSFORM, REGION_CRS)


def flat(value: float) -> Surface:
    """The same value in every cell: no people (0) or free travel (0) for failure cases."""
    return Surface(np.full((ROWS, COLS), value), TRANSFORM, REGION_CRS)


def surfaces() -> Surfaces:
    return Surfaces(population(), travel_cost())


def cell_lonlat(row: int, col: int) -> tuple[float, float]:
    grid = population()
    x, y = TRANSFORM @ (col + 0.5, row + 0.5)
    lon, lat = grid.to_lonlat(x, y)
    return float(lon), float(lat)


def columns_shape(first: int, last: int) -> GEOSGeometry:
    """Columns ``first`` to ``last - 1`` of every row, as an EPSG:4490 MultiPolygon."""
    grid = population()
    left, top = TRANSFORM @ (first, 0)
    right, bottom = TRANSFORM @ (last, ROWS)
    box = shapely.segmentize(shapely.box(left, bottom, right, top), CELL_M / 4)
    lonlat = shapely.transform(box, lambda xy: np.column_stack(grid.to_lonlat(*xy.T)))
    multi = shapely.multipolygons([lonlat])
    return GEOSGeometry(memoryview(shapely.to_wkb(multi)), srid=4490)


def _division(
    code: str, name: str, level: str, cols: tuple[int, int], parent: AdminDivision
) -> AdminDivision:
    return AdminDivision.objects.create(
        code=code, name=name, level=level, parent=parent, geom=columns_shape(*cols)
    )


def _stock(depot: Depot, code: str, name: str, quantity: str, unit: str) -> StockItem:
    category, _created = SupplyCategory.objects.get_or_create(code=code, defaults={"name": name})
    return StockItem.objects.create(
        depot=depot,
        category=category,
        name=name,
        batch_no=f"{depot.code}-{code}",
        quantity=Decimal(quantity),
        unit_of_measure=unit,
    )


@dataclass
class World:
    region: AdminDivision
    west: AdminDivision
    east: AdminDivision
    unit: Unit
    other_unit: Unit
    officer: User
    other_officer: User
    admin: User
    depots: dict[str, Depot]


def _depot(
    name: str,
    unit: Unit,
    county: AdminDivision,
    lonlat: tuple[float, float],
    kind: str = "emergency",
) -> Depot:
    return DepotFactory(
        code=f"YJ-{name}",
        kind=kind,
        name=f"{name}号储备库",
        managing_unit=unit,
        division=county,
        geom=Point(*lonlat, srid=4490),
    )


def _unit(place: AdminDivision, name: str) -> Unit:
    seat = Point(*cell_lonlat(2, 25 if place.code == "510904" else 5), srid=4490)
    return UnitFactory(division_code=place.code, division=place, location=seat, name=name)


def build_world() -> World:
    """The divisions, a unit of 船山区 with the depots, its officer, another county's officer."""
    region = _division("510900", "遂宁市", DivisionLevel.CITY, REGION_COLS, division("510000"))
    west = _division("510903", "船山区", DivisionLevel.COUNTY, COUNTY_COLS["510903"], region)
    east = _division("510904", "安居区", DivisionLevel.COUNTY, COUNTY_COLS["510904"], region)
    unit = _unit(region, "遂宁市应急管理局")
    other = _unit(east, "安居区应急管理局")
    depots = {
        name: _depot(name, unit, west if cell[1] < 15 else east, cell_lonlat(*cell))
        for name, cell in DEPOTS.items()
    }
    depots["F"] = _depot("F", unit, west, (104.7, 31.5))
    depots["W"] = _depot("W", unit, east, cell_lonlat(5, 20), kind="warehouse")
    _stock(depots["P"], "1010102", "棉帐篷", "100", "顶")
    _stock(depots["P"], "1030100", "饮用水", "500", "箱")
    _stock(depots["Q"], "1010101", "单帐篷", "50", "顶")
    _stock(depots["M"], "1020100", "棉被", "30", "条")
    _stock(depots["F"], "1010102", "棉帐篷", "1000", "顶")
    _stock(depots["W"], "1010102", "棉帐篷", "1000", "顶")
    return World(
        region=region,
        west=west,
        east=east,
        unit=unit,
        other_unit=other,
        officer=UserFactory(role=Role.UNIT_OFFICER, unit=unit),
        other_officer=UserFactory(role=Role.UNIT_OFFICER, unit=other),
        admin=UserFactory(role=Role.PROVINCE_ADMIN, unit=unit),
        depots=depots,
    )


def analysis_of(world: World, by: User | None = None, **fields: object) -> CoverageAnalysis:
    """A queued analysis of the region, written directly (the service's checks are tested
    apart)."""
    author = by or world.officer
    terms = {
        "name": "遂宁覆盖",
        "region": world.region,
        "radius_km": RADIUS_KM,
        "minutes": MINUTES,
        **fields,
    }
    return CoverageAnalysis.objects.create(unit=author.unit, created_by=author, **terms)
