"""A small world for the incident-response tests, on a synthetic travel-cost surface whose
answers can be worked out by hand.

The surface is a 21 × 21 grid of 1 km cells on the region's Albers grid, centred on 锦江区
(104.08°E, 30.63°N), where the incident is. Every cell costs 2 minutes to cross, except
columns 11 and 12, a ridge east of the incident costing 20 minutes a cell, which no path
avoids. The three Chengdu depots sit on cell centres, so their travel times are exact:

==========  =====  =========================================  ==========  ===========
depot       cell   path from the incident's cell (10, 10)     minutes     straight km
==========  =====  =========================================  ==========  ===========
south-west  13, 8  2 diagonal steps + 1 straight, cost 2      4√2 + 2     √13 ≈ 3.61
north       4, 10  6 straight steps, cost 2                   12          6
east        10, 13 across the ridge: 11 + 20 + 11             42          3
==========  =====  =========================================  ==========  ===========

So by travel time the order is south-west, north, east; by straight line it is east first.
涪城区's depot (Mianyang) lies off the grid: no travel time.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from affine import Affine
from django.contrib.gis.geos import Point
from django.utils import timezone

from gis.surfaces import CELL_M, REGION_CRS, Surface
from portal.depots.models import Depot, Incident, IncidentNeed, StockItem, SupplyCategory
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import DepotFactory, UnitFactory, UserFactory, centre

INCIDENT_LONLAT = (104.08, 30.63)
SIZE = 21
MIDDLE = 10
RIDGE_COLUMNS = (11, 12)
FLAT_MINUTES = 2.0
RIDGE_MINUTES = 20.0
CELLS = {"south_west": (13, 8), "north": (4, 10), "east": (10, 13)}
MINUTES = {"south_west": 4 * math.sqrt(2) + 2, "north": 12.0, "east": 42.0}
KM = {"south_west": math.sqrt(13), "north": 6.0, "east": 3.0}

# GB/T 38565 classes the tests use (a transactional test's flush empties the seeded table).
CLASSES = (
    ("1000000", "基本生活保障物资", None),
    ("1010000", "住宿类", "1000000"),
    ("1010100", "帐篷", "1010000"),
    ("1010101", "单帐篷", "1010100"),
    ("1010102", "棉帐篷", "1010100"),
    ("1010200", "折叠床", "1010000"),
    ("1020000", "衣被类", "1000000"),
    ("1020100", "棉被", "1020000"),
    ("1030000", "食品饮用水类", "1000000"),
    ("1030100", "饮用水", "1030000"),
)


def category(code: str) -> SupplyCategory:
    """The class ``code`` of :data:`CLASSES`, created with its parents when missing."""
    name, parent = next((n, p) for c, n, p in CLASSES if c == code)
    found, _ = SupplyCategory.objects.get_or_create(
        code=code, defaults={"name": name, "parent": category(parent) if parent else None}
    )
    return found


def surface() -> Surface:
    """The synthetic travel-cost surface described above."""
    x, y = _albers(*INCIDENT_LONLAT)
    half = (MIDDLE + 0.5) * CELL_M
    values = np.full((SIZE, SIZE), FLAT_MINUTES)
    values[:, list(RIDGE_COLUMNS)] = RIDGE_MINUTES
    return Surface(values, Affine(CELL_M, 0, x - half, 0, -CELL_M, y + half), REGION_CRS)


def _albers(lon: float, lat: float) -> tuple[float, float]:
    probe = Surface(np.zeros((1, 1)), Affine.identity(), REGION_CRS)
    xs, ys = probe.from_lonlat([lon], [lat])
    return float(xs[0]), float(ys[0])


def cell_point(cost: Surface, row: int, col: int) -> Point:
    """The EPSG:4490 point at the centre of a cell of ``cost``."""
    x, y = cost.transform @ (col + 0.5, row + 0.5)
    lon, lat = cost.to_lonlat([x], [y])
    return Point(float(lon[0]), float(lat[0]), srid=4490)


def batch(
    depot: Depot,
    code: str,
    quantity: int | str | Decimal,
    *,
    batch_no: str = "",
    expires_in_days: int | None = None,
    uom: str = "顶",
) -> StockItem:
    """A batch of ``code`` in ``depot``, expiring ``expires_in_days`` from today if given."""
    expires = None
    if expires_in_days is not None:
        expires = timezone.localdate() + dt.timedelta(days=expires_in_days)
    return StockItem.objects.create(
        depot=depot,
        category=category(code),
        name=category(code).name,
        batch_no=batch_no or f"B{StockItem.objects.count() + 1:04d}",
        quantity=Decimal(str(quantity)),
        unit_of_measure=uom,
        expires_on=expires,
    )


def incident(unit: Unit, needs: dict[str, int], *, by: User | None = None) -> Incident:
    """An open incident of ``unit`` at :data:`INCIDENT_LONLAT` with ``needs`` (code → qty)."""
    found = Incident.objects.create(
        name="山体滑坡", unit=unit, geom=Point(*INCIDENT_LONLAT, srid=4490), created_by=by
    )
    for code, quantity in needs.items():
        IncidentNeed.objects.create(incident=found, category=category(code), quantity=quantity)
    return found


@dataclass
class World:
    cost: Surface
    jinjiang: Unit  # reports the incident; manages the south-west and east depots
    wuhou: Unit  # manages the north depot
    fucheng: Unit  # Mianyang: manages a depot off the grid
    depots: dict[str, Depot]
    users: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def world() -> World:
    cost = surface()
    jinjiang = UnitFactory(division_code="510104", name="锦江区应急管理局")
    wuhou = UnitFactory(division_code="510107", name="武侯区应急管理局")
    fucheng = UnitFactory(division_code="510703", name="涪城区应急管理局")
    depots = {
        name: DepotFactory(
            name=f"{name}库", managing_unit=owner, geom=cell_point(cost, *CELLS[name])
        )
        for name, owner in (("south_west", jinjiang), ("north", wuhou), ("east", jinjiang))
    }
    depots["far"] = DepotFactory(name="far库", managing_unit=fucheng, geom=centre("510703"))
    users = {
        "officer": UserFactory(role=Role.UNIT_OFFICER, unit=jinjiang),
        "viewer": UserFactory(role=Role.VIEWER, unit=jinjiang),
        "wuhou_officer": UserFactory(role=Role.UNIT_OFFICER, unit=wuhou),
        "far_officer": UserFactory(role=Role.UNIT_OFFICER, unit=fucheng),
        "city_admin": UserFactory(
            role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100")
        ),
        "province_admin": UserFactory(
            role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510000")
        ),
    }
    return World(cost, jinjiang, wuhou, fucheng, depots, users)


def stocked_world() -> World:
    """:func:`world` with shelter stock: tents in two batches and an expired one south-west,
    quilts there too (another class), cotton tents north, folding beds east, tents far away."""
    w = world()
    batch(w.depots["south_west"], "1010101", 30, batch_no="SW-LATE", expires_in_days=200)
    batch(w.depots["south_west"], "1010101", 50, batch_no="SW-SOON", expires_in_days=30)
    batch(w.depots["south_west"], "1010101", 99, batch_no="SW-EXPIRED", expires_in_days=-1)
    batch(w.depots["south_west"], "1020100", 500, batch_no="SW-QUILTS", uom="床")
    batch(w.depots["north"], "1010102", 40, batch_no="N-COTTON")
    batch(w.depots["east"], "1010200", 100, batch_no="E-BEDS", uom="张")
    batch(w.depots["far"], "1010101", 1000, batch_no="FAR-TENTS")
    return w


def item(batch_no: str) -> StockItem:
    return StockItem.objects.get(batch_no=batch_no)
