"""Regressions of the fleet API found by the API fuzz of issue 9
(tests/portal/security/test_fuzz_api.py)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.portal.fleet import map_data, trip_data
from tests.portal.fleet.factories import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize(
    "origin",
    [{"type": "Polygon", "coordinates": []}, {"type": "Point"}, ["east", "north"]],
    ids=["not a point", "no coordinates", "not numbers"],
)
def test_a_place_that_is_not_a_point_is_a_400_not_a_500(api, origin):
    """The field's message quotes GeoJSON, braces included: DRF's fail() formatted it and raised
    KeyError (500) on every malformed place, which the fuzz found."""
    w = trip_data.world()
    api.force_authenticate(w.requester)
    body = {"unit": w.requester_unit.credit_code, "pool": w.pool.pk, "origin": origin}
    response = api.post("/api/vehicle-bookings/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["origin"] == [
        'Give a GeoJSON Point ({"type": "Point", "coordinates": [lon, lat]}).'
    ]


def test_a_booking_without_region_or_vehicle_type_reads_as_its_schema_says(api):
    """A booking outside any cooperation region (region null) wanting any vehicle type ("")
    answered what the OpenAPI document forbade: a string region, a type from the enum."""
    w = trip_data.world()
    booking = map_data.booking(w.requester_unit, w.requester, w.pool, at(1, 9), at(1, 12))
    api.force_authenticate(w.requester)
    row = api.get(f"/api/vehicle-bookings/{booking.pk}/").json()
    assert (row["region"], row["vehicle_type"]) == (None, "")
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    fields = schema["Booking"]["properties"]
    assert fields["region"]["nullable"] is True
    blank = {"$ref": "#/components/schemas/BlankEnum"}
    assert blank in fields["vehicle_type"]["oneOf"]
    assert schema["BlankEnum"] == {"enum": [""]}


def test_a_nul_character_in_the_unit_is_a_400_not_a_500(api):
    """The unit is looked up by credit code before field validators run; PostgreSQL refuses a
    NUL in a query (DataError, 500), which the fuzz found."""
    w = trip_data.world()
    api.force_authenticate(w.requester)
    body = {"unit": "»ÓV\x00", "pool": w.pool.pk}
    response = api.post("/api/vehicle-bookings/", body, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["unit"] == ["Null characters are not allowed."]
