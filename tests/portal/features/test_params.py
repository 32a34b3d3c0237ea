"""The items query read before any record is: bbox in its CRS's axis order, datetime instants
and intervals, the crs names clients send, limits and unknown parameters (no database)."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone, translation

from portal.features import crs, params
from portal.features.collections import COLLECTIONS
from portal.features.exceptions import InvalidParameterError

ASSETS = COLLECTIONS["assets"]


@pytest.fixture(autouse=True)
def _english():
    """The messages in English, whatever the catalogue says in the default language."""
    with translation.override("en"):
        yield


def read(text: str) -> params.ItemsQuery:
    return params.read(QueryDict(text), ASSETS)


def refused(text: str) -> str:
    with pytest.raises(InvalidParameterError) as caught:
        read(text)
    return str(caught.value.user_message)


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


# -- crs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "srid", "northing_first"),
    [
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4490, False),
        ("CRS84", 4490, False),
        ("http://www.opengis.net/def/crs/EPSG/0/4490", 4490, True),
        ("EPSG:4490", 4490, True),
        ("[EPSG:4490]", 4490, True),
        ("epsg:4490", 4490, True),
        ("EPSG:4326", 4326, True),
        ("http://www.opengis.net/def/crs/EPSG/0/3857", 3857, False),
        ("http://www.opengis.net/def/crs/EPSG/0/4544", 4544, True),
        ("EPSG:4523", 4523, True),
    ],
)
def test_a_crs_is_found_by_uri_or_short_name(name, srid, northing_first):
    found = crs.lookup(name)
    assert (found.srid, found.northing_first) == (srid, northing_first)
    assert crs.lookup(found.uri) == found


@pytest.mark.parametrize("name", ["EPSG:32648", "EPSG:0", "4490", "[EPSG:4490", "", "CRS83"])
def test_other_crs_names_are_not_offered(name):
    assert crs.lookup(name) is None


def test_an_unsupported_crs_is_refused_by_name():
    assert refused("crs=EPSG:32648").startswith("crs:")
    assert refused("bbox=1,2,3,4&bbox-crs=EPSG:32648").startswith("bbox-crs:")


def test_the_default_crs_is_crs84():
    assert read("").crs == crs.DEFAULT
    assert crs.uris()[0] == crs.CRS84


# -- bbox -----------------------------------------------------------------------------------------


def test_a_crs84_bbox_is_longitude_first():
    box = read("bbox=104.0,30.6,104.1,30.7").bbox
    assert box.srid == 4490
    assert box.extent == pytest.approx((104.0, 30.6, 104.1, 30.7))


def test_six_numbers_drop_the_heights():
    box = read("bbox=104.0,30.6,-10,104.1,30.7,500").bbox
    assert box.extent == pytest.approx((104.0, 30.6, 104.1, 30.7))


def test_an_epsg_4490_bbox_is_latitude_first():
    box = read("bbox=30.6,104.0,30.7,104.1&bbox-crs=EPSG:4490").bbox
    assert box.extent == pytest.approx((104.0, 30.6, 104.1, 30.7))


def test_a_gauss_kruger_bbox_is_northing_first_and_transformed():
    # EPSG:4544 (CM 105°E): 104°E, 30.6°N lies about 96 km west of the central meridian.
    box = read(
        "bbox=3386000,404000,3398000,414000&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4544"
    ).bbox
    assert box.srid == 4490
    xmin, ymin, xmax, ymax = box.extent
    assert 103.9 < xmin < xmax < 104.2
    assert 30.5 < ymin < ymax < 30.8


def test_an_antimeridian_bbox_is_two_boxes():
    box = read("bbox=170,-10,-170,10").bbox
    assert box.geom_type == "MultiPolygon"
    assert sorted(part.extent for part in box) == [(-180, -10, -170, 10), (170, -10, 180, 10)]


@pytest.mark.parametrize(
    "value",
    ["1,2,3", "1,2,3,4,5", "a,b,c,d", "1,2,nan,4", "1,2,inf,4", "", "104,40,105,30", "0,0,200,10"],
)
def test_a_bad_bbox_is_refused_naming_it(value):
    if not value:
        assert read("bbox=").bbox is None
        return
    assert "bbox" in refused(f"bbox={value}")


def test_a_metric_bbox_cannot_wrap():
    assert "bbox" in refused("bbox=3390000,414000,3386000,404000&bbox-crs=EPSG:4544")


def test_a_bbox_crs_without_a_bbox_is_still_checked():
    assert read("bbox-crs=EPSG:4490").bbox is None
    assert "bbox-crs" in refused("bbox-crs=EPSG:9999")


# -- datetime -------------------------------------------------------------------------------------


def test_a_date_is_the_whole_day():
    interval = read("datetime=2021-06-30").interval
    assert interval.start == local(2021, 6, 30)
    assert interval.end == local(2021, 6, 30, 23, 59, 59, 999999)


def test_a_date_time_is_an_instant():
    interval = read("datetime=2021-06-30T08:00:00Z").interval
    assert interval.start == interval.end == dt.datetime(2021, 6, 30, 8, tzinfo=dt.UTC)


def test_a_local_date_time_takes_the_portals_time_zone():
    assert read("datetime=2021-06-30T08:00:00").interval.start == local(2021, 6, 30, 8)


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2020-01-01/2021-12-31", (2020, 1, 1), (2021, 12, 31, 23, 59, 59, 999999)),
        ("2021-01-01/..", (2021, 1, 1), None),
        ("../2021-01-01", None, (2021, 1, 1, 23, 59, 59, 999999)),
        ("/2021-01-01", None, (2021, 1, 1, 23, 59, 59, 999999)),
        ("2021-01-01T00:00:00%2B08:00/..", (2021, 1, 1), None),
    ],
)
def test_intervals_closed_and_open(value, start, end):
    interval = read(f"datetime={value}").interval
    assert interval.start == (start and local(*start))
    assert interval.end == (end and local(*end))


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2021-13-01",
        "2021-02-30",
        "2021-06-30T25:00:00Z",
        "../..",
        "2022-01-01/2021-01-01",
        "2021-6-3",
    ],
)
def test_a_bad_datetime_is_refused_naming_it(value):
    assert refused(f"datetime={value}").startswith("datetime")


# -- limit, offset, names -------------------------------------------------------------------------


def test_limit_defaults_and_is_cut_to_the_maximum():
    assert read("").limit == params.DEFAULT_LIMIT
    assert read("limit=5000").limit == params.MAX_LIMIT
    assert (read("limit=7&offset=14").limit, read("limit=7&offset=14").offset) == (7, 14)


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=x", "offset=-1", "offset=1.5"])
def test_a_bad_limit_or_offset_is_refused_naming_it(query):
    assert query.split("=")[0] in refused(query)


def test_an_unknown_parameter_is_refused_by_name():
    assert "colour" in refused("colour=red")


def test_the_collections_attribute_filters_are_parameters():
    query = read("status=idle&category=2010100&limit=3")
    assert query.filters.getlist("status") == ["idle"]
    assert "limit" not in query.filters
    for spatial in ("near", "intersects"):
        assert spatial in refused(f"{spatial}=1")


@pytest.mark.parametrize("value", ["json", "geojson", "JSON"])
def test_json_formats_are_accepted(value):
    read(f"f={value}")


def test_another_format_is_refused():
    assert refused("f=html").startswith("f:")


@pytest.mark.parametrize("value", ["²", "1e3", "99999999999999999999"])
def test_an_offset_no_database_can_take_is_refused(value):
    assert "offset" in refused(f"offset={value}")
