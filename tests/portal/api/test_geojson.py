"""RFC 7946 output built by PostGIS: shape, precision, list/detail agreement, ?srid=, pages."""

import json
import re

import pytest
from django.contrib.gis.geos import Point

from portal.assets.models import Asset
from tests.factories import AssetFactory, CategoryFactory
from tests.portal.api.cases import CASES, detail_url, list_url

pytestmark = pytest.mark.django_db

GEO_CASES = [case for case in CASES if case.geo]
# Every number in a response body with its decimals.
DECIMALS = re.compile(r"-?\d+\.(\d+)")


@pytest.fixture
def precise(units):
    return AssetFactory(
        holder=units["jinjiang"], geom=Point(104.123456789123, 30.987654321987, srid=4490)
    )


def coordinates(geometry):
    """Every position of a GeoJSON geometry, flattened."""
    values = geometry["coordinates"]
    while isinstance(values[0][0], list):
        values = [position for part in values for position in part]
    return values if isinstance(values[0], list) else [values]


def test_feature_collection_is_rfc_7946(api, login, precise):
    login()
    response = api.get("/api/assets/")
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert "crs" not in body
    (feature,) = body["features"]
    assert set(feature) == {"type", "id", "geometry", "properties"}
    assert "crs" not in feature["geometry"]
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == (104.1234568, 30.9876543)  # lon/lat order, rounded to 7 decimals
    assert all(len(d) <= 7 for d in DECIMALS.findall(json.dumps(feature["geometry"])))


@pytest.mark.parametrize("case", GEO_CASES, ids=str)
def test_list_and_detail_agree(api, login, units, case):
    login()
    record = case.make(units["jinjiang"])
    (listed,) = [f for f in api.get(list_url(case)).json()["features"] if f["id"] == record.pk]
    detail = api.get(detail_url(case, record))
    assert detail["Content-Type"] == "application/geo+json"
    assert listed == detail.json()


def test_output_in_web_mercator_and_gauss_kruger(api, login, precise):
    login()
    expected = precise.geom.transform(3857, clone=True)
    response = api.get("/api/assets/?srid=3857")
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3857>"
    x, y = response.json()["features"][0]["geometry"]["coordinates"]
    assert (x, y) == pytest.approx((expected.x, expected.y), abs=0.002)
    # Chengdu lies in zone 35 (central meridian 105°E): easting about 500 km minus 85 km.
    detail = api.get(f"/api/assets/{precise.pk}/?srid=4544").json()
    easting, northing = detail["geometry"]["coordinates"]
    assert 380_000 < easting < 420_000
    assert 3_400_000 < northing < 3_450_000


def test_default_output_names_crs84(api, login, precise):
    login()
    crs84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert api.get("/api/assets/")["Content-Crs"] == crs84
    assert api.get(f"/api/assets/{precise.pk}/")["Content-Crs"] == crs84


def test_create_with_gauss_kruger_input(api, login, units):
    login()
    gk = Point(104.08, 30.63, srid=4490).transform(4544, clone=True)
    body = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [gk.x, gk.y]},
        "properties": {
            "ledger_code": "ZC-GK-1",
            "name": "投影仪",
            "category": CategoryFactory().code,
            "holder": units["jinjiang"].credit_code,
            "original_value": "1000",
            "net_value": "500",
        },
    }
    response = api.post_json("/api/assets/?srid=4544", body)
    assert response.status_code == 201, response.content
    stored = Asset.objects.get(ledger_code="ZC-GK-1").geom
    assert (stored.x, stored.y) == pytest.approx((104.08, 30.63), abs=1e-7)
    assert stored.srid == 4490


def test_polygon_accepted_for_a_multipolygon_field(api, login, units):
    login()
    case = next(c for c in CASES if c.basename == "parcel")
    response = api.post_json(list_url(case), case.body(units["jinjiang"]))
    assert response.status_code == 201
    assert response.json()["geometry"]["type"] == "MultiPolygon"
    assert response.json()["properties"]["area_m2"] > 0


def test_pages_link_forwards_and_back(api, login, units):
    login()
    made = sorted(AssetFactory(holder=units["jinjiang"]).pk for _ in range(5))
    first = api.get("/api/assets/?limit=2").json()
    assert first["numberReturned"] == 2
    assert [f["id"] for f in first["features"]] == made[:2]
    assert first["previous"] is None
    second = api.get(first["next"]).json()
    assert [f["id"] for f in second["features"]] == made[2:4]
    last = api.get(second["next"]).json()
    assert [f["id"] for f in last["features"]] == made[4:]
    assert last["next"] is None
    assert last["previous"] is not None


def test_empty_page(api, login):
    login()
    body = api.get("/api/assets/").json()
    assert body == {
        "type": "FeatureCollection",
        "numberReturned": 0,
        "next": None,
        "previous": None,
        "features": [],
    }


def test_plain_lists_page_the_same_way(api, login, units):
    login()
    case = next(c for c in CASES if c.basename == "vehicle")
    made = sorted(case.make(units["jinjiang"]).pk for _ in range(3))
    body = api.get("/api/vehicles/?limit=2&offset=1").json()
    assert [row["id"] for row in body["results"]] == made[1:]
    assert body["next"] is None
    assert body["previous"].endswith("/api/vehicles/?limit=2")


def test_patching_only_the_geometry_moves_the_record(api, login, precise):
    login()
    moved = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [104.1, 30.7]}}
    response = api.patch_json(f"/api/assets/{precise.pk}/", moved)
    assert response.status_code == 200, response.content
    precise.refresh_from_db()
    assert (precise.geom.x, precise.geom.y) == (104.1, 30.7)
