"""Part 2 (CRS by reference): features in the CRS asked, in its authority's axis order, named
by ``Content-Crs``; bounding boxes in the CRS ``bbox-crs`` names, across the antimeridian too."""

from urllib.parse import parse_qs, urlparse

import pytest
from pyproj import Transformer

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def lon_lat_to(srid: int, lon: float, lat: float) -> tuple[float, float]:
    """x, y of pyproj's always-x-first order."""
    return Transformer.from_crs(4490, srid, always_xy=True).transform(lon, lat)


@pytest.mark.parametrize(
    ("name", "srid", "flipped"),
    [
        ("EPSG:4490", 4490, True),
        (f"{EPSG}4326", 4326, True),
        (f"{EPSG}4544", 4544, True),  # CGCS2000 GK zone CM 105°E: northing, easting
        ("[EPSG:4523]", 4523, True),  # the same zone with its number before the easting
        (f"{EPSG}3857", 3857, False),
    ],
)
def test_a_feature_is_answered_in_the_authoritys_axis_order(reader, world, name, srid, flipped):
    unit = world["units"]["jinjiang"]
    response = reader.item("units", unit.pk, crs=name)
    assert response.status_code == 200, response.content
    assert response["Content-Crs"] == f"<{EPSG}{srid}>"
    x, y = lon_lat_to(srid, unit.location.x, unit.location.y)
    expected = [y, x] if flipped else [x, y]
    tolerance = 1e-6 if srid in (4490, 4326) else 1e-2
    assert response.json()["geometry"]["coordinates"] == pytest.approx(expected, abs=tolerance)


def test_a_page_in_a_gauss_kruger_crs_has_metric_coordinates(reader, world):
    response = reader.items("buildings", crs=f"{EPSG}4544", limit=1000)
    assert response["Content-Crs"] == f"<{EPSG}4544>"
    document = response.json()
    self_link = next(link for link in document["links"] if link["rel"] == "self")
    assert parse_qs(urlparse(self_link["href"]).query)["crs"] == [f"{EPSG}4544"]
    ring = next(f for f in document["features"] if f["geometry"])["geometry"]["coordinates"][0][0]
    northing, easting = ring[0]
    assert 3_300_000 < northing < 3_500_000
    assert 300_000 < easting < 500_000


def test_the_default_is_crs84_longitude_first(reader, world):
    unit = world["units"]["jinjiang"]
    response = reader.item("units", unit.pk)
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert response.json()["geometry"]["coordinates"] == pytest.approx([104.08, 30.63])


def test_an_unsupported_crs_is_refused(reader, world):
    for response in (
        reader.items("units", crs="EPSG:32648"),
        reader.item("units", world["units"]["jinjiang"].pk, crs="EPSG:32648"),
    ):
        assert response.status_code == 400
        assert response.json()["description"].startswith("crs:")


# -- bbox and bbox-crs ----------------------------------------------------------------------------


def unit_ids(world, *names):
    return sorted(world["units"][name].pk for name in names)


def test_a_crs84_bbox_selects_the_records_meeting_it(reader, world):
    # 锦江区 (104.08, 30.63) and 武侯区 (104.04, 30.63), not 涪城区 (104.74, 31.46).
    assert reader.ids("units", bbox="104.0,30.6,104.1,30.7") == unit_ids(world, "jinjiang", "wuhou")
    assert reader.ids("units", bbox="104.06,30.6,104.1,30.7") == unit_ids(world, "jinjiang")
    assert reader.ids("units", bbox="104.06,30.6,0,104.1,30.7,100") == unit_ids(world, "jinjiang")
    assert reader.ids("units", bbox="100,20,101,21") == []


def test_an_epsg_4490_bbox_is_latitude_first(reader, world):
    selected = reader.ids("units", bbox="30.6,104.06,30.7,104.1", **{"bbox-crs": "EPSG:4490"})
    assert selected == unit_ids(world, "jinjiang")
    # The same numbers read longitude first are no box on Earth.
    assert reader.items("units", bbox="30.6,104.06,30.7,104.1").status_code == 400


def test_a_gauss_kruger_bbox_is_northing_first(reader, world):
    jinjiang = world["units"]["jinjiang"].location
    easting, northing = lon_lat_to(4544, jinjiang.x, jinjiang.y)
    box = f"{northing - 500},{easting - 500},{northing + 500},{easting + 500}"
    selected = reader.ids("units", bbox=box, **{"bbox-crs": f"{EPSG}4544"})
    assert selected == unit_ids(world, "jinjiang")


def test_an_antimeridian_bbox_selects_both_sides(reader, world):
    # From 170°E eastwards across 180° to 104.06°E: 武侯区 (104.04°E), not 锦江区 (104.08°E).
    assert reader.ids("units", bbox="170,30,104.06,32") == unit_ids(world, "wuhou")
    assert reader.ids("units", bbox="104.7,30,104.06,32") == unit_ids(world, "wuhou", "fucheng")


def test_polygons_meet_a_bbox_by_their_footprint(reader, world):
    first, second = world["buildings"]["jinjiang"]
    # The first footprint spans 104.0816..104.0824°E; the second 104.0836..104.0844°E.
    assert reader.ids("buildings", bbox="104.0820,30.62,104.0830,30.64") == [first.pk]
    assert reader.ids("buildings", bbox="104.0825,30.62,104.0840,30.64") == [second.pk]
