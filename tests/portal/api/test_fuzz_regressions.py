"""Requests the API fuzzer (tests/portal/security/test_fuzz_api.py) found answered with a 500,
or with a body its schema did not allow; each is checked here without the fuzzer."""

import csv
import io
import json
from decimal import Decimal

import pytest

from portal.exchange.entities import PARCELS
from portal.exchange.rows import map_headers
from portal.org.choices import Role
from portal.parcels.models import Parcel
from tests.factories import ParcelFactory
from tests.portal.api.cases import CASES, list_url

pytestmark = pytest.mark.django_db

CASE = {case.basename: case for case in CASES}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("near", "%Y-%m-%d", "near needs 3 comma-separated numbers, got '%Y-%m-%d'"),
        ("bbox", "100%,30", "bbox needs 4 comma-separated numbers, got '100%,30'"),
        ("division", "51%s", "division: no current division has code 51%s"),
    ],
)
def test_a_percent_sign_in_a_filter_value_is_a_400_quoting_it(api, login, name, value, message):
    # django-filter formats each message with its parameters: text that was already formatted
    # into the message, and holds a "%", broke that formatting (TypeError, 500).
    login()
    response = api.get("/api/assets/", {name: value})
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {name: [message]}


@pytest.mark.parametrize("properties", ["name", ["name"], 7])
def test_feature_properties_that_are_not_an_object_are_a_400_naming_them(
    api, login, units, properties
):
    login()
    body = CASE["building"].body(units["jinjiang"])
    body["properties"] = properties
    response = api.post_json("/api/buildings/", body)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["properties"]
    assert response.json()["detail"].startswith("properties: Expected an object of the record's")


def test_a_form_field_named_properties_is_a_400_naming_it(api, login, units):
    # A form (not JSON) body with a "properties" field: drf-gis tried to unwrap it as a Feature.
    login()
    response = api.post("/api/depots/", {"properties": "{}", "name": "仓库"})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["properties"]


@pytest.mark.parametrize("body", [["type", "properties"], "properties", 12])
def test_a_feature_body_that_is_not_an_object_is_a_400(api, login, body):
    # drf-gis looked for "properties" inside whatever it was given: a string holding the word
    # was taken for a Feature (TypeError, 500).
    login()
    response = api.post("/api/buildings/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert "Expected a dictionary" in response.json()["detail"]


@pytest.mark.parametrize(
    ("basename", "field"),
    [("vehicle", "holder"), ("building", "division"), ("occupancy", "unit")],
)
def test_a_null_character_in_a_code_is_a_400_naming_the_field(api, login, units, basename, field):
    # The code names a related record: its lookup reached PostgreSQL, which refuses NUL in text.
    login()
    case = CASE[basename]
    body = case.body(units["jinjiang"])
    fields = body["properties"] if case.geo else body
    fields[field] = "5101\x0004"
    response = api.post_json(list_url(case), body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {field: ["Null characters are not allowed."]}
    assert not case.model.objects.exists()


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("AssetCategory", "parent"),
        ("SupplyCategory", "parent"),
        ("ImportJob", "checked_at"),
        ("ImportJob", "committed_at"),
        ("ImportJobDetail", "committed_at"),
        ("StockMovement", "document_url"),
    ],
)
def test_the_schema_says_which_answers_may_be_null(api, login, component, field):
    # A top-level category has no parent, a queued import is neither checked nor committed, and
    # most stock movements have no scan: the answers say null, so the schema must allow it.
    login(role=Role.VIEWER)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


def test_the_schema_says_a_division_may_have_no_parent(api, login):
    login(role=Role.VIEWER)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    division = schema["components"]["schemas"]["Division"]["properties"]["properties"]
    assert division["properties"]["parent"]["nullable"] is True


def test_the_schema_says_an_answer_may_have_no_geometry_but_a_request_needs_one(api, login):
    # ?geometry=false answers divisions with "geometry": null, as RFC 7946 allows.
    login(role=Role.VIEWER)
    schemas = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schemas["Division"]["properties"]["geometry"]["nullable"] is True
    assert schemas["Building"]["properties"]["geometry"]["nullable"] is True
    assert "nullable" not in schemas["BuildingRequest"]["properties"]["geometry"]


def test_a_gbk_csv_writes_a_title_gbk_cannot_hold_as_the_column_key(api, login, units):
    # "证载面积（m²）": GBK has no "²", and the whole export failed (UnicodeEncodeError, 500).
    login()
    ParcelFactory(holder=units["jinjiang"], certificate_area_m2=Decimal("1250.50"))
    response = api.get("/api/exports/parcels/", {"format": "csv", "encoding": "gbk"})
    assert response.status_code == 200
    header, row = list(csv.reader(io.StringIO(_body(response).decode("gbk"))))
    area = PARCELS.column("cert_m2")
    assert "m²" in area.title(Parcel, "zh-hans")
    assert header[PARCELS.columns.index(area)] == "cert_m2"
    assert "1250.50" in row
    mapping, problems = map_headers(PARCELS, header)
    assert area in mapping.values(), "the import reads the column back by its key"
    assert not [p for p in problems if p.severity != "warning"]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
