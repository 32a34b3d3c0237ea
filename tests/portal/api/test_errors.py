"""Bad requests are answered with 400 and a message that names the parameter or field."""

import pytest

from portal.assets.models import Asset
from tests.factories import AssetFactory, UnitFactory
from tests.portal.api.cases import CASES, list_url

pytestmark = pytest.mark.django_db

BAD_PARAMETERS = {
    "bbox": ["200,30,201,31", "104,30,103,31", "1,2,3", "a,b,c,d"],
    "near": ["104,30", "104,30,0", "104,30,9999999"],
    "intersects": ['{"type":"Polygon"', '{"type":"Point","coordinates":"x"}', "POINT(1 2)x"],
    "limit": ["5000", "0", "-1", "ten"],
    "offset": ["-5", "x"],
    "srid": ["9999", "4214", "epsg:4326"],
    "division": ["999999"],
    "status": ["lost"],
}


@pytest.mark.parametrize(
    ("name", "value"), [(n, v) for n, values in BAD_PARAMETERS.items() for v in values]
)
def test_bad_parameter_is_a_400_naming_it(api, login, name, value):
    login()
    response = api.get("/api/assets/", {name: value})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert name in body["errors"]
    assert name in body["detail"]


def test_huge_limit_says_what_to_do(api, login):
    login()
    detail = api.get("/api/assets/?limit=100000").json()["detail"]
    assert detail == "limit: at most 1000 records per page; use offset to page on"


def test_geometry_flag_must_be_boolean(api, login):
    login()
    response = api.get("/api/divisions/?geometry=maybe")
    assert response.status_code == 400
    assert response.json()["detail"] == "geometry must be true or false"


def create_asset(api, units, **properties):
    body = next(c for c in CASES if c.basename == "asset").body(units["jinjiang"])
    body["properties"].update(properties)
    return api.post_json(list_url(CASES[4]), body)


def test_invalid_record_names_the_field(api, login, units):
    login()
    response = create_asset(api, units, net_value="9000.00")  # above the original value
    assert response.status_code == 400
    assert "net value cannot exceed" in response.json()["detail"]
    response = create_asset(api, units, status="lost")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_duplicate_ledger_code_is_a_400_from_the_model(api, login, units):
    login()
    existing = AssetFactory(holder=units["jinjiang"])
    response = create_asset(api, units, ledger_code=existing.ledger_code)
    assert response.status_code == 400
    assert Asset.objects.filter(ledger_code=existing.ledger_code).count() == 1


def test_geometry_errors_name_the_geometry(api, login, units):
    login()
    body = next(c for c in CASES if c.basename == "asset").body(units["jinjiang"])
    body["geometry"] = {"type": "Point", "coordinates": [30.63, 104.08]}  # swapped
    response = api.post_json("/api/assets/", body)
    assert response.status_code == 400
    assert "outside Sichuan and Chongqing" in response.json()["errors"]["geom"][0]
    body["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[104, 30], [104.1, 30], [104, 30.1], [104, 30]]],
    }
    response = api.post_json("/api/assets/", body)
    assert response.json()["errors"] == {"geom": ["Expected a Point geometry, got Polygon."]}


def test_bad_credit_code_names_the_field(api, login, units):
    login()
    body = next(c for c in CASES if c.basename == "unit").body(units["jinjiang"])
    body["properties"]["credit_code"] = "11510104000000001X"
    response = api.post_json("/api/units/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["credit_code"]
    assert not UnitFactory._meta.model.objects.filter(credit_code="11510104000000001X").exists()
