"""A small registry in 锦江区 (in scope) and 涪城区 (out of scope) for the page tests.

锦江's unit manages a building standing on its parcel, with an occupant, an asset inside, a
depot with stock and a vehicle based at the building; a secret building and a secret asset sit
beside them. 涪城's unit has one record of each kind, which 锦江 users must never reach.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.buildings.models import Occupancy
from portal.core.choices import Confidentiality
from portal.depots.models import StockItem, SupplyCategory
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    DepotFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
    division,
    square,
)


@dataclass
class County:
    unit: Unit
    records: dict  # "building", "parcel", "asset", "depot", "vehicle"


def county_records(unit: Unit) -> dict:
    lon, lat = unit.location.x, unit.location.y
    building = BuildingFactory(managing_unit=unit, footprint=square(lon, lat, 0.0002))
    Occupancy.objects.create(
        unit=unit, building=building, usable_area_m2=Decimal("320.00"), staff_by_rank={"staff": 8}
    )
    records = {
        "unit": unit,
        "building": building,
        "parcel": ParcelFactory(holder=unit),
        "asset": AssetFactory(holder=unit, building=building),
        "depot": DepotFactory(managing_unit=unit),
        "vehicle": VehicleFactory(holder=unit, base_building=building),
    }
    return records


def stock(depot) -> None:
    category = SupplyCategory.objects.get(code="1010100")
    today = timezone.localdate()
    StockItem.objects.create(
        depot=depot,
        category=category,
        name="单帐篷",
        batch_no="B-expired",
        quantity=Decimal("10"),
        unit_of_measure="顶",
        expires_on=today - timedelta(days=3),
        minimum_level=Decimal("50"),
    )
    StockItem.objects.create(
        depot=depot,
        category=category,
        name="棉帐篷",
        batch_no="B-fine",
        quantity=Decimal("500"),
        unit_of_measure="顶",
        expires_on=today + timedelta(days=400),
        minimum_level=Decimal("50"),
    )


@pytest.fixture
def jinjiang() -> County:
    unit = UnitFactory(division_code="510104", synthetic=True)
    records = county_records(unit)
    stock(records["depot"])
    return County(unit, records)


@pytest.fixture
def fucheng() -> County:
    unit = UnitFactory(division_code="510703")
    return County(unit, county_records(unit))


@pytest.fixture
def secret(jinjiang):
    """A secret building of 锦江's unit, with a secret asset in it."""
    unit = jinjiang.unit
    lon, lat = unit.location.x + 0.001, unit.location.y
    building = BuildingFactory(
        managing_unit=unit,
        name="涉密楼",
        footprint=square(lon, lat, 0.0001),
        confidentiality=Confidentiality.SECRET,
    )
    asset = AssetFactory(
        holder=unit, name="涉密设备", building=building, confidentiality=Confidentiality.SECRET
    )
    return {"building": building, "asset": asset}


@pytest.fixture
def officer(jinjiang) -> User:
    """锦江's unit asset officer: reads and edits the unit's records, cleared to internal."""
    return UserFactory(role=Role.UNIT_OFFICER, unit=jinjiang.unit)


@pytest.fixture
def fucheng_admin(fucheng) -> User:
    """涪城's county administrator: everything in 涪城, nothing in 锦江."""
    return UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510703"))


@pytest.fixture
def province_admin(jinjiang) -> User:
    division("510000")
    return UserFactory(role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510100"))
