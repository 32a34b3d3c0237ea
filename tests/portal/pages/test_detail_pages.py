"""Detail pages: in scope they show the record, its related records, map data and history;
outside the user's scope or above their clearance they do not exist (404)."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.buildings.models import Occupancy
from portal.depots.models import StockItem, SupplyCategory
from portal.org.choices import Role
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    CategoryFactory,
    DepotFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
    square,
)

pytestmark = pytest.mark.django_db

URLS = {
    "unit": "org:unit_detail",
    "building": "buildings:building_detail",
    "parcel": "parcels:parcel_detail",
    "asset": "assets:asset_detail",
    "depot": "depots:depot_detail",
    "vehicle": "fleet:vehicle_detail",
}
KINDS = list(URLS)


def url(kind, record):
    return reverse(URLS[kind], args=[record.pk])


def page(client, user, path):
    client.force_login(user)
    return client.get(path)


def map_data(response):
    return response.context["map_data"]


def related(response, name):
    return next(r for r in response.context["related_lists"] if r.spec.name == name)


@pytest.mark.parametrize("kind", KINDS)
def test_page_renders_for_an_officer_in_scope(client, officer, jinjiang, kind):
    record = jinjiang.records[kind]
    response = page(client, officer, url(kind, record))
    assert response.status_code == 200
    body = response.content.decode()
    assert str(record) in body
    assert 'id="minimap-data"' in body
    assert map_data(response)["primary"]["geometry"]["type"]
    assert response.context["history"], "the insert event is part of the history"
    assert record.get_absolute_url() == url(kind, record)


@pytest.mark.parametrize("kind", KINDS)
def test_page_is_404_for_another_countys_officer(client, fucheng_admin, jinjiang, kind):
    response = page(client, fucheng_admin, url(kind, jinjiang.records[kind]))
    assert response.status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_the_other_county_sees_its_own(client, fucheng_admin, fucheng, kind):
    assert page(client, fucheng_admin, url(kind, fucheng.records[kind])).status_code == 200


@pytest.mark.parametrize("kind", ["building", "asset"])
def test_secret_record_is_404_without_clearance(client, officer, secret, kind):
    assert page(client, officer, url(kind, secret[kind])).status_code == 404
    officer.clearance = "secret"
    officer.save()
    assert page(client, officer, url(kind, secret[kind])).status_code == 200


def test_pages_need_login(client, jinjiang):
    response = client.get(url("building", jinjiang.records["building"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_building_shows_occupants_parcels_and_assets(client, officer, jinjiang):
    records = jinjiang.records
    response = page(client, officer, url("building", records["building"]))
    assert [o.unit for o in related(response, "occupants").items] == [jinjiang.unit]
    assert related(response, "parcels").items == [records["parcel"]]
    assert related(response, "assets").items == [records["asset"]]
    body = response.content.decode()
    assert records["parcel"].registry_no in body
    assert records["asset"].ledger_code in body
    assert "320.00" in body  # the occupancy's allocated area
    # The parcel under it is drawn on the mini-map beside the building itself.
    assert [f["properties"]["url"] for f in map_data(response)["context"]] == [
        url("parcel", records["parcel"])
    ]


def test_parcel_marks_buildings_inside_and_overlapping(client, officer, jinjiang):
    unit, parcel = jinjiang.unit, jinjiang.records["parcel"]
    lon, lat = unit.location.x, unit.location.y
    edge = lon + 0.0005  # the parcel's east edge: this building straddles it
    jinjiang.records["building"].__class__.objects.create(
        name="跨界楼",
        managing_unit=unit,
        division=unit.division,
        geom=unit.location,
        footprint=square(edge, lat, 0.0001),
    )
    response = page(client, officer, url("parcel", parcel))
    rows = {b.name: b.inside for b in related(response, "buildings").items}
    assert rows == {jinjiang.records["building"].name: True, "跨界楼": False}


def test_unit_lists_and_counts_its_records(client, officer, jinjiang, secret):
    records = jinjiang.records
    response = page(client, officer, url("unit", jinjiang.unit))
    assert related(response, "buildings").count == 1, "the secret building is not counted"
    assert related(response, "assets").items == [records["asset"]]
    assert related(response, "parcels").items == [records["parcel"]]
    assert related(response, "depots").items == [records["depot"]]
    assert related(response, "vehicles").items == [records["vehicle"]]
    body = response.content.decode()
    assert "涉密" not in body
    assert "badge-demo" in body, "the unit is synthetic demo data"


def test_depot_flags_expired_and_low_stock(client, officer, jinjiang):
    response = page(client, officer, url("depot", jinjiang.records["depot"]))
    stock = {item.batch_no: item for item in related(response, "stock").items}
    assert (stock["B-expired"].expired, stock["B-expired"].below_minimum) == (True, True)
    assert (stock["B-fine"].expired, stock["B-fine"].below_minimum) == (False, False)
    assert "badge-flag" in response.content.decode()


def test_division_counts_only_what_the_user_may_see(client, officer, province_admin, jinjiang):
    fucheng_unit = AssetFactory(holder__division_code="510104").holder
    path = reverse("org:division_detail", args=["510104"])
    everything = page(client, province_admin, path)
    assert everything.status_code == 200
    assert related(everything, "assets").count == 2
    assert set(related(everything, "units").items) == {jinjiang.unit, fucheng_unit}
    own = page(client, officer, path)
    assert related(own, "assets").count == 1
    assert related(own, "units").items == [jinjiang.unit]
    city = page(client, officer, reverse("org:division_detail", args=["510100"]))
    assert [d.code for d in related(city, "children").items] == ["510104"]


def test_unknown_division_is_404(client, officer):
    assert page(client, officer, reverse("org:division_detail", args=["519999"])).status_code == 404


def test_asset_in_a_secret_building_is_hidden_like_the_building(client, officer, secret, jinjiang):
    """Its place (stored, or drawn from the building) would reveal the secret building."""
    asset = AssetFactory(holder=jinjiang.unit, building=secret["building"], geom=None)
    response = page(client, officer, url("asset", asset))
    assert response.status_code == 404
    assert "涉密楼" not in response.content.decode()


def test_history_draws_the_geometry_change(client, officer, jinjiang):
    building = jinjiang.records["building"]
    lon, lat = building.geom.x, building.geom.y
    building.footprint = square(lon, lat, 0.0003)
    building.save()
    response = page(client, officer, url("building", building))
    update = response.context["history"][0]
    assert update.action == "update"
    key = f"{update.event_id}-footprint"
    body = response.content.decode()
    diffs = json.loads(re.search(r'id="history-diffs"[^>]*>(.*?)</script>', body).group(1))
    before, after = diffs[key]["before"], diffs[key]["after"]
    assert before["type"] == after["type"] == "MultiPolygon"
    assert before["coordinates"] != after["coordinates"]
    assert f'data-diff="{key}"' in body


def test_admin_link_only_for_editors(client, officer, jinjiang):
    building = jinjiang.records["building"]
    change = reverse("admin:buildings_building_change", args=[building.pk])
    assert change in page(client, officer, url("building", building)).content.decode()
    viewer = UserFactory(role=Role.VIEWER, unit=jinjiang.unit)
    assert change not in page(client, viewer, url("building", building)).content.decode()


def queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def grow(county):
    """Three more of every related record, each with its own unit, building and category."""
    unit, records = county.unit, county.records
    for n in range(3):
        other = UnitFactory(division_code="510104")
        lon, lat = unit.location.x, unit.location.y
        building = BuildingFactory(managing_unit=unit, footprint=square(lon, lat, 0.0001))
        Occupancy.objects.create(unit=other, building=records["building"], usable_area_m2=10)
        Occupancy.objects.create(unit=unit, building=building, usable_area_m2=10)
        AssetFactory(holder=other, building=records["building"])
        AssetFactory(holder=unit, category=CategoryFactory(code=f"20201{n:02d}"))
        ParcelFactory(holder=unit)
        DepotFactory(managing_unit=unit)
        VehicleFactory(holder=unit)
        category = SupplyCategory.objects.create(code=f"29901{n:02d}", name=f"物资{n}")
        StockItem.objects.create(
            depot=records["depot"], category=category, name="x", quantity=1, unit_of_measure="件"
        )


# Queries per page for a province administrator: session, user, the record, one per related
# list, the history, the admin's permission check and the session save. A related list costs one
# query whatever its length, so growing the registry must not add any (no N+1).
QUERY_PINS = {
    "unit": 14,
    "building": 11,
    "parcel": 9,
    "asset": 8,
    "depot": 14,
    "vehicle": 8,
}
DIVISION_PIN = 14


@pytest.mark.parametrize("kind", KINDS)
def test_query_counts_are_pinned(
    client, province_admin, jinjiang, kind, django_assert_max_num_queries
):
    client.force_login(province_admin)
    path = url(kind, jinjiang.records[kind])
    grow(jinjiang)
    with django_assert_max_num_queries(QUERY_PINS[kind]):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_growing_the_registry_adds_no_queries(client, province_admin, jinjiang, kind):
    client.force_login(province_admin)
    path = url(kind, jinjiang.records[kind])
    before = queries(client, path)
    grow(jinjiang)
    assert queries(client, path) == before


def test_division_query_count_is_pinned(
    client, province_admin, jinjiang, django_assert_max_num_queries
):
    client.force_login(province_admin)
    path = reverse("org:division_detail", args=["510104"])
    before = queries(client, path)
    grow(jinjiang)
    with django_assert_max_num_queries(DIVISION_PIN):
        client.get(path)
    assert queries(client, path) == before
