"""Tests for gis.china: GCJ-02 and BD-09 conversions."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from gis.china import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="GRS80")

mainland_lon = st.floats(min_value=73.0, max_value=135.0)
mainland_lat = st.floats(min_value=18.0, max_value=53.0)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


# An independent transcription of the classic one-step JavaScript formulas (coordtransform),
# kept deliberately naive so that a slip in the vectorised code cannot be mirrored here.
def classic_wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    a, ee, pi = 6378245.0, 0.00669342162296594323, 3.1415926535897932384626
    x, y = lng - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * pi) + 320 * math.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlng += (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlng += (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlng += (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1 - ee * math.sin(radlat) * math.sin(radlat)
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrtmagic) * pi)
    dlng = (dlng * 180.0) / (a / sqrtmagic * math.cos(radlat) * pi)
    return lng + dlng, lat + dlat


def classic_gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    x_pi = 3.14159265358979324 * 3000.0 / 180.0
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


@settings(max_examples=200, deadline=None)
@given(mainland_lon, mainland_lat)
def test_forward_formulas_match_classic_transcription(lon: float, lat: float) -> None:
    gcj = wgs84_to_gcj02(lon, lat)
    assert gcj == pytest.approx(classic_wgs84_to_gcj02(lon, lat), abs=1e-9)
    assert gcj02_to_bd09(*gcj) == pytest.approx(classic_gcj02_to_bd09(*gcj), abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(mainland_lon, mainland_lat)
def test_wgs84_gcj02_round_trip_within_a_centimetre(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert distance_m(lon, lat, *back) < 0.01


@settings(max_examples=150, deadline=None)
@given(mainland_lon, mainland_lat)
def test_gcj02_bd09_round_trip_within_a_centimetre(lon: float, lat: float) -> None:
    back = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert distance_m(lon, lat, *back) < 0.01


@settings(max_examples=100, deadline=None)
@given(mainland_lon, mainland_lat)
def test_wgs84_bd09_round_trip_within_a_centimetre(lon: float, lat: float) -> None:
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert distance_m(lon, lat, *back) < 0.01


def test_round_trips_over_dense_grid() -> None:
    # A 0.2° grid over the whole mainland box in one vectorised call, complementing the
    # random points above with systematic coverage.
    grid = np.meshgrid(np.arange(73.0, 135.01, 0.2), np.arange(18.0, 53.01, 0.2))
    lons, lats = grid[0].ravel(), grid[1].ravel()
    for forward, inverse in ((wgs84_to_gcj02, gcj02_to_wgs84), (gcj02_to_bd09, bd09_to_gcj02)):
        back_lon, back_lat = inverse(*forward(lons, lats))
        assert float(np.max(GEOD.inv(lons, lats, back_lon, back_lat)[2])) < 0.01


def test_iterative_inverse_beats_one_step_approximation() -> None:
    # Near Chengdu the published one-step inverse (subtract the offset found at the GCJ-02
    # point) is off by decimetres; the iteration must be far better than that.
    lon, lat = 104.0665, 30.5723
    glon, glat = wgs84_to_gcj02(lon, lat)
    olon, olat = wgs84_to_gcj02(glon, glat)
    one_step = (2 * glon - olon, 2 * glat - olat)
    assert distance_m(lon, lat, *one_step) > 0.05
    assert distance_m(lon, lat, *gcj02_to_wgs84(glon, glat)) < 1e-6


def test_tiananmen_published_pair() -> None:
    # The commonly published WGS84 → GCJ-02 pair for Tiananmen.
    lon, lat = wgs84_to_gcj02(116.391305, 39.907230)
    assert distance_m(lon, lat, 116.397549, 39.908632) < 5.0


# Test vectors published by gcoord (MIT, github.com/hujiulong/gcoord, test/unit/crs/*.spec.ts)
# for the point (123, 45). gcoord asserts them with Jest's toBeCloseTo(…, 5), i.e. to within
# 5e-6 degrees, which is the tolerance used here; gcoord's BD-09 inverse is one-step, ours exact.
GCOORD_VECTORS = [
    (wgs84_to_gcj02, (123.00607541, 45.00197815)),
    (gcj02_to_wgs84, (122.99395597, 44.99804071)),
    (gcj02_to_bd09, (123.00636499, 45.00636899)),
    (bd09_to_gcj02, (122.99363304, 44.99365430)),
    (wgs84_to_bd09, (123.0124491, 45.0083293)),
    (bd09_to_wgs84, (122.98762210, 44.99171540)),
]


@pytest.mark.parametrize(("conversion", "expected"), GCOORD_VECTORS)
def test_gcoord_published_vectors(
    conversion: Callable[[float, float], tuple[float, float]], expected: tuple[float, float]
) -> None:
    assert conversion(123.0, 45.0) == pytest.approx(expected, abs=5e-6)


@settings(max_examples=100, deadline=None)
@given(mainland_lon, mainland_lat)
def test_gcj02_offset_magnitude(lon: float, lat: float) -> None:
    # Across the mainland box the offset ranges from ~40 m (Qaidam basin) to ~700 m.
    assert 10.0 < distance_m(lon, lat, *wgs84_to_gcj02(lon, lat)) < 700.0


@settings(max_examples=100, deadline=None)
@given(st.floats(97.35, 110.2), st.floats(26.05, 34.32))
def test_gcj02_offset_magnitude_in_sichuan_chongqing(lon: float, lat: float) -> None:
    assert 100.0 < distance_m(lon, lat, *wgs84_to_gcj02(lon, lat)) < 700.0


ALL_CONVERSIONS = [
    wgs84_to_gcj02,
    gcj02_to_wgs84,
    gcj02_to_bd09,
    bd09_to_gcj02,
    wgs84_to_bd09,
    bd09_to_wgs84,
]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(mainland_lon, mainland_lat), min_size=1, max_size=20))
def test_vectorised_equals_scalar(points: list[tuple[float, float]]) -> None:
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    for conversion in ALL_CONVERSIONS:
        xs, ys = conversion(lons, lats)
        scalar = np.array([conversion(lon, lat) for lon, lat in points])
        # Iteration stops when every element has converged, so arrays may run one more
        # step than a lone point: agreement is to far below a millimetre, not bit-exact.
        np.testing.assert_allclose(xs, scalar[:, 0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(ys, scalar[:, 1], rtol=0, atol=1e-9)


def test_scalar_in_scalar_out_and_shape_preserved() -> None:
    lon, lat = wgs84_to_gcj02(104.0, 30.0)
    assert type(lon) is float
    assert type(lat) is float
    grid = np.full((2, 3), 104.0), np.full((2, 3), 30.0)
    xs, ys = gcj02_to_wgs84(*grid)
    assert xs.shape == (2, 3)
    assert ys.shape == (2, 3)


@pytest.mark.parametrize(
    "point",
    [(183.0, 45.0), (0.0, 0.0), (-74.006, 40.7128), (139.6917, 35.6895), (100.0, 60.0)],
)
def test_points_outside_china_unchanged(point: tuple[float, float]) -> None:
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_mixed_array_leaves_outside_points_untouched() -> None:
    lons, lats = np.array([183.0, 104.0]), np.array([45.0, 30.0])
    xs, ys = wgs84_to_gcj02(lons, lats)
    assert (xs[0], ys[0]) == (183.0, 45.0)
    assert (xs[1], ys[1]) != (104.0, 30.0)


def test_inside_china() -> None:
    assert not out_of_china(104.0665, 30.5723)


def test_non_finite_points_pass_through_without_warnings() -> None:
    # pyproject turns RuntimeWarning into an error, so a numpy warning would fail here.
    lons = np.array([np.nan, np.inf, 104.0])
    lats = np.array([30.0, 30.0, -np.inf])
    for conversion in ALL_CONVERSIONS:
        xs, ys = conversion(lons, lats)
        np.testing.assert_array_equal(xs, lons)
        np.testing.assert_array_equal(ys, lats)
