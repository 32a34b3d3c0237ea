"""Zonal statistics against hand-computed rasters; rasterising, masks and geodesic circles."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from affine import Affine
from shapely.geometry import MultiPolygon, Polygon, box

from gis.geodesy import geodesic_area_m2
from gis.surfaces import CELL_M, REGION_CRS, Surface
from gis.zonal import (
    circle_mask,
    mask_to_multipolygon,
    population_in_mask,
    rasterize_zones,
    zonal_sum,
)

LEFT, TOP = -90_000.0, 3_250_000.0  # Albers metres, just north-west of Chengdu


def grid(rows: int, cols: int, values: np.ndarray | None = None) -> Surface:
    data = np.zeros((rows, cols)) if values is None else values
    return Surface(data, Affine(CELL_M, 0.0, LEFT, 0.0, -CELL_M, TOP), REGION_CRS)


def lonlat_box(surface: Surface, x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A rectangle given in cell widths from the grid's corner (x right, y down), in EPSG:4490."""
    albers = box(LEFT + x0 * CELL_M, TOP - y1 * CELL_M, LEFT + x1 * CELL_M, TOP - y0 * CELL_M)
    dense = shapely.segmentize(albers, 100.0)
    return shapely.transform(dense, lambda xy: np.column_stack(surface.to_lonlat(*xy.T)))


def test_zonal_sum_by_hand() -> None:
    values = np.array([[1.0, 2.0, 3.0], [4.0, np.nan, 6.0], [7.0, 8.0, 9.0]])
    zones = np.array([[1, 1, 2], [0, 2, 2], [3, 3, 0]])
    assert zonal_sum(values, zones) == {1: 3.0, 2: 9.0, 3: 15.0}


def test_zonal_sum_lists_empty_zones_and_refuses_bad_input() -> None:
    assert zonal_sum(np.zeros((2, 2)), np.array([[0, 4], [4, 0]])) == {4: 0.0}
    with pytest.raises(ValueError, match="shape"):
        zonal_sum(np.zeros((2, 2)), np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="non-negative"):
        zonal_sum(np.zeros((1, 1)), np.array([[-1]]))


def test_rasterize_polygon_by_cell_centres() -> None:
    surface = grid(4, 4)
    # Covers the centres of columns 1–2 (at 1.5 and 2.5 widths) and rows 1–2, no others.
    polygon = lonlat_box(surface, 0.8, 0.8, 2.7, 2.7)
    zones = rasterize_zones([polygon], surface)
    expected = np.zeros((4, 4), dtype=np.int32)
    expected[1:3, 1:3] = 1
    np.testing.assert_array_equal(zones, expected)
    assert zones.dtype == np.int32


def test_rasterize_ids_follow_input_order_and_later_wins() -> None:
    surface = grid(3, 4)
    first = lonlat_box(surface, 0.0, 0.0, 2.0, 3.0)
    second = lonlat_box(surface, 1.0, 0.0, 4.0, 1.0)
    zones = rasterize_zones([first, Polygon(), second], surface)
    np.testing.assert_array_equal(zones, [[1, 3, 3, 3], [1, 1, 0, 0], [1, 1, 0, 0]])
    assert not rasterize_zones([], surface).any()


def test_population_in_mask() -> None:
    surface = grid(2, 2, np.array([[10.0, 20.0], [np.nan, 40.0]]))
    assert population_in_mask(surface, [[True, False], [True, True]]) == 50.0
    with pytest.raises(ValueError, match="shape"):
        population_in_mask(surface, [[True]])


def test_mask_to_multipolygon_dissolves_cells() -> None:
    surface = grid(4, 4)
    mask = np.zeros((4, 4), dtype=bool)
    mask[0, 0:2] = mask[1, 0] = True  # an L of three cells
    mask[3, 3] = True  # touching nothing
    shape = mask_to_multipolygon(mask, surface)
    assert isinstance(shape, MultiPolygon)
    assert shape.is_valid
    assert len(shape.geoms) == 2
    # The grid is equal-area: four 1 km² cells are 4 km² on the ellipsoid.
    assert geodesic_area_m2(shape) == pytest.approx(4 * CELL_M**2, rel=1e-4)
    np.testing.assert_array_equal(rasterize_zones([shape], surface) == 1, mask)
    assert mask_to_multipolygon(np.zeros((4, 4), dtype=bool), surface).is_empty


def test_circle_mask_small_radius_by_hand() -> None:
    surface = grid(7, 7)
    lon, lat = surface.centres_lonlat()
    # 1.5 km holds the 8 neighbours (≤ √2 km) but not cells two steps away (≥ 2 km).
    mask = circle_mask(surface, float(lon[3, 3]), float(lat[3, 3]), 1_500.0)
    expected = np.zeros((7, 7), dtype=bool)
    expected[2:5, 2:5] = True
    np.testing.assert_array_equal(mask, expected)


def test_circle_mask_counts_cells_by_geodesic_area() -> None:
    surface = grid(60, 60)
    lon, lat = surface.centres_lonlat()
    radius = 20_000.0
    mask = circle_mask(surface, float(lon[30, 30]), float(lat[30, 30]), radius)
    # On an equal-area grid the cells inside a geodesic circle number about πr² / 1 km².
    assert mask.sum() == pytest.approx(math.pi * radius**2 / CELL_M**2, rel=0.02)


def test_circle_mask_at_the_grid_edge_and_outside() -> None:
    surface = grid(5, 5)
    lon, lat = surface.centres_lonlat()
    corner = circle_mask(surface, float(lon[0, 0]), float(lat[0, 0]), 1_100.0)
    assert corner.sum() == 3
    assert not circle_mask(surface, 110.0, 20.0, 5_000.0).any()
