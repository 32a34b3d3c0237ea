"""Export → import changes nothing: every record type, every format, in CGCS2000 and in a
Gauss-Krüger zone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.buildings.models import Occupancy
from portal.depots.models import StockItem, SupplyCategory
from portal.exchange import services
from portal.exchange.entities import ENTITIES
from portal.exchange.export import export_queryset
from portal.org.choices import Role
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    DepotFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
    square,
)

pytestmark = pytest.mark.django_db(databases="__all__")

FORMATS = ["gpkg", "shp", "geojson", "xlsx", "csv"]


@pytest.fixture
def registry(db):
    parent = UnitFactory(name="上级单位", staff_by_rank={"division_chief": 2})
    unit = UnitFactory(
        parent=parent, short_name="=SUM(A1)", address="锦江区红星路", offices_administration=True
    )
    building = BuildingFactory(
        managing_unit=unit, footprint=square(104.08, 30.63, 0.0002), year_built=1998
    )
    Occupancy.objects.create(
        unit=parent, building=building, usable_area_m2=Decimal("321.50"), since=dt.date(2020, 1, 2)
    )
    ParcelFactory(holder=unit, real_estate_unit_code=None, certificate_area_m2=Decimal("1000.25"))
    AssetFactory(holder=unit, building=building, acquired_on=dt.date(2021, 3, 1))
    AssetFactory(holder=unit, geom=None, model_spec="+86 型")
    depot = DepotFactory(managing_unit=unit)
    category = SupplyCategory.objects.create(code="0101", name="帐篷")
    StockItem.objects.create(
        depot=depot, category=category, name="救灾帐篷", quantity=120, unit_of_measure="顶",
        expires_on=dt.date(2030, 5, 1), dual_use=True,
    )  # fmt: skip
    VehicleFactory(holder=unit, base_building=building)
    VehicleFactory(holder=unit, base_depot=depot)
    return UserFactory(role=Role.PROVINCE_ADMIN)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_export_then_import_changes_nothing(tmp_path, registry, name, fmt):
    entity = ENTITIES[name]
    result = export_queryset(entity, registry, {}, fmt, out=tmp_path)
    assert result.rows > 0
    report = services.import_file(name, result.path, by=registry, name=result.filename)
    counts = report.counts
    assert report.file_ok, report.file_problems
    assert (counts.unchanged, counts.create, counts.update, counts.reject) == (
        result.rows, 0, 0, 0
    ), report.problems  # fmt: skip


@pytest.mark.parametrize("name", ["buildings", "parcels", "assets"])
def test_round_trip_through_a_gauss_kruger_zone(tmp_path, registry, name):
    entity = ENTITIES[name]
    result = export_queryset(entity, registry, {}, "gpkg", crs="EPSG:4544", out=tmp_path)
    report = services.import_file(name, result.path, by=registry, name=result.filename)
    assert report.counts.unchanged == result.rows, report.problems


def test_a_link_the_user_cannot_see_survives_their_round_trip(tmp_path, registry):
    asset = AssetFactory(ledger_code="ZC-SECRET-BLDG")
    building = BuildingFactory(managing_unit=asset.holder, confidentiality="secret")
    asset.building = building
    asset.save()
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=asset.holder, clearance="internal")
    result = export_queryset(ENTITIES["assets"], officer, {}, "xlsx", out=tmp_path)
    job = services.import_path("assets", result.path, by=officer)
    assert job.report["counts"]["unchanged"] == result.rows
    asset.refresh_from_db()
    assert asset.building_id == building.pk
