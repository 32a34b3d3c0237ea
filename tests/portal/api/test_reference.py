"""Read-only reference data: divisions by code (with light lists), regions and code tables."""

import pytest

from portal.org.models import CooperationRegion
from tests.factories import CategoryFactory, division

pytestmark = pytest.mark.django_db


@pytest.fixture
def divisions():
    return {code: division(code) for code in ("510104", "510107", "510703")}


def codes(response):
    return [feature["id"] for feature in response.json()["features"]]


def test_divisions_by_code_level_and_parent(api, login, divisions):
    login()
    assert codes(api.get("/api/divisions/?level=county")) == ["510104", "510107", "510703"]
    assert codes(api.get("/api/divisions/?parent=510100")) == ["510104", "510107"]
    assert codes(api.get("/api/divisions/?q=锦江")) == ["510104"]
    detail = api.get("/api/divisions/510104/").json()
    assert detail["properties"]["parent"] == "510100"
    assert detail["geometry"]["type"] == "MultiPolygon"


def test_light_division_list_has_no_geometry(api, login, divisions):
    login()
    features = api.get("/api/divisions/?geometry=false").json()["features"]
    assert features
    assert all(feature["geometry"] is None for feature in features)


def test_reference_data_is_read_only(api, login, divisions):
    login()
    assert api.delete("/api/divisions/510104/").status_code == 405
    assert api.post_json("/api/asset-categories/", {"code": "9"}).status_code == 405


def test_cooperation_region_lists_member_codes(
    api, login, divisions, django_assert_max_num_queries
):
    login()
    region = CooperationRegion.objects.create(name="遂潼", kind="cooperation_zone")
    region.members.set([divisions["510703"], divisions["510104"]])
    with django_assert_max_num_queries(6):
        listed = api.get("/api/cooperation-regions/").json()["features"]
    assert listed[0]["properties"]["members"] == ["510104", "510703"]
    assert api.get(f"/api/cooperation-regions/{region.pk}/").json() == listed[0]


def test_code_tables(api, login):
    login()
    CategoryFactory(code="2000000", name="通用设备")
    CategoryFactory(code="2010100", name="计算机")
    rows = api.get("/api/asset-categories/?code=201").json()["results"]
    assert [row["code"] for row in rows] == ["2010100"]
    assert api.get("/api/asset-categories/2010100/").json()["name"] == "计算机"
    assert api.get("/api/space-standards/").json()["results"] == []
    assert api.get("/api/supply-categories/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/divisions/",
        "/api/asset-categories/",
        "/api/supply-categories/",
        "/api/space-standards/",
    ],
)
def test_reference_lists_take_one_query(api, login, divisions, url, django_assert_max_num_queries):
    """Session, user, the page, and the session save (three): parents come in the same query."""
    login()
    CategoryFactory(code="2000000", name="通用设备")
    CategoryFactory(code="2010000", name="计算机设备")
    with django_assert_max_num_queries(6):
        assert api.get(url).status_code == 200
