"""Tests for gis.crs: zones, EPSG codes, transformations, measures and import heuristics."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from gis.crs import (
    CHINA_BBOX,
    GK3_ZONES,
    GK6_ZONES,
    STORAGE_SRID,
    WEB_MERCATOR_SRID,
    WGS84_SRID,
    detect_prefixed_easting,
    detect_swapped_lonlat,
    ensure_supported_crs,
    epsg_for_zone,
    from_gk,
    geodesic_area_m2,
    geodesic_length_m,
    gk_central_meridian,
    gk_zone,
    gk_zone_epsg,
    strip_zone_prefix,
    to_gk,
    transformer,
)
from gis.errors import CoordinateError, CRSError, GeometryError, LegacyDatumError

CHENGDU = (104.0665, 30.5723)


def test_srid_constants() -> None:
    assert pyproj.CRS.from_epsg(STORAGE_SRID).name == "China Geodetic Coordinate System 2000"
    assert pyproj.CRS.from_epsg(WGS84_SRID).name == "WGS 84"
    assert pyproj.CRS.from_epsg(WEB_MERCATOR_SRID).name == "WGS 84 / Pseudo-Mercator"


@pytest.mark.parametrize(
    ("lon", "epsg"),
    [(96.0, 4541), (99.0, 4542), (102.0, 4543), (104.07, 4544), (108.0, 4545), (111.0, 4546)],
)
def test_domain_table_of_3_degree_codes(lon: float, epsg: int) -> None:
    assert gk_zone_epsg(lon) == epsg


def test_chengdu_codes() -> None:
    assert gk_zone(104.07) == 35
    assert gk_central_meridian(104.07) == 105.0
    assert gk_zone_epsg(104.07) == 4544
    assert gk_zone_epsg(104.07, prefixed=True) == 4523
    assert gk_zone(104.07, width=6) == 18
    assert gk_central_meridian(104.07, width=6) == 105.0
    assert gk_zone_epsg(104.07, width=6) == 4507
    assert gk_zone_epsg(104.07, width=6, prefixed=True) == 4496


def test_zone_boundary_rounds_half_up_not_to_even() -> None:
    # round(109.5 / 3) == round(36.5) == 36 in Python; the Gauss-Krüger rule gives zone 37.
    assert gk_zone(109.5) == 37
    assert gk_zone_epsg(109.5) == 4546
    assert gk_zone(109.49) == 36


@pytest.mark.parametrize("zone", GK3_ZONES)
def test_every_3_degree_code_matches_pyproj(zone: int) -> None:
    plain = pyproj.CRS.from_epsg(epsg_for_zone(zone))
    prefixed = pyproj.CRS.from_epsg(epsg_for_zone(zone, prefixed=True))
    assert plain.name == f"CGCS2000 / 3-degree Gauss-Kruger CM {3 * zone}E"
    assert prefixed.name == f"CGCS2000 / 3-degree Gauss-Kruger zone {zone}"
    assert gk_zone_epsg(3.0 * zone) == epsg_for_zone(zone)


@pytest.mark.parametrize("zone", GK6_ZONES)
def test_every_6_degree_code_matches_pyproj(zone: int) -> None:
    plain = pyproj.CRS.from_epsg(epsg_for_zone(zone))
    prefixed = pyproj.CRS.from_epsg(epsg_for_zone(zone, prefixed=True))
    assert plain.name == f"CGCS2000 / Gauss-Kruger CM {6 * zone - 3}E"
    assert prefixed.name == f"CGCS2000 / Gauss-Kruger zone {zone}"
    assert gk_zone_epsg(6.0 * zone - 3.0, width=6) == epsg_for_zone(zone)


@pytest.mark.parametrize(("lon", "width"), [(10.0, 3), (140.0, 3), (60.0, 6), (140.0, 6)])
def test_longitudes_outside_china_zones(lon: float, width: int) -> None:
    with pytest.raises(CRSError, match="outside China"):
        gk_zone_epsg(lon, width)


def test_zone_input_validation() -> None:
    with pytest.raises(CoordinateError):
        gk_zone(200.0)
    with pytest.raises(CoordinateError):
        gk_zone(float("nan"))
    with pytest.raises(ValueError, match="3 or 6"):
        gk_zone(104.0, width=4)
    with pytest.raises(CRSError):
        epsg_for_zone(24)


def test_transformer_is_cached_and_lon_lat_ordered() -> None:
    first = transformer(STORAGE_SRID, 4544)
    assert transformer(STORAGE_SRID, 4544) is first
    x, y = first.transform(*CHENGDU)
    assert 400_000 < x < 420_000  # easting first despite the CRS's northing/easting order
    assert 3_300_000 < y < 3_400_000


def test_transformer_rejects_garbage() -> None:
    with pytest.raises(CRSError):
        transformer("not a crs", STORAGE_SRID)


def test_to_gk_and_back_scalar() -> None:
    x, y, epsg = to_gk(*CHENGDU)
    assert epsg == 4544
    assert isinstance(x, float)
    lon, lat = from_gk(x, y, epsg)
    assert (lon, lat) == pytest.approx(CHENGDU, abs=1e-9)


def test_to_gk_arrays_share_one_zone() -> None:
    # 104.4°E and 106.6°E straddle the 106.5° boundary; the centre 105.5° picks zone 35.
    lons, lats = np.array([104.4, 106.6]), np.array([30.0, 30.1])
    xs, ys, epsg = to_gk(lons, lats)
    assert epsg == 4544
    back_lon, back_lat = from_gk(xs, ys, epsg)
    np.testing.assert_allclose(back_lon, lons, atol=1e-9)
    np.testing.assert_allclose(back_lat, lats, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.floats(97.35, 110.2), st.floats(26.05, 34.32))
def test_gk_round_trip_over_sichuan_chongqing(lon: float, lat: float) -> None:
    x, y, epsg = to_gk(lon, lat)
    assert from_gk(x, y, epsg) == pytest.approx((lon, lat), abs=1e-9)


def test_prefixed_easting_round_trip() -> None:
    plain_x, _, _ = to_gk(*CHENGDU)
    prefixed_x, _, epsg = to_gk(*CHENGDU, epsg=4523)
    assert epsg == 4523
    assert detect_prefixed_easting(prefixed_x) == 35
    zone, stripped = strip_zone_prefix(prefixed_x)
    assert zone == 35
    assert stripped == pytest.approx(plain_x, abs=1e-6)


def test_to_gk_rejects_swapped_or_projected_input() -> None:
    with pytest.raises(CoordinateError, match="out of range"):
        to_gk(CHENGDU[1] * 10, CHENGDU[0])
    with pytest.raises(CoordinateError):
        to_gk(np.array([]), np.array([]))


def test_from_gk_rejects_other_crs() -> None:
    with pytest.raises(CRSError, match="not a CGCS2000 Gauss-Kr"):
        from_gk(410_000.0, 3_380_000.0, 32648)


def square_near_chengdu(size: float) -> tuple[Polygon, float]:
    """A square drawn in Gauss-Krüger metres, unprojected to lon/lat, with its planar area."""
    x0, y0, epsg = to_gk(*CHENGDU)
    corners = [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)]
    return Polygon([from_gk(x, y, epsg) for x, y in corners]), size * size


def test_geodesic_area_of_square_matches_gk_area() -> None:
    # 90 km west of the central meridian the GK scale error is ~1e-4, well inside 0.1%.
    square, planar = square_near_chengdu(1000.0)
    assert geodesic_area_m2(square) == pytest.approx(planar, rel=1e-3)
    assert geodesic_area_m2(list(square.exterior.coords)) == pytest.approx(planar, rel=1e-3)


def test_geodesic_area_subtracts_holes_whatever_orientation() -> None:
    outer, outer_area = square_near_chengdu(1000.0)
    inner = outer.centroid.buffer(0.001, quad_segs=64)  # ~100 m radius circle, in degrees
    holed = Polygon(outer.exterior.coords, [inner.exterior.coords])
    reversed_rings = Polygon(outer.exterior.coords[::-1], [inner.exterior.coords[::-1]])
    expected = outer_area - geodesic_area_m2(inner)
    assert geodesic_area_m2(holed) == pytest.approx(expected, rel=1e-3)
    assert geodesic_area_m2(reversed_rings) == pytest.approx(geodesic_area_m2(holed))
    assert geodesic_area_m2(holed) < outer_area


def test_geodesic_area_of_multipolygon_and_empty() -> None:
    square, planar = square_near_chengdu(1000.0)
    far = Polygon([(x + 0.1, y) for x, y in square.exterior.coords])
    assert geodesic_area_m2(MultiPolygon([square, far])) == pytest.approx(2 * planar, rel=1e-3)
    assert geodesic_area_m2(Polygon()) == 0.0


def test_geodesic_area_rejects_bad_input() -> None:
    with pytest.raises(GeometryError, match="Point"):
        geodesic_area_m2(Point(104.0, 30.0))
    with pytest.raises(GeometryError):
        geodesic_area_m2([104.0, 30.0])
    with pytest.raises(CoordinateError):
        geodesic_area_m2([(410_000.0, 3_380_000.0), (411_000.0, 3_380_000.0), (0.0, 0.0)])


def test_geodesic_length() -> None:
    # One degree along the GRS80 equator is a·π/180 metres exactly.
    assert geodesic_length_m(LineString([(0, 0), (1, 0)])) == pytest.approx(
        6378137.0 * np.pi / 180.0, rel=1e-12
    )
    assert geodesic_length_m([(0, 0), (1, 0)]) == pytest.approx(111_319.49, abs=0.01)
    square, _ = square_near_chengdu(1000.0)
    assert geodesic_length_m(square) == pytest.approx(4000.0, rel=1e-3)
    assert geodesic_length_m(square.exterior) == pytest.approx(4000.0, rel=1e-3)
    with pytest.raises(GeometryError):
        geodesic_length_m(Point(0, 0))


def test_detect_swapped_lonlat() -> None:
    assert detect_swapped_lonlat(30.66, 104.07)
    assert not detect_swapped_lonlat(104.07, 30.66)
    assert not detect_swapped_lonlat(30.0, 30.0)  # neither reading is in Sichuan–Chongqing
    assert not detect_swapped_lonlat(39.9, 116.4)  # Beijing swapped, outside the default extent
    assert detect_swapped_lonlat(39.9, 116.4, extent=CHINA_BBOX)


@pytest.mark.parametrize(
    ("easting", "zone"),
    [
        (35_410_451.0, 35),  # 3° zone, Chengdu
        (18_500_000.0, 18),  # 6° zone central meridian
        (410_451.0, None),  # no prefix
        (50_410_451.0, None),  # 50 is no zone in China
        (11_585_000.0, None),  # Web Mercator x of Chengdu: prefix 11 is no zone
        (35_050_000.0, None),  # remainder 50 km is no plausible GK easting
        (float("nan"), None),
    ],
)
def test_detect_prefixed_easting(easting: float, zone: int | None) -> None:
    assert detect_prefixed_easting(easting) == zone


def test_strip_zone_prefix() -> None:
    assert strip_zone_prefix(35_410_451.0) == (35, 410_451.0)
    with pytest.raises(CoordinateError, match="zone"):
        strip_zone_prefix(410_451.0)


def test_pyproj_only_has_ballpark_for_legacy_datums() -> None:
    # The reason legacy datums are quarantined: if PROJ ever ships a real transformation,
    # this guard fails and the policy in ensure_supported_crs should be revisited.
    for legacy in (4610, 4214):
        assert "Ballpark" in transformer(legacy, STORAGE_SRID).description


KRASSOWSKY = 'SPHEROID["Krasovsky_1940",6378245.0,298.3]'
IAG_1975 = 'SPHEROID["IAG_75",6378140.0,298.257]'


def geographic_wkt(datum: str, spheroid: str) -> str:
    """A hand-written .prj of the kind that names an ellipsoid but no known datum."""
    return (
        f'GEOGCS["custom",DATUM["{datum}",{spheroid}],PRIMEM["Greenwich",0.0],'
        'UNIT["Degree",0.0174532925199433]]'
    )


@pytest.mark.parametrize(
    "crs",
    [
        4610,  # Xian 1980 geographic
        2327,  # Xian 1980 / Gauss-Kruger zone 13
        2379,  # Xian 1980 / 3-degree Gauss-Kruger CM 102E
        "EPSG:2381",  # Xian 1980 / 3-degree Gauss-Kruger CM 108E
        4214,  # Beijing 1954 geographic
        2432,  # Beijing 1954 / 3-degree Gauss-Kruger CM 105E
        "EPSG:2433",  # Beijing 1954 / 3-degree Gauss-Kruger CM 108E
        pyproj.CRS.from_epsg(2379).to_wkt("WKT1_ESRI"),  # an ArcGIS .prj
        pyproj.CRS.from_epsg(2432).to_wkt("WKT1_GDAL"),
        geographic_wkt("D_Unknown", KRASSOWSKY),  # datum unnamed, Beijing 1954's ellipsoid
        geographic_wkt("D_User_Defined", IAG_1975),  # datum unnamed, Xian 1980's ellipsoid
        # Even with parameters PROJ ignores TOWGS84 on the way to EPSG:4490 (it picks a
        # ballpark), so parameters must be applied by the quarantine workflow instead.
        geographic_wkt("unknown", KRASSOWSKY + ",TOWGS84[15.8,-154.4,-82.3,0,0,0,0]"),
        4284,  # Pulkovo 1942: Krassowsky ellipsoid, and only a ballpark to EPSG:4490 too
    ],
)
def test_legacy_datums_are_refused(crs: int | str) -> None:
    with pytest.raises(LegacyDatumError) as caught:
        ensure_supported_crs(crs)
    assert caught.value.http_status == 422
    assert "legacy datum" in caught.value.user_message


def test_pyproj_names_the_legacy_codes_as_expected() -> None:
    assert pyproj.CRS.from_epsg(2379).name == "Xian 1980 / 3-degree Gauss-Kruger CM 102E"
    assert pyproj.CRS.from_epsg(2432).name == "Beijing 1954 / 3-degree Gauss-Kruger CM 105E"


@pytest.mark.parametrize(
    "crs",
    [
        4490,
        "EPSG:4544",
        "epsg:4326",
        "4544",
        32648,
        pyproj.CRS.from_epsg(4544).to_wkt(),
        pyproj.CRS.from_epsg(4544).to_wkt("WKT1_ESRI"),
        # GDAL writes Web Mercator .prj files with the built-in null grid.
        pyproj.CRS.from_epsg(3857).to_wkt("WKT1_GDAL"),
        geographic_wkt("D_CGCS2000", 'SPHEROID["CGCS2000",6378137.0,298.257222101]'),
    ],
)
def test_supported_crs_are_returned_parsed(crs: int | str) -> None:
    assert isinstance(ensure_supported_crs(crs), pyproj.CRS)


@pytest.mark.parametrize(
    "crs",
    [
        "garbage",
        "EPSG:999999",
        "",
        'LOCAL_CS["site",LOCAL_DATUM["d",0],UNIT["metre",1],AXIS["X",EAST],AXIS["Y",NORTH]]',
        'GEOGCS["unterminated"',
    ],
)
def test_unparsable_or_local_crs(crs: str) -> None:
    with pytest.raises(CRSError) as caught:
        ensure_supported_crs(crs)
    assert type(caught.value) is CRSError


@pytest.mark.parametrize(
    "crs",
    [
        # PROJ strings and PROJJSON can make PROJ read files (+init=/path is read while
        # parsing, as is checked below), so only EPSG references and WKT get through.
        "+proj=longlat +ellps=GRS80 +type=crs",
        "+init=/etc/passwd:root",
        "WGS 84",  # a name, resolved by a database search: ask for a code instead
        pyproj.CRS.from_epsg(4326).to_json(),
        geographic_wkt("d", 'SPHEROID["GRS 1980",6378137,298.257222101]').replace(
            "]],PRIMEM", '],EXTENSION["PROJ4_GRIDS","/etc/passwd"]],PRIMEM'
        ),
        'PROJCS["x",EXTENSION["PROJ4","+proj=longlat +nadgrids=/etc/passwd"]]',
        'PROJCS["x",EXTENSION["PROJ4","+proj=longlat +nadgrids=@null,/etc/passwd"]]',
        'PROJCS["x",EXTENSION["PROJ4","+proj=pipeline +step +proj=hgridshift +grids=a.tif"]]',
        'PROJCS["x",EXTENSION["PROJ4","+proj=tinshift +file=/etc/passwd"]]',
        'GEOGCS["x",EXTENSION["PROJ4","+init=/etc/passwd:root"]]',
    ],
)
def test_text_that_could_read_files_is_refused(crs: str) -> None:
    with pytest.raises(CRSError, match="refused CRS text") as caught:
        ensure_supported_crs(crs)
    assert "EPSG code or as WKT" in caught.value.user_message


def test_proj_init_strings_really_read_files(tmp_path: Path) -> None:
    # Why the refusal above matters: pyproj itself resolves "+init=" against any path.
    init_file = tmp_path / "probe"
    init_file.write_text("<x> +proj=longlat +ellps=krass\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "+init=" syntax is deprecated
        parsed = pyproj.CRS.from_user_input(f"+init={init_file}:x +type=crs")
    assert parsed.ellipsoid is not None
    assert parsed.ellipsoid.semi_major_metre == 6378245.0
    with pytest.raises(CRSError, match="refused"):
        ensure_supported_crs(f"+init={init_file}:x +type=crs")
