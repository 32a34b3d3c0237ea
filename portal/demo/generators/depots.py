"""Emergency depots and public asset warehouses run by the offices administrations, with stock."""

from datetime import timedelta

import numpy as np
from django.contrib.gis.geos import Point
from django.utils import timezone

from gis.crs import from_gk
from portal.demo.data.items import SUPPLY_KINDS
from portal.demo.generators.buildings import decimal
from portal.demo.generators.layout import jittered
from portal.demo.generators.world import DemoUnit, World
from portal.depots.models import Depot, StockItem, SupplyCategory

KINDS = (
    ("emergency", 0.55, "YJ", "应急物资储备库"),
    ("warehouse", 0.25, "GW", "公物仓"),
    ("both", 0.20, "YG", "应急物资储备库（公物仓）"),
)
RADIUS_M = 5_000.0
EXPIRING_SOON = 0.15
BELOW_MINIMUM = 0.12


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
    return len(world.depots) + len(items)
