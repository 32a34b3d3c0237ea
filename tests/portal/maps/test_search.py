"""/search.json finds records by name, code, credit code, plate or address, only among those the
user may read, ranked with whole codes first, each with a point (and box) to fly to."""

import pytest
from django.urls import reverse

from portal.core.choices import Confidentiality
from portal.maps.search import search
from portal.org.choices import Role
from portal.org.models import AdminDivision
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
    division,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=Role.PROVINCE_ADMIN, clearance=Confidentiality.CONFIDENTIAL)


def found(results, layer):
    return [r["title"] for r in results if r["layer"] == layer]


def test_needs_login(client):
    assert client.get(reverse("maps:search"), {"q": "成都"}).status_code == 403


def test_unit_by_name_credit_code_and_address_with_a_point(client, admin):
    unit = UnitFactory(name="四川省机关事务管理局", address="成都市青羊区商业街")
    client.force_login(admin)
    for text in ("四川省机关", unit.credit_code, unit.credit_code.lower(), "商业街"):
        results = client.get(reverse("maps:search"), {"q": text}).json()["results"]
        assert found(results, "units") == ["四川省机关事务管理局"], text
    hit = next(r for r in results if r["layer"] == "units")
    assert hit["url"] == f"/units/{unit.pk}/"
    assert hit["point"] == [round(unit.location.x, 6), round(unit.location.y, 6)]
    assert hit["bbox"] is None
    assert hit["subtitle"] == unit.credit_code


def test_whole_codes_rank_before_names_and_parcels_have_a_box(admin):
    exact = AssetFactory(ledger_code="ZC-2024-001", name="空调")
    AssetFactory(ledger_code="ZC-2024-0011", name="ZC-2024-001 备用")
    parcel = ParcelFactory(registry_no="ZD-510104-0001")
    results = search("ZC-2024-001", admin)
    assert results[0]["id"] == exact.pk
    assert len(found(results, "assets")) == 2
    (hit,) = search("zd-510104-0001", admin)
    assert hit["url"] == f"/parcels/{parcel.pk}/"
    west, south, east, north = hit["bbox"]
    assert west < hit["point"][0] < east
    assert south < hit["point"][1] < north


def test_divisions_by_name_pinyin_and_initials(admin):
    AdminDivision.objects.filter(pk=division("510100").pk).update(
        name_pinyin="chengdushi", pinyin_initials="cds"
    )
    for text in ("成都", "chengdu", "CDS"):
        assert found(search(text, admin), "divisions") == ["成都市"], text
    (hit,) = [r for r in search("cds", admin) if r["layer"] == "divisions"]
    assert hit["url"] is None
    assert hit["bbox"] is not None


def test_units_seated_in_a_division_by_its_pinyin_initials(admin):
    AdminDivision.objects.filter(pk=division("510104").pk).update(pinyin_initials="jjq")
    UnitFactory(name="锦江区财政局", division_code="510104")
    assert "锦江区财政局" in found(search("jjq", admin), "units")


def test_vehicle_by_plate_at_its_base_building(admin):
    building = BuildingFactory()
    VehicleFactory(plate="川A12345", base_building=building)
    VehicleFactory(plate="川A99999", base_building=None)  # nowhere to fly to
    (hit,) = search("川A12345", admin)
    assert hit["layer"] == "vehicles"
    assert hit["subtitle"] == "轿车"
    assert hit["point"] == [round(building.geom.x, 6), round(building.geom.y, 6)]
    assert search("川A99999", admin) == []


def test_only_records_in_the_users_scope_and_clearance(admin):
    jinjiang = UnitFactory(division_code="510104")
    wuhou = UnitFactory(division_code="510107")
    AssetFactory(holder=jinjiang, name="锦江打印机")
    AssetFactory(holder=wuhou, name="武侯打印机")
    AssetFactory(holder=jinjiang, name="锦江保密机", confidentiality=Confidentiality.SECRET)
    secret = BuildingFactory(managing_unit=jinjiang, confidentiality=Confidentiality.SECRET)
    VehicleFactory(holder=jinjiang, plate="川A00001", base_building=secret)
    officer = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510104"))
    assert found(search("打印机", officer), "assets") == ["锦江打印机"]
    assert found(search("保密机", officer), "assets") == []
    assert search("川A00001", officer) == []  # the vehicle would reveal its secret building
    assert found(search("保密机", admin), "assets") == ["锦江保密机"]


def test_blank_text_finds_nothing_and_long_text_is_cut(admin, django_assert_max_num_queries):
    assert search("   ", admin) == []
    UnitFactory(name="测" * 100)
    with django_assert_max_num_queries(7):  # one query per layer
        assert found(search("测" * 150, admin), "units") == ["测" * 100]
