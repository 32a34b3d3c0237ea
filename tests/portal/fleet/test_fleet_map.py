"""The fleet map's GeoJSON: vehicles fresh, stale or at base, bookings of the chosen days as
lines, both RFC 7946 and scoped like their querysets; and the page itself."""

import datetime as dt
import json

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from portal.fleet import stats_sql
from portal.fleet.choices import RegionClass
from portal.fleet.models import Vehicle
from portal.fleet.views.map import map_bookings
from tests.factories import BuildingFactory, DepotFactory, UnitFactory, UserFactory, VehicleFactory
from tests.portal.fleet.factories import DriverFactory, PoolFactory
from tests.portal.fleet.map_data import CHONGQING, assign, booking, complete, local

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def world():
    unit, holder, stranger = UnitFactory(), UnitFactory(), UnitFactory(division_code="510703")
    operator = UnitFactory()
    manager = UserFactory(unit=operator)
    pool = PoolFactory(operator=operator, members=[unit, holder], managers=[manager])
    now = timezone.now()
    fresh = VehicleFactory(
        holder=unit,
        plate="川A00001",
        last_position=Point(104.1, 30.7, srid=4490),
        last_position_at=now - dt.timedelta(minutes=2),
    )
    stale = VehicleFactory(
        holder=unit,
        plate="川A00002",
        last_position=Point(104.2, 30.8, srid=4490),
        last_position_at=now - dt.timedelta(minutes=40),
    )
    based = VehicleFactory(
        holder=unit, plate="川A00003", base_building=BuildingFactory(geom=Point(104.3, 30.9))
    )
    depot = VehicleFactory(
        holder=unit, plate="川A00004", base_depot=DepotFactory(geom=Point(104.4, 31.0))
    )
    VehicleFactory(holder=unit, plate="川A00005")  # no base, no position: not drawn
    VehicleFactory(holder=stranger, plate="川B00001", base_building=BuildingFactory())
    return {
        "unit": unit,
        "holder": holder,
        "stranger": stranger,
        "pool": pool,
        "manager": manager,
        "officer": UserFactory(unit=unit),
        "holder_officer": UserFactory(unit=holder),
        "outsider": UserFactory(unit=stranger),
        "vehicles": (fresh, stale, based, depot),
    }


def geojson(client, user, name, **query):
    client.force_login(user)
    response = client.get(reverse(f"fleet:{name}"), query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    assert "crs" not in body
    return body


def test_vehicles_are_drawn_fresh_stale_or_at_their_base(client, world):
    body = geojson(client, world["officer"], "map_vehicles")
    features = {f["properties"]["plate"]: f for f in body["features"]}
    assert set(features) == {"川A00001", "川A00002", "川A00003", "川A00004"}
    states = {plate: f["properties"]["state"] for plate, f in features.items()}
    assert states == {
        "川A00001": "fresh",
        "川A00002": "stale",
        "川A00003": "base",
        "川A00004": "base",
    }
    assert features["川A00001"]["geometry"] == {"type": "Point", "coordinates": [104.1, 30.7]}
    assert features["川A00003"]["geometry"]["coordinates"] == [104.3, 30.9]
    assert features["川A00004"]["geometry"]["coordinates"] == [104.4, 31.0]
    first = features["川A00001"]
    assert first["id"] == world["vehicles"][0].pk
    assert first["properties"]["url"] == world["vehicles"][0].get_absolute_url()
    assert first["properties"]["holder"] == world["unit"].name
    assert first["properties"]["last_position_at"] is not None


def test_the_stale_threshold_is_the_setting(client, world, settings):
    settings.TIANFU_FLEET = {**settings.TIANFU_FLEET, "stale_minutes": 60}
    body = geojson(client, world["officer"], "map_vehicles")
    states = {f["properties"]["plate"]: f["properties"]["state"] for f in body["features"]}
    assert states["川A00002"] == "fresh"


def test_each_layer_is_one_statement(world, bookings, django_assert_num_queries):
    since = local(DAY, 0)
    with django_assert_num_queries(1):
        stats_sql.vehicles_geojson(
            Vehicle.objects.visible_to(world["manager"]), fresh_since=since, url_prefix="/"
        )
    with django_assert_num_queries(1):
        stats_sql.bookings_geojson(
            map_bookings(world["manager"]), since=since, until=local(DAY, 23), url_prefix="/"
        )


def test_vehicles_are_scoped_to_the_users_units(client, world):
    plates = [
        f["properties"]["plate"]
        for f in geojson(client, world["outsider"], "map_vehicles")["features"]
    ]
    assert plates == ["川B00001"]


@pytest.fixture
def bookings(world):
    officer, pool, unit = world["officer"], world["pool"], world["unit"]
    planned = booking(unit, officer, pool, local(DAY, 9), local(DAY, 12))
    van = VehicleFactory(holder=world["holder"], plate="川A09999")
    served = booking(
        unit,
        officer,
        pool,
        local(DAY, 14),
        local(DAY + dt.timedelta(days=1), 10),
        destination=CHONGQING,
        destination_label="重庆市人民政府",
        region_class=RegionClass.CROSS_PROVINCE,
        crosses_border=True,
    )
    assign(served, van, world["manager"])
    driver = DriverFactory(unit=world["holder"])
    done = booking(unit, officer, pool, local(DAY - dt.timedelta(days=1), 9), local(DAY, 8))
    assign(done, van, world["manager"], driver=driver)
    complete(done, van, driver, world["manager"], "123.4")
    later = booking(
        unit,
        officer,
        pool,
        local(DAY + dt.timedelta(days=3), 9),
        local(DAY + dt.timedelta(days=3), 11),
    )
    return {"planned": planned, "served": served, "done": done, "later": later, "van": van}


def test_bookings_of_the_days_are_lines_with_state_class_vehicle_and_km(client, world, bookings):
    body = geojson(client, world["officer"], "map_bookings", **{"from": DAY.isoformat()})
    features = {f["id"]: f for f in body["features"]}
    assert set(features) == {bookings[k].pk for k in ("planned", "served", "done")}
    served = features[bookings["served"].pk]
    assert served["geometry"] == {
        "type": "LineString",
        "coordinates": [[104.06, 30.66], [106.55, 29.56]],
    }
    props = served["properties"]
    assert (props["status"], props["region_class"], props["crosses_border"]) == (
        "assigned",
        "cross_province",
        True,
    )
    assert (props["plate"], props["origin"], props["destination"]) == (
        "川A09999",
        "省政府",
        "重庆市人民政府",
    )
    assert props["url"] == bookings["served"].get_absolute_url()
    assert features[bookings["done"].pk]["properties"]["distance_km"] == 123.4
    assert features[bookings["planned"].pk]["properties"]["plate"] is None


def test_a_range_of_days_takes_every_booking_overlapping_it(client, world, bookings):
    query = {"from": DAY.isoformat(), "to": (DAY + dt.timedelta(days=3)).isoformat()}
    body = geojson(client, world["officer"], "map_bookings", **query)
    assert len(body["features"]) == 4


def test_bookings_are_seen_by_the_pool_manager_and_the_serving_holder_only(client, world, bookings):
    query = {"from": DAY.isoformat()}
    managed = geojson(client, world["manager"], "map_bookings", **query)["features"]
    held = geojson(client, world["holder_officer"], "map_bookings", **query)["features"]
    outside = geojson(client, world["outsider"], "map_bookings", **query)["features"]
    assert len(managed) == 3
    assert {f["id"] for f in held} == {bookings["served"].pk, bookings["done"].pk}
    assert outside == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "10/03/2026"}, "YYYY-MM-DD"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "cannot come before"),
        ({"from": "2026-01-01", "to": "2026-03-01"}, "at most 31 days"),
        # The day after 9999-12-31 overflowed into a 500.
        ({"from": "9999-12-31"}, "Choose days from 2000-01-01 to 2100-12-31."),
        ({"from": "9999-12-01", "to": "9999-12-31"}, "Choose days from 2000-01-01"),
        ({"from": "0001-01-01"}, "Choose days from 2000-01-01"),
        ({"from": "1999-12-31"}, "Choose days from 2000-01-01"),
        ({"from": "2100-12-31", "to": "2101-01-01"}, "Choose days from 2000-01-01"),
    ],
)
def test_a_wrong_range_is_refused(client, world, query, message):
    client.force_login(world["officer"])
    response = client.get(reverse("fleet:map_bookings"), query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_the_map_page_configures_its_layers_without_inline_script(client, world):
    client.force_login(world["officer"])
    response = client.get(
        reverse("fleet:map"), {"from": "2026-03-10", "to": "2026-03-12"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    config = response.context["map_config"]
    assert config["bookings"] == reverse("fleet:map_bookings") + "?from=2026-03-10&to=2026-03-12"
    assert config["status"]["assigned"] == "vehicle assigned"
    content = response.content.decode()
    assert 'id="fleet-map-config"' in content
    assert "fleet/js/fleet_map.js" in content
    assert 'id="nav-fleet"' in content
    assert " style=" not in content
    assert "onclick" not in content


def test_the_map_page_falls_back_to_today_on_a_wrong_range(client, world):
    client.force_login(world["officer"])
    response = client.get(reverse("fleet:map"), {"from": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["first"] == timezone.localdate()
    assert "YYYY-MM-DD" in response.context["range_error"]


def test_the_calendar_bounds_themselves_are_shown(client, world):
    client.force_login(world["officer"])
    for day in ("2000-01-01", "2100-12-31"):
        response = client.get(reverse("fleet:map_bookings"), {"from": day})
        assert response.status_code == 200, response.content


def test_the_map_page_falls_back_to_today_on_a_day_out_of_the_calendar(client, world):
    client.force_login(world["officer"])
    response = client.get(reverse("fleet:map"), {"from": "9999-12-31"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["first"] == timezone.localdate()
    assert "2100-12-31" in response.context["range_error"]


def test_the_map_and_its_layers_need_a_login(client):
    for name in ("map", "map_vehicles", "map_bookings"):
        assert client.get(reverse(f"fleet:{name}")).status_code == 302
