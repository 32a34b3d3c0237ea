"""Items as the other channels see the same records: the REST API's properties, the same scope
and confidentiality, the FilterSets' filters, RFC 7946 winding, datetime on instant and interval
properties, one feature statement a page, and the security audit of classified records."""

import itertools

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db.models import Q

from portal.audits.choices import AuditAction
from portal.buildings.models import Building
from portal.core.choices import Confidentiality
from portal.features.collections import COLLECTIONS
from portal.org.models import AdminDivision
from tests.factories import BuildingFactory
from tests.portal.audits.conftest import events


def asset_ids(world, *names):
    return sorted(world["assets"][name].pk for name in names)


# -- the REST API's properties, built by PostGIS --------------------------------------------------


@pytest.mark.parametrize(
    ("collection_id", "record"),
    [
        ("buildings", lambda world: world["buildings"]["jinjiang"][0]),
        ("assets", lambda world: world["assets"]["2022-03-01"]),
        ("units", lambda world: world["units"]["wuhou"]),
    ],
)
def test_properties_are_the_rest_apis(reader, world, collection_id, record):
    found = record(world)
    ogc = reader.item(collection_id, found.pk).json()
    rest = reader.get(f"/api/{collection_id}/{found.pk}/").json()
    geometries = {"footprint", "location", "geom"}
    expected = {k: v for k, v in rest["properties"].items() if k not in geometries}
    assert ogc["properties"] == expected
    listed = reader.items(collection_id, limit=1000).json()["features"]
    assert next(f for f in listed if f["id"] == found.pk) == {
        k: v for k, v in ogc.items() if k != "links"
    }


def ring_area(ring) -> float:
    """The shoelace sum: positive for a counter-clockwise ring."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def test_polygons_are_wound_counter_clockwise(reader, world):
    outer = ((104.0, 30.0), (104.0, 30.01), (104.01, 30.01), (104.01, 30.0), (104.0, 30.0))
    hole = ((104.002, 30.002), (104.008, 30.002), (104.008, 30.008), (104.002, 30.002))
    clockwise = BuildingFactory(
        managing_unit=world["units"]["jinjiang"],
        footprint=MultiPolygon(Polygon(outer, hole), srid=4490),
    )
    assert ring_area(outer) < 0 < ring_area(hole)  # stored wound against the rule
    geometry = reader.item("buildings", clockwise.pk).json()["geometry"]
    ((exterior, interior),) = geometry["coordinates"]
    assert ring_area(exterior) > 0 > ring_area(interior)
    for feature in reader.items("buildings", limit=1000).json()["features"]:
        for polygon in (feature["geometry"] or {"coordinates": []})["coordinates"]:
            assert ring_area(polygon[0]) > 0


def test_a_building_without_footprint_has_no_geometry(reader, world):
    feature = reader.item("buildings", world["buildings"]["unmapped"].pk).json()
    assert feature["geometry"] is None


# -- attribute filters ----------------------------------------------------------------------------


def test_the_filtersets_filters_select_records(reader, world):
    units = world["units"]
    assert reader.ids("assets", status="idle") == asset_ids(world, "2022-03-01")
    assert reader.ids("assets", division="510107") == asset_ids(world, "wuhou-2021-06-30")
    assert reader.ids("assets", unit=units["fucheng"].credit_code) == asset_ids(world, "undated")
    wuhou = sorted(b.pk for b in world["buildings"]["wuhou"])
    assert reader.ids("buildings", division="510107", use_type="office") == wuhou
    assert reader.ids("units", q=units["wuhou"].name) == [units["wuhou"].pk]


@pytest.mark.parametrize(
    ("collection_id", "name", "value"),
    [
        ("assets", "status", "lost-at-sea"),
        ("buildings", "use_type", "castle"),
        ("assets", "division", "999999"),
    ],
)
def test_a_bad_filter_value_is_refused_naming_it(reader, world, collection_id, name, value):
    response = reader.items(collection_id, **{name: value})
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "InvalidParameterValue"
    assert error["description"].startswith(f"{name}:")


# -- datetime -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-06-30", ["2021-06-30", "wuhou-2021-06-30"]),
        ("2021-06-30T12:00:00Z", ["2021-06-30", "wuhou-2021-06-30"]),  # 20:00 in Chengdu
        ("2021-06-29T17:00:00Z", ["2021-06-30", "wuhou-2021-06-30"]),  # 01:00 the next day
        ("2021-06-29", []),
        ("2020-01-01/2021-12-31", ["2020-01-15", "2021-06-30", "wuhou-2021-06-30"]),
        ("2021-07-01/..", ["2022-03-01"]),
        ("../2020-12-31", ["2020-01-15"]),
        # A date property is compared by its local day: 2022-03-01T00:00Z is 08:00 that day.
        (
            "2021-06-30T00:00:00Z/2022-03-01T00:00:00Z",
            ["2021-06-30", "wuhou-2021-06-30", "2022-03-01"],
        ),
        ("2021-06-30T00:00:00Z/2022-02-28T15:59:59Z", ["2021-06-30", "wuhou-2021-06-30"]),
    ],
)
def test_datetime_on_an_instant_property(reader, world, value, expected):
    assert reader.ids("assets", datetime=value) == asset_ids(world, *expected)


def divisions_valid(**lookup) -> list[str]:
    """The current divisions whose validity (from ``valid_from``, open-ended) meets ``lookup``."""
    current = AdminDivision.objects.current()
    return sorted(current.filter(Q(valid_from__isnull=True) | Q(**lookup)).values_list("code"))


@pytest.mark.parametrize(
    ("value", "valid_on_or_before"),
    [
        ("2020-01-01", "2020-01-01"),
        ("2021-06-30", "2021-06-30"),
        ("2021-06-29T16:00:00Z", "2021-06-30"),  # midnight in Chengdu
        ("../2021-06-29", "2021-06-29"),
        ("2018-01-01/2018-12-31", "2018-12-31"),
        ("2021-07-01/..", "9999-12-31"),
    ],
)
def test_datetime_on_an_interval_property(reader, world, value, valid_on_or_before):
    expected = [code for (code,) in divisions_valid(valid_from__lte=valid_on_or_before)]
    assert reader.ids("divisions", datetime=value, limit=1000) == expected
    assert ("510107" in expected) == (valid_on_or_before >= "2021-06-30")
    assert ("510104" in expected) == (valid_on_or_before >= "2019-01-01")


# -- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("collection_id", [c for c in COLLECTIONS if not COLLECTIONS[c].reference])
def test_a_county_officer_reads_exactly_what_visible_to_gives(ogc, county, world, collection_id):
    ogc.force_login(county)
    collection = COLLECTIONS[collection_id]
    expected = sorted(collection.model.objects.visible_to(county).values_list("pk", flat=True))
    assert expected
    assert ogc.ids(collection_id, limit=1000) == expected
    for pk in collection.model.objects.exclude(pk__in=expected).values_list("pk", flat=True):
        assert ogc.item(collection_id, pk).status_code == 404


def test_classified_records_stay_hidden_without_clearance(reader, world):
    secret = world["buildings"]["secret"].pk
    assert secret not in reader.ids("buildings", limit=1000)
    assert reader.item("buildings", secret).status_code == 404


def test_no_credentials_no_features(ogc, world):
    response = ogc.items("buildings")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# -- one statement a page -------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [2, 1000])
def test_a_page_is_one_feature_statement(token_reader, world, django_assert_max_num_queries, limit):
    # The token and its user, read by the password-change middleware and again by DRF; then the
    # page (features and the next-page probe), whatever its size.
    with django_assert_max_num_queries(3):
        response = token_reader.items("buildings", limit=limit, datetime="2000-01-01/..")
    assert response.json()["numberReturned"] == min(limit, 6)


def test_a_filtered_page_in_a_crs_is_one_statement_too(
    reader, world, django_assert_max_num_queries
):
    # Session and user, the division filter's lookup, the page, and the session's activity
    # stamp (an update in a savepoint: three statements).
    with django_assert_max_num_queries(7):
        response = reader.items("buildings", division="510104", crs="EPSG:4544", bbox="0,0,180,90")
    assert response.json()["numberReturned"] == 2


# -- security audit -------------------------------------------------------------------------------


def test_classified_records_on_a_page_are_recorded(ogc, cleared, world):
    ogc.force_login(cleared)
    secret = world["buildings"]["secret"]
    assert secret.pk in ogc.ids("buildings", limit=1000)
    (event,) = events(AuditAction.CONFIDENTIAL_VIEW)
    assert event.user_id == cleared.pk
    assert event.detail == {
        "model": "buildings.Building",
        "pks": [secret.pk],
        "channel": "ogc_items",
    }


def test_a_page_without_classified_records_is_not_recorded(ogc, cleared, world):
    ogc.force_login(cleared)
    assert ogc.ids("buildings", division="510107")
    assert ogc.ids("divisions")
    assert not events(AuditAction.CONFIDENTIAL_VIEW)


def test_only_the_pages_classified_records_are_recorded(ogc, cleared, world):
    ogc.force_login(cleared)
    secret = world["buildings"]["secret"]
    readable = Building.objects.visible_to(cleared).order_by("pk")
    before = list(readable.values_list("pk", flat=True)).index(secret.pk)
    assert before > 0
    ogc.ids("buildings", limit=before)  # the page just before the secret building
    assert not events(AuditAction.CONFIDENTIAL_VIEW)
    ogc.ids("buildings", limit=1, offset=before)
    assert len(events(AuditAction.CONFIDENTIAL_VIEW)) == 1


def test_a_classified_feature_read_alone_is_recorded(ogc, cleared, world):
    ogc.force_login(cleared)
    secret = world["buildings"]["secret"]
    assert ogc.item("buildings", secret.pk, crs="EPSG:4490").status_code == 200
    (event,) = events(AuditAction.CONFIDENTIAL_VIEW)
    assert event.detail == {
        "model": "buildings.Building",
        "pk": secret.pk,
        "level": Confidentiality.SECRET,
        "channel": "ogc",
    }
    assert event.target == f"buildings.Building {secret.pk}"
    assert ogc.item("buildings", world["buildings"]["wuhou"][0].pk).status_code == 200
    assert len(events(AuditAction.CONFIDENTIAL_VIEW)) == 1
