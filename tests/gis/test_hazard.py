"""Hazard weights per cell: zone weight by the cell-centre rule, 1.0 outside, the fixture layer."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from shapely.geometry import Polygon

from gis.hazard import hazard_weights, read_zones, zone_weights
from gis.surfaces import CELL_M, REGION_CRS, Surface, population

# A 4 × 5 grid of 1 km cells in the Albers plane near Chengdu.
LEFT, TOP = -100_000.0, 3_450_000.0


def grid(rows: int = 4, cols: int = 5) -> Surface:
    return Surface(np.ones((rows, cols)), Affine(CELL_M, 0, LEFT, 0, -CELL_M, TOP), REGION_CRS)


def lonlat_box(surface: Surface, x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A box given in grid metres relative to the top-left corner, as an EPSG:4490 polygon."""
    xs = np.array([x0, x1, x1, x0]) + LEFT
    ys = TOP - np.array([y0, y0, y1, y1])
    lon, lat = surface.to_lonlat(xs, ys)
    return Polygon(zip(lon, lat, strict=True))


def test_zone_weight_inside_by_cell_centre_and_one_outside() -> None:
    surface = grid()
    # Holds the centres of rows 0-1, cols 1-2 (centres at 500 m and 1,500 m from the edges).
    zone = lonlat_box(surface, 1_100.0, 100.0, 2_900.0, 1_900.0)
    weights = zone_weights([zone], [2.0], surface)
    expected = np.ones((4, 5))
    expected[0:2, 1:3] = 2.0
    np.testing.assert_array_equal(weights, expected)


def test_later_zone_wins_and_no_zone_weighs_one() -> None:
    surface = grid()
    outer = lonlat_box(surface, 100.0, 100.0, 4_900.0, 3_900.0)
    inner = lonlat_box(surface, 2_100.0, 1_100.0, 2_900.0, 1_900.0)
    weights = zone_weights([outer, inner], [1.5, 2.0], surface)
    assert weights[1, 2] == 2.0
    assert (weights[np.arange(4) != 1] == 1.5).all()
    np.testing.assert_array_equal(zone_weights([], [], surface), np.ones((4, 5)))
    with pytest.raises(ValueError, match="weights"):
        zone_weights([outer], [1.5, 2.0], surface)


def test_fixture_zones_are_illustrative_bands_of_weight_at_least_one() -> None:
    geoms, weights = read_zones()
    assert len(geoms) == len(weights) == 6
    assert set(weights.tolist()) <= {1.5, 2.0}
    assert read_zones() is read_zones()  # cached per process
    pop = population()
    raster = hazard_weights(pop)
    assert raster.shape == pop.shape
    assert raster.min() == 1.0
    assert raster.max() == 2.0
    # The Longmenshan bands cover a noticeable share of Sichuan's people, not all of them.
    weighted = float((pop.values * raster).sum())
    assert pop.values.sum() < weighted < 1.5 * pop.values.sum()
