"""The records GDAL reads in tests/clients: a few units in three counties, each with its own
buildings, parcels, assets, warehouse listings and depots, and the readers of each reach.

* ``home`` and ``neighbour`` are units of 锦江区 (510104): the county administrator reads both,
  the home unit's officer only ``home``;
* ``wuhou`` is a unit of 武侯区 (510107), another county of the same city; ``far`` one of 涪城区
  (510703), another city;
* home keeps a building classified secret, with an asset classified secret in it: only a reader
  cleared for secret (the province administrator here) sees either. Their names and places are
  in :data:`SECRET_MARKS`, to look for in everything GDAL writes for a reader not cleared.

Every record has a place of its own (no two share a coordinate to 1e-4°), so a bounding box
selects by place, and a coordinate in GDAL's output names its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.gis.geos import Point
from rest_framework.authtoken.models import Token

from portal.core.choices import Confidentiality
from portal.features.collections import Collection
from portal.org.choices import Role
from portal.org.models import Unit, User
from portal.org.scoping import unit_path_of
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    CategoryFactory,
    DepotFactory,
    ListingFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    square,
)

# Where each unit sits (longitude, latitude), inside its county's square in tests/factories.py.
PLACES = {
    "home": ("510104", (104.071113, 30.621127)),
    "neighbour": ("510104", (104.091231, 30.639119)),
    "wuhou": ("510107", (104.041317, 30.631219)),
    "far": ("510703", (104.741411, 31.461313)),
}
# Each unit's buildings: (east offset in 1e-3°, main use); the first is the unit's office.
BUILDINGS = {
    "home": ((1, "office"), (3, "service")),
    "neighbour": ((1, "office"),),
    "wuhou": ((1, "office"), (3, "equipment"), (5, "auxiliary")),
    "far": ((1, "office"),),
}
SECRET_PLACE = (104.075519, 30.626417)
# The secret building's and asset's names, and their place to four decimals.
SECRET_MARKS = ("涉密指挥楼", "涉密通信设备", "104.0755", "30.6264")


@dataclass
class World:
    units: dict[str, Unit]
    secret: dict[str, int]  # collection → pk of its record classified secret
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def owned(self, collection: Collection, unit: str) -> set[Any]:
        """The keys of ``collection``'s records ``unit`` owns, read by the owning unit alone
        (not through the scoping helper the tests check against)."""
        model = collection.model
        path = unit_path_of(model) or "pk"
        keys = model._default_manager.filter(**{path: self.units[unit].pk})
        return set(keys.values_list(collection.id_field, flat=True))


def _unit(name: str) -> Unit:
    code, (lon, lat) = PLACES[name]
    return UnitFactory(
        division_code=code, name=f"GDAL测试{name}局", location=Point(lon, lat, srid=4490)
    )


def _records(name: str, unit: Unit) -> None:
    lon, lat = unit.location.x, unit.location.y
    for offset, use in BUILDINGS[name]:
        x = lon + offset / 1000
        BuildingFactory(
            managing_unit=unit,
            name=f"{name}{use}楼",
            use_type=use,
            geom=Point(x, lat, srid=4490),
            footprint=square(x, lat, 0.0003),
        )
    ParcelFactory(holder=unit, geom=square(lon, lat - 0.002, 0.0005))
    AssetFactory(holder=unit, name=f"{name}台式计算机", geom=Point(lon, lat + 0.001, srid=4490))
    DepotFactory(managing_unit=unit, geom=Point(lon - 0.002, lat, srid=4490))


def _listing(unit: Unit, share_prefix: str) -> None:
    """A published listing of an idle asset of ``unit``, shared within ``share_prefix``."""
    lon, lat = unit.location.x, unit.location.y
    ListingFactory(
        asset__holder=unit,
        asset__geom=Point(lon, lat - 0.001, srid=4490),
        geom=Point(lon, lat - 0.001, srid=4490),
        division=unit.division,
        category=CategoryFactory(),
        condition="good",
        original_value=Decimal(6000),
        net_value=Decimal(3000),
        share_prefix=share_prefix,
    )


def _secret(home: Unit) -> dict[str, int]:
    lon, lat = SECRET_PLACE
    building = BuildingFactory(
        managing_unit=home,
        name=SECRET_MARKS[0],
        geom=Point(lon, lat, srid=4490),
        footprint=square(lon, lat, 0.0003),
        confidentiality=Confidentiality.SECRET,
    )
    # An asset takes no level from its building (AssetQuerySet reads its own): it is classified
    # itself, as the ledger records an asset of a classified building.
    asset = AssetFactory(
        holder=home,
        name=SECRET_MARKS[1],
        building=building,
        geom=Point(lon, lat, srid=4490),
        confidentiality=Confidentiality.SECRET,
    )
    return {"buildings": building.pk, "assets": asset.pk}


def _reader(world: World, key: str, role: Role, unit: str, clearance: str) -> None:
    user = UserFactory(
        role=role, unit=world.units[unit], clearance=clearance, username=f"gdal-{key}"
    )
    world.users[key] = user
    world.tokens[key] = Token.objects.create(user=user).key


def build_world() -> World:
    units = {name: _unit(name) for name in PLACES}
    for name, unit in units.items():
        _records(name, unit)
    # Home's listing is offered to all of Sichuan, far's only within its own county.
    _listing(units["home"], "51")
    _listing(units["far"], "510703")
    # A home building whose footprint is not mapped yet: a feature without geometry.
    BuildingFactory(managing_unit=units["home"], name="home未测绘楼", footprint=None)
    world = World(units=units, secret=_secret(units["home"]))
    _reader(world, "province", Role.PROVINCE_ADMIN, "home", Confidentiality.SECRET)
    _reader(world, "county", Role.DIVISION_ADMIN, "home", Confidentiality.INTERNAL)
    _reader(world, "officer", Role.UNIT_OFFICER, "home", Confidentiality.INTERNAL)
    _reader(world, "wuhou", Role.UNIT_OFFICER, "wuhou", Confidentiality.INTERNAL)
    return world
