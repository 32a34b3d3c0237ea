"""An OGC conformance self-check: the API walked as the OGC test suite for Features Part 1
(Core, OpenAPI 3.0, GeoJSON) and Part 2 (CRS by reference) walks it, against real PostGIS."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from drf_spectacular.validation import validate_schema

from portal.features.collections import COLLECTIONS
from tests.portal.features.conftest import OGC

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CONFORMANCE = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
}


def links(document) -> dict:
    return {link["rel"]: link for link in document["links"]}


def media(response) -> str:
    return response["Content-Type"].split(";")[0].strip()


def test_the_landing_page_links_the_api_the_conformance_and_the_data(token_reader):
    response = token_reader.get(f"{OGC}/")
    assert (response.status_code, media(response)) == (200, "application/json")
    found = links(response.json())
    assert found["self"]["href"] == "http://testserver/ogc/"
    assert found["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert found["conformance"]["href"].endswith("/ogc/conformance")
    assert found["data"]["href"].endswith("/ogc/collections")
    for link in found.values():
        assert token_reader.get(link["href"]).status_code == 200, link


def test_conformance_declares_core_oas30_geojson_and_crs(token_reader):
    response = token_reader.get(f"{OGC}/conformance")
    assert response.status_code == 200
    assert set(response.json()["conformsTo"]) >= CONFORMANCE


def test_every_resource_answers_head(token_reader):
    for path in ("/", "/conformance", "/collections", "/collections/units/items"):
        assert token_reader.head(f"{OGC}{path}").status_code == 200, path


def test_collections_describe_every_collection(token_reader, world):
    response = token_reader.get(f"{OGC}/collections")
    assert response.status_code == 200
    document = response.json()
    assert links(document)["self"]["type"] == "application/json"
    described = {item["id"]: item for item in document["collections"]}
    assert set(described) == set(COLLECTIONS)
    for item in described.values():
        found = links(item)
        assert found["items"]["type"] == GEOJSON
        assert {"self", "describedby"} <= set(found)
        assert token_reader.get(found["self"]["href"]).json()["id"] == item["id"]
        assert item["extent"]["spatial"]["crs"] == CRS84
        ((xmin, ymin, xmax, ymax),) = item["extent"]["spatial"]["bbox"]
        assert -180 <= xmin <= xmax <= 180
        assert -90 <= ymin <= ymax <= 90
        assert len(item["extent"]["temporal"]["interval"][0]) == 2
        assert isinstance(item["crs"], list)
        assert item["crs"][0] == CRS84
        assert item["storageCrs"] in item["crs"]
        assert f"{EPSG}4490" in item["crs"]
        assert f"{EPSG}4544" in item["crs"]


def test_a_collection_extent_is_the_readers_records(token_reader, world):
    buildings = token_reader.get(f"{OGC}/collections/buildings").json()
    ((xmin, ymin, xmax, ymax),) = buildings["extent"]["spatial"]["bbox"]
    # 锦江区 at 104.08, 30.63 to 涪城区 at 104.74, 31.46; footprints reach 0.0064° east.
    assert xmin == pytest.approx(104.04 + 0.002 - 0.0004)
    assert xmax == pytest.approx(104.74 + 0.002 + 0.0004)
    assert (ymin, ymax) == (pytest.approx(30.63 - 0.0004), pytest.approx(31.46 + 0.0004))
    assets = token_reader.get(f"{OGC}/collections/assets").json()
    interval = [["2020-01-15T00:00:00Z", "2022-03-01T00:00:00Z"]]
    assert assets["extent"]["temporal"]["interval"] == interval


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_items_are_a_geojson_feature_collection(token_reader, world, collection_id):
    response = token_reader.items(collection_id)
    assert response.status_code == 200, response.content
    assert media(response) == GEOJSON
    assert response["Content-Crs"] == f"<{CRS84}>"
    document = response.json()
    assert document["type"] == "FeatureCollection"
    assert document["features"]
    assert document["numberReturned"] == len(document["features"])
    assert document["timeStamp"].endswith("Z")
    found = links(document)
    assert found["self"]["type"] == GEOJSON
    assert found["collection"]["href"].endswith(f"/ogc/collections/{collection_id}")
    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) >= {"id", "geometry", "properties"}


def test_next_links_visit_every_record_once(token_reader, world):
    expected = token_reader.ids("buildings", limit=1000)
    assert len(expected) == 6  # the secret building is hidden from this reader
    seen, pages = [], []
    href = f"{OGC}/collections/buildings/items?limit=2"
    while href:
        document = token_reader.get(href).json()
        pages.append(links(document))
        seen += [feature["id"] for feature in document["features"]]
        href = pages[-1].get("next", {}).get("href")
    assert sorted(seen) == expected
    assert len(pages) == 3
    assert "prev" not in pages[0]
    assert all("prev" in found for found in pages[1:])
    assert parse_qs(urlparse(pages[2]["prev"]["href"]).query)["offset"] == ["2"]
    assert "next" not in pages[-1]


def test_a_page_is_cut_to_the_maximum_limit(token_reader, world):
    response = token_reader.items("buildings", limit=5000)
    assert response.status_code == 200
    assert "next" not in links(response.json())


@pytest.mark.parametrize("limit", ["0", "-1", "x", "2.5", ""])
def test_a_bad_limit_is_refused(token_reader, world, limit):
    response = token_reader.items("buildings", limit=limit)
    if limit == "":
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert media(response) == "application/json"
    error = response.json()
    assert error["code"] == "InvalidParameterValue"
    assert "limit" in error["description"]


def test_an_unknown_parameter_is_refused_by_name(token_reader, world):
    for path in ("/collections/buildings/items", "/collections/buildings/items/1", "/"):
        response = token_reader.get(f"{OGC}{path}", {"colour": "red"})
        assert response.status_code == 400, path
        assert "colour" in response.json()["description"]


def test_errors_are_the_exception_object(token_reader, ogc, world):
    for response in (
        token_reader.get(f"{OGC}/collections/nowhere"),
        token_reader.get(f"{OGC}/collections/nowhere/items"),
        token_reader.items("buildings", crs="EPSG:32648"),
        ogc.get(f"{OGC}/collections"),  # no credentials
    ):
        assert response.status_code in (400, 401, 404)
        assert media(response) == "application/json"
        assert set(response.json()) == {"code", "description"}


def test_a_single_item_is_a_feature_with_links(token_reader, world):
    building = world["buildings"]["wuhou"][0]
    response = token_reader.item("buildings", building.pk)
    assert (response.status_code, media(response)) == (200, GEOJSON)
    assert response["Content-Crs"] == f"<{CRS84}>"
    feature = response.json()
    assert (feature["type"], feature["id"]) == ("Feature", building.pk)
    assert feature["geometry"]["type"] == "MultiPolygon"
    found = links(feature)
    assert found["self"]["href"].endswith(f"/ogc/collections/buildings/items/{building.pk}")
    assert found["collection"]["type"] == "application/json"


def test_divisions_are_keyed_by_code(token_reader, world):
    response = token_reader.item("divisions", "510104")
    assert response.status_code == 200
    assert response.json()["properties"]["name"] == "锦江区"


def test_an_unknown_and_an_unreadable_feature_answer_alike(ogc, county, world):
    ogc.force_login(county)
    outside = world["buildings"]["wuhou"][0].pk
    unreadable = ogc.item("buildings", outside)
    unknown = ogc.item("buildings", 999_999_999)
    not_a_key = ogc.item("buildings", "abc")
    assert unreadable.status_code == unknown.status_code == not_a_key.status_code == 404
    assert unreadable.content == unknown.content == not_a_key.content


# -- the OpenAPI document -------------------------------------------------------------------------


def resolve(document, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_api_definition_is_valid_openapi_30(token_reader, world):
    response = token_reader.get(f"{OGC}/api")
    assert response.status_code == 200
    assert media(response) == "application/vnd.oai.openapi+json"
    document = response.json()
    assert document["openapi"].startswith("3.0.")
    validate_schema(document)  # drf-spectacular's copy of the OpenAPI 3.0 JSON Schema
    for ref in refs(document):
        resolve(document, ref)
    for path, item in document["paths"].items():
        for operation in item.values():
            names = set()
            for parameter in operation.get("parameters", []):
                if "$ref" in parameter:
                    parameter = resolve(document, parameter["$ref"])
                assert {"name", "in", "schema"} <= set(parameter), (path, parameter)
                names.add((parameter["name"], parameter["in"]))
            assert len(names) == len(operation.get("parameters", [])), path
            templated = {part[1:-1] for part in path.split("/") if part.startswith("{")}
            assert templated == {name for name, where in names if where == "path"}, path


# Filters named like a property but meaning something else: accepted, not listed, so GDAL never
# sends a -where equality on the property to them.
UNLISTED = {"division", "category", "parent"}


def test_the_api_definition_offers_the_collections_filters(token_reader, world):
    document = token_reader.get(f"{OGC}/api").json()
    for collection in COLLECTIONS.values():
        operation = document["paths"][f"/collections/{collection.id}/items"]["get"]
        names = {p.get("name") for p in operation["parameters"]}
        listed = set(collection.filters()) - UNLISTED
        assert listed <= names
        assert not (names & UNLISTED & set(collection.property_fields))


def test_an_unlisted_filter_is_still_accepted(token_reader, world):
    assert token_reader.items("buildings", division="510104").status_code == 200


# -- schemas --------------------------------------------------------------------------------------

FORMATS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "date-time": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z"),
}
JSON_TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float, str)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_the_schema_types_what_items_answer(token_reader, world, collection_id):
    response = token_reader.get(f"{OGC}/collections/{collection_id}/schema")
    assert (response.status_code, media(response)) == (200, "application/schema+json")
    schema = response.json()["properties"]["properties"]["properties"]
    features = token_reader.items(collection_id, limit=1000).json()["features"]
    for feature in features:
        assert set(feature["properties"]) == set(schema), collection_id
        for name, value in feature["properties"].items():
            kinds = schema[name]["type"]
            kinds = kinds if isinstance(kinds, list) else [kinds]
            assert any(JSON_TYPES[kind](value) for kind in kinds), (name, value, kinds)
            if value is not None and "format" in schema[name]:
                assert FORMATS[schema[name]["format"]].fullmatch(value), (name, value)


def test_other_methods_are_refused_with_the_exception_object(token_reader, world):
    response = token_reader.post(f"{OGC}/collections/buildings/items", {})
    assert response.status_code == 405
    assert response.json()["code"] == "MethodNotAllowed"
    assert "GET" in response["Allow"]


def test_json_is_answered_whatever_the_client_accepts(token_reader, world):
    response = token_reader.get(f"{OGC}/collections", HTTP_ACCEPT="text/html,*/*;q=0.1")
    assert (response.status_code, media(response)) == (200, "application/json")
    assert token_reader.get(f"{OGC}/collections", {"f": "html"}).status_code == 400
