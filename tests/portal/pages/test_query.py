"""The draw tool's queries: counts and sums for a polygon and a geodesic circle, scoping,
clearance, and 400s that name the bad parameter."""

import json
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from portal.buildings.models import Building
from portal.core.choices import Confidentiality
from portal.org.choices import Role
from portal.parcels.models import Parcel
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    DepotFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

LON, LAT = 104.08, 30.63
# 0.001° of longitude at 30.63°N is 95.8 m on the CGCS2000 ellipsoid.
EAST_96M = LON + 0.001
EAST_960M = LON + 0.01
WEST, EAST, SOUTH, NORTH = 104.0795, 104.0815, 30.6295, 30.6305
BOX = {
    "type": "Polygon",
    "coordinates": [
        [[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]],
    ],
}


def at(lon, lat=LAT):
    return Point(lon, lat, srid=4490)


@pytest.fixture
def assets(officer, jinjiang):
    """In the box: 3,000 in use and 5,000 idle. Outside: 7,000. Plus records the officer must
    never count: another unit's asset and a secret one, both inside the box."""
    unit = jinjiang.unit
    jinjiang.records["asset"].delete()
    return {
        "here": AssetFactory(holder=unit, geom=at(LON), net_value=Decimal("3000")),
        "east": AssetFactory(
            holder=unit, geom=at(EAST_96M), net_value=Decimal("5000"), status="idle"
        ),
        "far": AssetFactory(holder=unit, geom=at(EAST_960M), net_value=Decimal("6000")),
        "other": AssetFactory(holder__division_code="510703", geom=at(LON + 0.0002)),
        "secret": AssetFactory(
            holder=unit, geom=at(LON + 0.0003), confidentiality=Confidentiality.SECRET
        ),
    }


def query(client, user, fmt="json", **params):
    client.force_login(user)
    return client.get(reverse(f"maps:query_{fmt}"), params)


def test_polygon_counts_and_sums_what_the_officer_may_see(client, officer, assets):
    body = query(client, officer, layer="assets", intersects=json.dumps(BOX)).json()
    assert body["count"] == 2
    assert body["sums"] == [{"name": "net_value", "label": "净值（元）", "value": 8000.0}]
    groups = {g["value"]: (g["label"], g["count"]) for g in body["by_style"]["groups"]}
    assert groups == {"in_use": ("在用", 1), "idle": ("闲置", 1)}
    assert {row["id"] for row in body["rows"]} == {assets["here"].pk, assets["east"].pk}
    row = next(row for row in body["rows"] if row["id"] == assets["east"].pk)
    assert row["url"] == f"/assets/{assets['east'].pk}/"
    assert row["status"] == "闲置"
    assert row["point"] == [EAST_96M, LAT]
    assert [c["name"] for c in body["columns"]] == ["name", "ledger_code", "status", "net_value"]
    assert body["truncated"] is False


@pytest.mark.parametrize(("metres", "expected"), [(90, 3000.0), (100, 8000.0), (2000, 14000.0)])
def test_circle_radius_is_geodesic_metres(client, officer, assets, metres, expected):
    body = query(client, officer, layer="assets", near=f"{LON},{LAT},{metres}").json()
    assert body["sums"][0]["value"] == expected


def test_filters_narrow_the_drawn_area(client, officer, assets):
    body = query(client, officer, layer="assets", near=f"{LON},{LAT},2000", status="idle").json()
    assert body["count"] == 1


def test_another_county_sees_only_its_own(client, fucheng_admin, assets):
    body = query(client, fucheng_admin, layer="assets", intersects=json.dumps(BOX)).json()
    assert [row["id"] for row in body["rows"]] == [assets["other"].pk]


def test_clearance_admits_the_secret_asset(client, officer, assets):
    officer.clearance = Confidentiality.SECRET
    officer.save()
    body = query(client, officer, layer="assets", intersects=json.dumps(BOX)).json()
    assert body["count"] == 3


def test_sums_of_buildings_parcels_and_depots(client, province_admin, jinjiang):
    unit = jinjiang.unit
    BuildingFactory(managing_unit=unit, usable_area_m2=Decimal("800.50"))
    ParcelFactory(holder=unit)
    DepotFactory(managing_unit=unit, capacity_m3=Decimal("1500"))
    near = f"{LON},{LAT},500"
    sums = {
        layer: query(client, province_admin, layer=layer, near=near).json()["sums"][0]["value"]
        for layer in ("buildings", "parcels", "depots")
    }
    assert sums["buildings"] == 1200.0 + 800.5
    parcels = Parcel.objects.filter(holder=unit)
    assert sums["parcels"] == pytest.approx(sum(p.area_m2 for p in parcels))
    assert 2 * 2_500 < sums["parcels"] < 2 * 12_000, "two squares of 0.001° ≈ 96 m × 111 m"
    assert sums["depots"] == 5000.0 + 1500.0


def test_vehicles_are_placed_at_their_base_unless_it_is_secret(client, officer, jinjiang):
    unit = jinjiang.unit
    hidden = BuildingFactory(
        managing_unit=unit, geom=at(LON + 0.0004), confidentiality=Confidentiality.SECRET
    )
    VehicleFactory(holder=unit, base_building=hidden)
    body = query(client, officer, layer="vehicles", near=f"{LON},{LAT},300").json()
    assert [row["id"] for row in body["rows"]] == [jinjiang.records["vehicle"].pk]
    assert body["rows"][0]["point"] == [LON, LAT]
    assert Building.objects.filter(pk=hidden.pk).exists()


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({}, "layer"),
        ({"layer": "spaceships"}, "layer"),
        ({"layer": "assets", "near": "104,30"}, "near"),
        ({"layer": "assets", "near": "104,30,900000"}, "near"),
        ({"layer": "assets", "intersects": "{not json"}, "intersects"),
        ({"layer": "assets", "intersects": '{"type": "Point"}'}, "intersects"),
        ({"layer": "assets", "bbox": "200,0,201,1"}, "bbox"),
        ({"layer": "assets", "status": "stolen"}, "status"),
        ({"layer": "assets", "min_value": "lots"}, "min_value"),
        ({"layer": "vehicles", "near": "x,y,z"}, "near"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_bad_parameters_are_400_naming_the_parameter(client, officer, params, name, fmt):
    response = query(client, officer, fmt, **params)
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [name]
    assert body["detail"].startswith(f"{name}:")


def test_queries_need_login(client):
    assert client.get(reverse("maps:query_json"), {"layer": "assets"}).status_code == 403


def test_rows_are_capped_but_counted(client, officer, assets, monkeypatch):
    monkeypatch.setattr("portal.maps.exports.ROW_LIMIT", 1)
    body = query(client, officer, layer="assets", near=f"{LON},{LAT},2000").json()
    assert (body["count"], len(body["rows"]), body["truncated"]) == (3, 1, True)


def test_query_count_does_not_grow_with_rows(
    client, province_admin, jinjiang, django_assert_max_num_queries
):
    for _ in range(20):
        AssetFactory(holder=UnitFactory(division_code="510104"), geom=at(LON))
    client.force_login(province_admin)
    # Session and user, then count with sums, rows, counts by status, then the session save (3).
    with django_assert_max_num_queries(8):
        body = client.get(
            reverse("maps:query_json"), {"layer": "assets", "near": f"{LON},{LAT},50"}
        )
    assert body.json()["count"] == 21


def test_a_viewer_of_another_role_sees_nothing(client, jinjiang, assets):
    nobody = UserFactory(role=Role.SECURITY_ADMIN, unit=jinjiang.unit)
    body = query(client, nobody, layer="assets", near=f"{LON},{LAT},2000").json()
    assert body["count"] == 0
