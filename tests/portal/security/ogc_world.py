"""The records of the OGC API – Features scoping matrix (tests/portal/security/test_ogc_matrix.py).

Every account belongs to ``home``, a unit of 锦江区 (Chengdu). Each collection holds a record of
some of these kinds:

* ``own``: home's record (a unit collection: home itself);
* ``other``: a record of ``far``, a unit of 涪城区 (Mianyang), another city;
* ``neighbour``: a record of ``wuhou``, a unit of 武侯区 (another county of Chengdu);
* ``shared``: a live warehouse listing of wuhou's asset, shared within Chengdu (prefix 5101);
* ``secret``: home's record classified secret (buildings and assets carry a level; a listing
  takes its asset's), standing far to the west.

The places and the days are laid out so that an extent tells the kinds apart: along the
longitude and along time, ``other`` and ``neighbour`` lie on one side of ``own`` and ``shared``,
``secret`` on the other, so whatever set of kinds a user may read, the bounding box and the
interval of that set leave out every kind he may not (checked by the matrix's first test).
Home's secret asset stands in the secret building and its own asset in its own building: the
secret building's id must appear nowhere (an asset in it is hidden like it, and a related key
of a record classified above the reader's clearance is answered as null).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.authtoken.models import Token

from portal.assets.models import Asset
from portal.buildings.models import Building
from portal.core.choices import Confidentiality
from portal.depots.models import Depot
from portal.org.choices import Role
from portal.org.models import Unit, User
from portal.parcels.models import Parcel
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

CLEARANCES = (Confidentiality.INTERNAL, Confidentiality.SECRET)
# No other record, unit or boundary shares the first four decimals of these coordinates, and
# their fifth and sixth are near the middle: a footprint or parcel drawn HALF around one keeps
# every corner's first four decimals, so its coordinates, written to four decimals or more,
# begin with its marks.
PLACES = {
    "own": (104.073152, 30.621653),
    "other": (104.744153, 31.465254),
    "neighbour": (104.811152, 30.912353),
    "shared": (104.042152, 30.633853),
    "secret": (102.231153, 29.851254),
}
HALF = 0.00002
# Each kind's day: its temporal property (last change, acquisition, publication).
DAYS = {
    "other": dt.date(2011, 3, 14),
    "neighbour": dt.date(2012, 4, 15),
    "own": dt.date(2016, 5, 16),
    "shared": dt.date(2017, 6, 17),
    "secret": dt.date(2023, 7, 18),
}
# The kinds of each scoped collection (divisions are reference data every account reads).
KINDS = {
    "units": ("own", "other", "neighbour"),
    "buildings": ("own", "other", "secret"),
    "parcels": ("own", "other"),
    "assets": ("own", "other", "neighbour", "secret"),
    "warehouse": ("own", "other", "shared", "secret"),
    "depots": ("own", "other"),
}


@dataclass(frozen=True)
class Record:
    collection: str
    kind: str
    pk: int
    owner: str  # the owning unit's credit code (the ``unit`` attribute filter)
    text: str  # what the ``q`` attribute filter finds it by
    marks: tuple[str, ...]  # what must not appear where the record is hidden
    # Other collections whose answers must not hold its marks either.
    related: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.collection}/{self.kind}"

    @property
    def lonlat(self) -> tuple[float, float]:
        return PLACES[self.kind]

    @property
    def day(self) -> dt.date:
        return DAYS[self.kind]


@dataclass
class OGCWorld:
    records: dict[str, Record] = field(default_factory=dict)
    users: dict[tuple[Role, str], User] = field(default_factory=dict)
    tokens: dict[tuple[Role, str], str] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        self.records[record.key] = record

    def of(self, collection: str) -> list[Record]:
        return [r for r in self.records.values() if r.collection == collection]


def point(kind: str) -> Point:
    return Point(*PLACES[kind], srid=4490)


def coordinates(kind: str) -> tuple[str, str]:
    lon, lat = PLACES[kind]
    return f"{lon:.4f}", f"{lat:.4f}"


def noon(kind: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAYS[kind], dt.time(12)))


def _unit(kind: str, code: str) -> Unit:
    return UnitFactory(
        division_code=code,
        name=f"OGC矩阵{kind}单位",
        address=f"OGC矩阵{kind}单位路1号",
        location=point(kind),
    )


def _record(world: OGCWorld, collection: str, kind: str, obj: Any, unit: Unit, *marks: str):
    world.add(
        Record(collection, kind, obj.pk, unit.credit_code, marks[0], (*marks, *coordinates(kind)))
    )


def _buildings(world: OGCWorld, units: dict[str, Unit]) -> dict[str, Building]:
    found = {}
    for kind in KINDS["buildings"]:
        unit = units["own" if kind == "secret" else kind]
        level = Confidentiality.SECRET if kind == "secret" else Confidentiality.INTERNAL
        name, address = f"OGC矩阵{kind}楼", f"OGC矩阵{kind}路9号"
        found[kind] = BuildingFactory(
            managing_unit=unit,
            name=name,
            address=address,
            geom=point(kind),
            footprint=square(*PLACES[kind], HALF),
            confidentiality=level,
        )
        _record(world, "buildings", kind, found[kind], unit, name, address)
    return found


def _assets(
    world: OGCWorld, units: dict[str, Unit], buildings: dict[str, Building]
) -> dict[str, Asset]:
    found = {}
    for kind in KINDS["assets"]:
        unit = units["own" if kind == "secret" else kind]
        level = Confidentiality.SECRET if kind == "secret" else Confidentiality.INTERNAL
        name, code = f"OGC矩阵{kind}资产", f"OGCZC-{kind}"
        found[kind] = AssetFactory(
            holder=unit,
            name=name,
            ledger_code=code,
            geom=point(kind),
            acquired_on=DAYS[kind],
            confidentiality=level,
            status="idle",
            building=buildings.get(kind) if kind in ("own", "secret") else None,
        )
        _record(world, "assets", kind, found[kind], unit, name, code)
    return found


def _listings(world: OGCWorld, units: dict[str, Unit], assets: dict[str, Asset]) -> None:
    """Home's own and secret assets, far's and wuhou's, each offered from its kind's place;
    far shares only within Mianyang, the others within Chengdu."""
    category = CategoryFactory()
    for kind, asset_kind in (
        ("own", "own"),
        ("other", "other"),
        ("shared", "neighbour"),
        ("secret", "secret"),
    ):
        asset = assets[asset_kind]
        listing = ListingFactory(
            asset=asset,
            geom=point(kind),
            division=asset.holder.division,
            category=category,
            condition="good",
            original_value=Decimal(6000),
            net_value=Decimal(3000),
            status="published",
            share_prefix="5107" if kind == "other" else "5101",
            published_at=noon(kind),
        )
        marks = (asset.name, asset.ledger_code)
        _record(world, "warehouse", kind, listing, asset.holder, *marks)


def _plain(world: OGCWorld, units: dict[str, Unit]) -> None:
    """Parcels and depots: no confidentiality level."""
    for kind in KINDS["parcels"]:
        registry_no, certificate = f"OGC-ZD-{kind}", f"OGC矩阵证{kind}"
        parcel = ParcelFactory(
            holder=units[kind],
            registry_no=registry_no,
            certificate_no=certificate,
            geom=square(*PLACES[kind], HALF),
        )
        _record(world, "parcels", kind, parcel, units[kind], registry_no, certificate)
    for kind in KINDS["depots"]:
        code, name, address = f"OGCCK-{kind}", f"OGC矩阵{kind}储备库", f"OGC矩阵{kind}库路3号"
        depot = DepotFactory(
            managing_unit=units[kind], code=code, name=name, address=address, geom=point(kind)
        )
        _record(world, "depots", kind, depot, units[kind], code, name, address)


def _date_records(world: OGCWorld) -> None:
    """Each record last changed at noon of its kind's day (saving stamped it now)."""
    models = {"units": Unit, "buildings": Building, "parcels": Parcel, "depots": Depot}
    for collection, model in models.items():
        for record in world.of(collection):
            model.objects.filter(pk=record.pk).update(updated_at=noon(record.kind))


def build_world() -> OGCWorld:
    world = OGCWorld()
    units = {
        "own": _unit("own", "510104"),
        "other": _unit("other", "510703"),
        "neighbour": _unit("neighbour", "510107"),
    }
    for kind, unit in units.items():
        marks = (unit.name, unit.address, unit.credit_code)
        _record(world, "units", kind, unit, unit, *marks)
    buildings = _buildings(world, units)
    # The secret asset names the secret building it stands in: that id is one of its marks too.
    world.add(_with_related(world.records["buildings/secret"]))
    assets = _assets(world, units, buildings)
    _listings(world, units, assets)
    _plain(world, units)
    _date_records(world)
    for role in Role:
        for clearance in CLEARANCES:
            user = UserFactory(
                role=role,
                unit=units["own"],
                clearance=clearance,
                username=f"ogc-{role}-{clearance}",
            )
            world.users[role, clearance] = user
            world.tokens[role, clearance] = Token.objects.create(user=user).key
    return world


def _with_related(secret: Record) -> Record:
    """The secret building, whose id must not appear in the assets' ``building`` property."""
    return Record(
        secret.collection,
        secret.kind,
        secret.pk,
        secret.owner,
        secret.text,
        (*secret.marks, f'"building": {secret.pk}'),
        related=("assets",),
    )
