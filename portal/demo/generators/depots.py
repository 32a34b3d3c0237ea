"""Emergency depots and public asset warehouses run by the offices administrations, with stock.

Every batch comes with the receipt that stocked it in (its opening movement, numbered
``RK-<depot code>-<n>``, no scanned paper), so the movement log rebuilds the stock from the start.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.contrib.gis.geos import Point
from django.utils import timezone

from gis.crs import from_gk
from portal.demo.data.items import SUPPLY_KINDS
from portal.demo.generators.buildings import decimal
from portal.demo.generators.layout import jittered
from portal.demo.generators.world import DemoUnit, World
from portal.depots.choices import MovementKind
from portal.depots.models import Depot, StockItem, StockMovement, SupplyCategory

KINDS = (
    ("emergency", 0.55, "YJ", "应急物资储备库"),
    ("warehouse", 0.25, "GW", "公物仓"),
    ("both", 0.20, "YG", "应急物资储备库（公物仓）"),
)
RADIUS_M = 5_000.0
EXPIRING_SOON = 0.15
BELOW_MINIMUM = 0.12
# Storage volume of one unit (m³) by supply class, as packed for storage: a 12 m² relief tent
# in its bag, a case of 24 bottles of water, an empty sandbag, a square metre of geotextile…
UNIT_VOLUME_M3 = {
    "1010101": "0.15",
    "1010102": "0.25",
    "1010200": "0.08",
    "1020100": "0.05",
    "1020200": "0.03",
    "1020300": "0.02",
    "1030100": "0.02",
    "1030200": "0.03",
    "1040100": "0.0005",
    "1040200": "0.003",
    "2010100": "0.005",
    "2010200": "0.03",
    "2020100": "3.5",
    "2020200": "0.1",
    "2030100": "2.0",
    "2030200": "1.5",
    "2040100": "0.002",
    "3010100": "0.0005",
    "3010200": "0.002",
    "3010300": "0.01",
    "3020100": "0.5",
    "3020200": "0.03",
}


def _location(world: World, rng: np.random.Generator, unit: DemoUnit) -> tuple[float, float, str]:
    """A point within 5 km of the seat, inside the unit's county when it is a county office."""
    for _attempt in range(50):
        x, y, epsg = jittered(rng, *unit.place.seat, RADIUS_M)
        lon, lat = from_gk(x, y, epsg)
        county = world.locator.locate(lon, lat)
        if county is not None and (unit.level != "county" or county == unit.place.code):
            return lon, lat, county
    return *unit.anchor, unit.place.code


def _depot(world: World, rng: np.random.Generator, unit: DemoUnit, number: int) -> Depot:
    index = int(rng.choice(len(KINDS), p=[k[1] for k in KINDS]))
    kind, _share, prefix, suffix = KINDS[index]
    lon, lat, county = _location(world, rng, unit)
    scale = 4.0 if unit.level == "province" else 1.0
    return Depot(
        code=f"{prefix}-{unit.place.code}-{number:02d}",
        name=f"{unit.place.name}{suffix}",
        kind=kind,
        managing_unit=unit.model,
        division=world.divisions[county],
        address=unit.address,
        geom=Point(lon, lat, srid=4490),
        capacity_m3=decimal(scale * float(np.exp(rng.uniform(np.log(500), np.log(20_000))))),
        synthetic=True,
    )


def _stock(rng: np.random.Generator, depot: Depot, categories: dict[str, SupplyCategory]):
    warehouse = depot.kind == "warehouse"
    count = int(rng.integers(5, 9) if warehouse else rng.integers(5, 21))
    today = timezone.localdate()
    for index in sorted(int(i) for i in rng.choice(len(SUPPLY_KINDS), count, replace=False)):
        kind = SUPPLY_KINDS[index]
        quantity = int(rng.integers(kind.quantity[0], kind.quantity[1] + 1))
        low = rng.random() < BELOW_MINIMUM
        minimum = quantity * (rng.uniform(1.1, 2.0) if low else rng.uniform(0.3, 0.8))
        expires = None
        if kind.shelf_life_days:
            soon = rng.random() < EXPIRING_SOON
            days = rng.integers(5, 61) if soon else rng.integers(90, kind.shelf_life_days + 90)
            expires = today + timedelta(days=int(days))
        yield StockItem(
            depot=depot,
            category=categories[kind.category],
            name=kind.name,
            batch_no=f"{today.year - int(rng.integers(0, 4))}-{index + 1:03d}",
            quantity=decimal(quantity),
            unit_of_measure=kind.unit_of_measure,
            expires_on=expires,
            minimum_level=decimal(max(1, round(float(minimum)))),
            dual_use=warehouse or rng.random() < 0.2,
            unit_volume_m3=Decimal(UNIT_VOLUME_M3[kind.category]),
            synthetic=True,
        )


def write_depots(world: World, rng: np.random.Generator) -> int:
    """About ``scale.depots`` depots, one per offices administration drawn, and their stock."""
    admins = [u for u in world.units if u.role == "offices_admin"]
    count = min(world.scale.depots, len(admins))
    picked = sorted(int(i) for i in rng.choice(len(admins), count, replace=False))
    world.depots = Depot.objects.bulk_create(
        _depot(world, rng, admins[i], number + 1) for number, i in enumerate(picked)
    )
    categories = {c.code: c for c in SupplyCategory.objects.all()}
    items = [item for depot in world.depots for item in _stock(rng, depot, categories)]
    StockItem.objects.bulk_create(items)
    movements = StockMovement.objects.bulk_create(_opening_receipts(rng, items))
    return len(world.depots) + len(items) + len(movements)


def _opening_receipts(rng: np.random.Generator, items: list[StockItem]) -> Iterator[StockMovement]:
    """The receipt of each batch, in the year its batch number names, never after today."""
    today = timezone.localdate()
    numbers: dict[int, int] = {}
    for item in items:
        number = numbers[item.depot_id] = numbers.get(item.depot_id, 0) + 1
        received = date(int(item.batch_no[:4]), 1, 1) + timedelta(days=int(rng.integers(0, 365)))
        yield StockMovement(
            stock_item=item,
            depot_id=item.depot_id,
            kind=MovementKind.RECEIPT,
            change=item.quantity,
            balance=item.quantity,
            document_no=f"RK-{item.depot.code}-{number}",
            counterparty="",
            occurred_on=min(received, today),
        )
