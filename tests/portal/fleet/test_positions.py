"""The position feed: batches in four coordinate systems, duplicates, newer-only last positions,
row errors that store nothing, the account's scope, and the API with a tracking server's token."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gis.china import wgs84_to_bd09, wgs84_to_gcj02
from portal.fleet.exceptions import FleetInputError
from portal.fleet.models import VehiclePosition
from portal.fleet.services.positions import ingest_positions
from portal.org.choices import Role
from tests.factories import UnitFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db

LON, LAT = 104.0657, 30.6594  # 天府广场


@pytest.fixture
def world():
    unit = UnitFactory()
    return {
        "unit": unit,
        "tracker": UserFactory(unit=unit),
        "car": VehicleFactory(holder=unit, plate="川A10001"),
        "van": VehicleFactory(holder=unit, plate="川A10002"),
        "other": VehicleFactory(plate="川A20001"),
    }


def fix(plate, minutes_ago=1, lon=LON, lat=LAT, **extra):
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return {"plate": plate, "recorded_at": at.isoformat(), "lon": lon, "lat": lat, **extra}


def test_a_batch_stores_every_fix_and_moves_each_vehicle_to_its_newest(world):
    rows = [
        fix("川A10001", 10, lon=104.01),
        fix("川A10001", 2, lon=104.02, speed=42.5, heading=90),
        fix("川A10002", 5, lon=104.03),
    ]
    result = ingest_positions(rows, by=world["tracker"], source="北斗平台")
    assert (result.received, result.stored, result.duplicates, result.moved) == (3, 3, 0, 2)
    world["car"].refresh_from_db()
    assert world["car"].last_position.x == pytest.approx(104.02)
    newest = VehiclePosition.objects.get(vehicle=world["car"], speed_kmh=42.5)
    assert (newest.heading, newest.source, newest.source_crs) == (90, "北斗平台", "EPSG:4490")
    assert world["car"].last_position_at == newest.recorded_at


def test_a_vehicle_is_named_by_id_as_well_as_by_plate(world):
    row = fix("", 1)
    row["vehicle"] = world["van"].pk
    assert ingest_positions([row], by=world["tracker"]).stored == 1


@pytest.mark.parametrize(
    ("crs", "convert"),
    [
        ("EPSG:4326", lambda lon, lat: (lon, lat)),
        ("GCJ-02", wgs84_to_gcj02),
        ("BD-09", wgs84_to_bd09),
        ("gcj02", wgs84_to_gcj02),
    ],
)
def test_web_map_and_gps_coordinates_are_stored_in_cgcs2000(world, crs, convert):
    lon, lat = convert(LON, LAT)
    ingest_positions([fix("川A10001", lon=lon, lat=lat, crs=crs)], by=world["tracker"])
    stored = VehiclePosition.objects.get()
    assert stored.geom.x == pytest.approx(LON, abs=1e-5)
    assert stored.geom.y == pytest.approx(LAT, abs=1e-5)
    assert stored.source_crs in ("EPSG:4326", "GCJ-02", "BD-09")
    assert stored.geom.srid == 4490


def test_a_resent_fix_is_ignored_within_a_batch_and_across_batches(world):
    row = fix("川A10001", 3)
    first = ingest_positions([row, row], by=world["tracker"])
    again = ingest_positions([row, fix("川A10001", 1)], by=world["tracker"])
    assert (first.stored, first.duplicates) == (1, 1)
    assert (again.stored, again.duplicates) == (1, 1)
    assert VehiclePosition.objects.count() == 2


def test_a_late_batch_does_not_move_the_vehicle_back(world):
    ingest_positions([fix("川A10001", 1, lon=104.05)], by=world["tracker"])
    late = ingest_positions([fix("川A10001", 30, lon=104.2)], by=world["tracker"])
    world["car"].refresh_from_db()
    assert (late.stored, late.moved) == (1, 0)
    assert world["car"].last_position.x == pytest.approx(104.05)


def test_the_update_keeps_the_record_version(world):
    before = world["car"].updated_at
    ingest_positions([fix("川A10001")], by=world["tracker"])
    world["car"].refresh_from_db()
    assert world["car"].updated_at == before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"lat": None}, "Row 2: lat is missing."),
        ({"lon": "east"}, "Row 2: lon is not a number."),
        ({"plate": "川Z99999"}, "Row 2: 川Z99999 is not a vehicle you may report positions for."),
        ({"plate": ""}, "Row 2: name the vehicle by its plate or its id."),
        ({"crs": "EPSG:3857"}, "Row 2: crs must be EPSG:4490"),
        ({"recorded_at": "yesterday"}, "Row 2: recorded_at must be an ISO 8601 time"),
        ({"recorded_at": "2026-05-01T09:30:00"}, "Row 2: recorded_at must be an ISO 8601 time"),
        ({"lon": 30.6, "lat": 104.0}, "Row 2: Longitude and latitude look swapped"),
        ({"heading": 400}, "Row 2: heading is given in degrees"),
        ({"speed": -3}, "Row 2: speed cannot be negative."),
        ({"vehicle": 2**70}, "Row 2: vehicle must be a vehicle id."),
        ({"plate": "川A\x001"}, "Row 2: 川A\x001 is not a plate."),
        ({"recorded_at": "2026-13-01T09:30:00+08:00"}, "Row 2: recorded_at must be"),
        # Year 1 at +14:00 is 1 BC in UTC: PostgreSQL would store it and Python not read it back.
        (
            {"recorded_at": "0001-01-01T00:00:00+14:00"},
            "Row 2: recorded_at 0001-01-01T00:00:00+14:00 is more than 30 days old.",
        ),
        ({"recorded_at": "9999-12-31T23:59:59-14:00"}, "Row 2: recorded_at 9999-12-31T23:59:59"),
        ({"lon": 10**400}, "Row 2: lon is not a number."),
        ({"speed": -(10**400)}, "Row 2: speed is not a number."),
        ({"lat": "nan"}, "Row 2: lat is not a number."),
        ({"heading": float("inf")}, "Row 2: heading is not a number."),
        ({"lon": True}, "Row 2: lon is not a number."),
        ({"vehicle": True}, "Row 2: vehicle must be a vehicle id."),
        ({"vehicle": 1.9}, "Row 2: vehicle must be a vehicle id."),
        ({"vehicle": "1e3"}, "Row 2: vehicle must be a vehicle id."),
        ({"vehicle": "9" * 5000}, "Row 2: vehicle must be a vehicle id."),
    ],
)
def test_a_wrong_row_is_named_and_nothing_is_stored(world, row, message):
    rows = [fix("川A10001", 2), {**fix("川A10002"), **row}]
    with translation.override("en"), pytest.raises(FleetInputError) as refused:
        ingest_positions(rows, by=world["tracker"])
    assert refused.value.user_message.startswith(message)
    assert not VehiclePosition.objects.exists()
    world["car"].refresh_from_db()
    assert world["car"].last_position is None


def test_a_vehicle_id_may_come_as_a_string_of_digits(world):
    row = {**fix(""), "vehicle": str(world["van"].pk)}
    assert ingest_positions([row], by=world["tracker"]).stored == 1


def test_a_fix_older_than_thirty_days_is_refused(world):
    old = fix("川A10001", 30 * 24 * 60 + 1)
    with translation.override("en"), pytest.raises(FleetInputError, match="more than 30 days"):
        ingest_positions([old], by=world["tracker"])
    assert ingest_positions([fix("川A10001", 29 * 24 * 60)], by=world["tracker"]).stored == 1


def test_the_age_is_checked_in_utc_and_stored_in_utc(world):
    # 29 days ago at +14:00 and at -12:00 name instants within the window whatever the offset.
    at = timezone.now() - dt.timedelta(days=29)
    rows = [
        {**fix("川A10001"), "recorded_at": at.astimezone(dt.timezone(dt.timedelta(hours=h)))}
        for h in (14, -12)
    ]
    assert ingest_positions(rows, by=world["tracker"]).duplicates == 1
    world["car"].refresh_from_db()
    assert world["car"].last_position_at == at


def test_a_fix_more_than_five_minutes_ahead_is_refused(world):
    ahead = fix("川A10001", -6)
    with translation.override("en"), pytest.raises(FleetInputError, match="Row 1: recorded_at"):
        ingest_positions([ahead], by=world["tracker"])
    assert ingest_positions([fix("川A10001", -4)], by=world["tracker"]).stored == 1


@override_settings(TIANFU_FLEET={"feed_batch": 2, "stale_minutes": 15})
def test_a_batch_larger_than_the_setting_is_refused(world):
    with translation.override("en"), pytest.raises(FleetInputError, match="at most 2"):
        ingest_positions([fix("川A10001", n) for n in (1, 2, 3)], by=world["tracker"])


def test_an_account_posts_only_for_vehicles_it_may_edit(world):
    viewer = UserFactory(unit=world["unit"], role=Role.VIEWER)
    with translation.override("en"), pytest.raises(FleetInputError, match="Row 2"):
        ingest_positions([fix("川A10001"), fix("川A20001")], by=world["tracker"])
    with pytest.raises(FleetInputError):
        ingest_positions([fix("川A10001")], by=viewer)
    assert not VehiclePosition.objects.exists()


def refusal(rows, by):
    with translation.override("en"), pytest.raises(FleetInputError) as refused:
        ingest_positions(rows, by=by)
    return refused.value


def test_another_units_vehicle_is_answered_as_an_unknown_one(world):
    """No existence oracle: the same status and words whether the plate or id exists or not."""
    other = world["other"].pk
    missing = other + 1000
    cases = [
        (fix("川A20001"), "川A20001", fix("川A29999"), "川A29999"),
        ({**fix(""), "vehicle": other}, other, {**fix(""), "vehicle": missing}, missing),
    ]
    for known, known_key, unknown, unknown_key in cases:
        seen, not_found = refusal([known], world["tracker"]), refusal([unknown], world["tracker"])
        assert type(seen) is type(not_found) is FleetInputError
        assert seen.http_status == not_found.http_status == 400
        message = "Row 1: {} is not a vehicle you may report positions for."
        assert seen.user_message == message.format(known_key)
        assert not_found.user_message == message.format(unknown_key)


def test_the_api_takes_a_batch_with_a_token_and_answers_the_latest_positions(world):
    token = Token.objects.create(user=world["tracker"])
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("api:fleet_positions")
    posted = client.post(
        url,
        {"source": "tracker-1", "positions": [fix("川A10001", 1), fix("川A10002", 60)]},
        format="json",
    )
    assert posted.status_code == 201, posted.content
    assert posted.json() == {"received": 2, "stored": 2, "duplicates": 0, "moved": 2}
    latest = client.get(url)
    assert latest["Content-Type"] == "application/geo+json"
    features = {f["properties"]["plate"]: f for f in latest.json()["features"]}
    assert set(features) == {"川A10001", "川A10002"}
    assert features["川A10001"]["properties"]["state"] == "fresh"
    assert features["川A10002"]["properties"]["state"] == "stale"
    assert features["川A10001"]["geometry"]["coordinates"] == pytest.approx([LON, LAT])


def test_the_api_names_the_wrong_row_and_refuses_other_units_vehicles(world):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(world["tracker"])
    url = reverse("api:fleet_positions")
    wrong = client.post(url, {"positions": [fix("川A10001", lon=None)]}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == "Row 1: lon is missing."
    other = client.post(url, {"positions": [fix("川A20001")]}, format="json")
    unknown = client.post(url, {"positions": [fix("川A29999")]}, format="json")
    assert other.status_code == unknown.status_code == 400
    assert (
        other.json()["detail"] == "Row 1: 川A20001 is not a vehicle you may report positions for."
    )
    assert client.post(url, {"rows": []}, format="json").status_code == 400
    assert APIClient().post(url, [fix("川A10001")], format="json").status_code in (401, 403)


def test_the_api_refuses_a_fix_of_year_one_and_the_pages_still_load(world):
    """Year 1 at +14:00 (1 BC in UTC) once reached last_position_at and broke every page that
    loaded the vehicle; a lon of 401 digits overflowed float()."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(world["tracker"])
    url = reverse("api:fleet_positions")
    ancient = {**fix("川A10001"), "recorded_at": "0001-01-01T00:00:00+14:00"}
    assert client.post(url, {"positions": [ancient]}, format="json").status_code == 400
    huge = client.post(url, {"positions": [fix("川A10001", lon=10**400)]}, format="json")
    assert huge.status_code == 400
    assert huge.json()["detail"] == "Row 1: lon is not a number."
    world["car"].refresh_from_db()
    assert world["car"].last_position_at is None
    client.force_login(world["tracker"])
    assert client.get(reverse("fleet:utilisation")).status_code == 200
