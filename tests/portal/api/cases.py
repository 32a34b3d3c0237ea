"""What the generic API suite needs per registry model: how to make a record owned by a unit,
a body that creates one, and a change.

Like NetBox's generic view tests, each model only feeds data; the tests are written once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.assets.models import Asset
from portal.buildings.models import Building, Occupancy
from portal.depots.models import Depot, StockItem
from portal.fleet.models import Vehicle
from portal.org.models import Unit
from portal.parcels.models import Parcel
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    CategoryFactory,
    DepotFactory,
    ParcelFactory,
    StockItemFactory,
    SupplyCategoryFactory,
    UnitFactory,
    VehicleFactory,
    credit_code,
)
from tests.portal.api.conftest import OccupancyFactory


def point(unit: Unit, dx: float = 0.0) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [unit.location.x + dx, unit.location.y]}


def polygon(unit: Unit, half: float = 0.0005) -> dict[str, Any]:
    x, y = unit.location.x, unit.location.y
    ring = [[x - half, y - half], [x + half, y - half], [x + half, y + half], [x - half, y - half]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


@dataclass(frozen=True)
class Case:
    basename: str
    model: type
    make: Callable[[Unit], Any]
    body: Callable[[Unit], dict[str, Any]]
    change: dict[str, Any]
    geo: bool = True
    # A body whose owning unit is ``other`` while any other reference stays in ``own`` scope.
    foreign: Callable[[Unit, Unit], dict[str, Any]] | None = None
    # How the 403 for such a body begins (a stock batch is refused by the stock service).
    refusal: str = "You may not change records of this unit."

    def foreign_body(self, own: Unit, other: Unit) -> dict[str, Any]:
        return self.foreign(own, other) if self.foreign else self.body(other)

    def __str__(self) -> str:
        return self.basename


CASES = [
    Case(
        "unit",
        Unit,
        make=lambda unit: UnitFactory(division_code=unit.division.code, parent=unit),
        body=lambda unit: feature(
            point(unit),
            credit_code=credit_code(unit.division.code),
            name="新设单位",
            kind="government_organ",
            level="county",
            division=unit.division.code,
        ),
        change={"short_name": "新简称"},
    ),
    Case(
        "building",
        Building,
        make=lambda unit: BuildingFactory(managing_unit=unit),
        body=lambda unit: feature(
            point(unit),
            name="新办公楼",
            division=unit.division.code,
            managing_unit=unit.credit_code,
            footprint=polygon(unit),
        ),
        change={"floors_above": 9},
    ),
    Case(
        "occupancy",
        Occupancy,
        make=lambda unit: OccupancyFactory(unit=unit),
        body=lambda unit: {
            "unit": unit.credit_code,
            "building": BuildingFactory(managing_unit=unit).pk,
            "usable_area_m2": "300.00",
        },
        change={"usable_area_m2": "280.50"},
        geo=False,
        foreign=lambda own, other: {
            "unit": other.credit_code,
            "building": BuildingFactory(managing_unit=own).pk,
            "usable_area_m2": "300.00",
        },
    ),
    Case(
        "parcel",
        Parcel,
        make=lambda unit: ParcelFactory(holder=unit),
        body=lambda unit: feature(
            polygon(unit),
            registry_no="ZD-API-0001",
            holder=unit.credit_code,
            division=unit.division.code,
            right_type="allocated",
            land_use="organ",
        ),
        change={"title_status": "in_progress"},
    ),
    Case(
        "asset",
        Asset,
        make=lambda unit: AssetFactory(holder=unit),
        body=lambda unit: feature(
            point(unit),
            ledger_code="ZC-API-0001",
            name="笔记本电脑",
            category=CategoryFactory().code,
            holder=unit.credit_code,
            original_value="8000.00",
            net_value="5000.00",
        ),
        change={"status": "idle"},
    ),
    Case(
        "depot",
        Depot,
        make=lambda unit: DepotFactory(managing_unit=unit),
        body=lambda unit: feature(
            point(unit),
            code="CK-API-01",
            name="应急物资储备库",
            kind="emergency",
            managing_unit=unit.credit_code,
            division=unit.division.code,
            capacity_m3="1200",
        ),
        change={"capacity_m3": "6000.00"},
    ),
    Case(
        "stockitem",
        StockItem,
        make=lambda unit: StockItemFactory(depot=DepotFactory(managing_unit=unit)),
        body=lambda unit: {
            "depot": DepotFactory(managing_unit=unit).code,
            "category": SupplyCategoryFactory().code,
            "name": "折叠床",
            "quantity": "40",
            "unit_of_measure": "张",
            "document_no": "RK-API-0001",  # a POST is the batch's receipt
        },
        # The quantity changes only by stock movements (see tests/portal/depots/test_stock_api.py).
        change={"minimum_level": "55.00"},
        geo=False,
        refusal="You may not record stock movements of",
    ),
    Case(
        "vehicle",
        Vehicle,
        make=lambda unit: VehicleFactory(holder=unit),
        body=lambda unit: {
            "plate": "川A8K888",
            "vehicle_type": "sedan",
            "seats": 5,
            "energy": "fuel",
            "holder": unit.credit_code,
        },
        change={"odometer_km": 12000},
        geo=False,
    ),
]


def list_url(case: Case) -> str:
    return f"/api/{PREFIXES[case.basename]}/"


def detail_url(case: Case, record: Any) -> str:
    return f"{list_url(case)}{record.pk}/"


PREFIXES = {
    "unit": "units",
    "building": "buildings",
    "occupancy": "occupancies",
    "parcel": "parcels",
    "asset": "assets",
    "depot": "depots",
    "stockitem": "stock-items",
    "vehicle": "vehicles",
}


def ids(response) -> set[int]:
    """The record ids of a list response, GeoJSON or plain."""
    body = response.json()
    rows = body["features"] if "features" in body else body["results"]
    return {row["id"] for row in rows}


def patch_body(case: Case) -> dict[str, Any]:
    return {"properties": case.change} if case.geo else case.change
