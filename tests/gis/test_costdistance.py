"""Cost-distance on tiny synthetic terrains whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from gis.costdistance import (
    coarsen_cost,
    grid_graph,
    minutes_from,
    minutes_to_points,
    reachable_cells,
    service_area_mask,
    snap_to_passable,
)
from gis.surfaces import CELL_M, REGION_CRS, Surface

SQRT2 = math.sqrt(2.0)
# Upper-left corner of the test grids: whole kilometres just north-west of Chengdu (Albers).
ORIGIN = Affine(CELL_M, 0.0, -90_000.0, 0.0, -CELL_M, 3_250_000.0)


def surface(values: list[list[float]] | np.ndarray) -> Surface:
    return Surface(np.asarray(values, dtype=np.float64), ORIGIN, REGION_CRS)


def centre_lonlat(grid: Surface, row: int, col: int) -> tuple[float, float]:
    lon, lat = grid.centres_lonlat()
    return float(lon[row, col]), float(lat[row, col])


def test_uniform_cost_straight_line() -> None:
    times = minutes_from(surface([[2.0] * 5]), [(0, 0)])
    np.testing.assert_allclose(times, [[0.0, 2.0, 4.0, 6.0, 8.0]])


def test_uniform_cost_diagonal_steps_cost_root_two() -> None:
    times = minutes_from(surface(np.ones((3, 3))), [(0, 0)])
    np.testing.assert_allclose(
        times,
        [[0, 1, 2], [1, SQRT2, 1 + SQRT2], [2, 1 + SQRT2, 2 * SQRT2]],
    )


def test_step_costs_mean_of_the_two_cells() -> None:
    # Edge-on: (1 + 3) / 2 = 2, then (3 + 5) / 2 = 4; diagonal: √2 · (1 + 5) / 2.
    np.testing.assert_allclose(minutes_from(surface([[1.0, 3.0, 5.0]]), [(0, 0)]), [[0, 2, 6]])
    times = minutes_from(surface([[1.0, 9.0], [9.0, 5.0]]), [(0, 0)])
    assert times[1, 1] == pytest.approx(SQRT2 * 3.0)


def test_barrier_forces_a_detour() -> None:
    # A wall in column 2 open only at the bottom row: from (0, 0) to (0, 4) the path runs down
    # to (4, 2) and back up, 2 diagonals + 2 straight steps each way, instead of 4 steps.
    values = np.ones((5, 5))
    values[0:4, 2] = np.nan
    times = minutes_from(surface(values), [(0, 0)])
    assert times[0, 4] == pytest.approx(4 + 4 * SQRT2)
    assert times[4, 2] == pytest.approx(2 + 2 * SQRT2)
    assert np.isinf(times[0:4, 2]).all()


def test_closed_barrier_leaves_the_far_side_unreachable() -> None:
    values = np.ones((4, 4))
    values[:, 2] = np.nan
    times = minutes_from(surface(values), [(1, 0)])
    assert np.isinf(times[:, 2:]).all()
    assert np.isfinite(times[:, :2]).all()


def test_truncation_returns_inf_beyond_max_minutes() -> None:
    times = minutes_from(surface([[1.0] * 10]), [(0, 0)], max_minutes=3.5)
    np.testing.assert_array_equal(times[0, :4], [0, 1, 2, 3])
    assert np.isinf(times[0, 4:]).all()


def test_truncated_search_agrees_with_full_search_within_the_limit() -> None:
    rng = np.random.default_rng(8)
    values = rng.uniform(1.0, 4.0, size=(60, 70))
    values[rng.random(values.shape) < 0.1] = np.nan
    values[30, 35] = 1.0
    cost = surface(values)
    full = minutes_from(cost, [(30, 35)])
    window = minutes_from(cost, [(30, 35)], max_minutes=12.0)
    within = full <= 12.0
    np.testing.assert_allclose(window[within], full[within])
    assert np.isinf(window[~within]).all()


def test_multi_source_gives_time_to_the_nearest_source() -> None:
    times = minutes_from(surface([[1.0] * 7]), [(0, 0), (0, 6)])
    np.testing.assert_allclose(times, [[0, 1, 2, 3, 2, 1, 0]])
    truncated = minutes_from(surface([[1.0] * 7]), [(0, 0), (0, 6)], max_minutes=2.0)
    np.testing.assert_allclose(truncated, [[0, 1, 2, np.inf, 2, 1, 0]])


def test_sources_on_impassable_cells_are_ignored() -> None:
    times = minutes_from(surface([[np.nan, 1.0, 1.0]]), [(0, 0)])
    assert np.isinf(times).all()
    times = minutes_from(surface([[np.nan, 1.0, 1.0]]), [(0, 0), (0, 2)])
    np.testing.assert_allclose(times, [[np.inf, 1.0, 0.0]])


def test_sources_outside_the_grid_and_bad_costs_are_refused() -> None:
    with pytest.raises(ValueError, match="inside the grid"):
        minutes_from(surface(np.ones((2, 2))), [(2, 0)])
    with pytest.raises(ValueError, match="positive"):
        minutes_from(surface([[1.0, 0.0]]), [(0, 0)])
    # A truncated search sizes its window by the cheapest cell: zero must be refused, not divided.
    with pytest.raises(ValueError, match="positive"):
        minutes_from(surface([[1.0, 0.0]]), [(0, 0)], max_minutes=5)


def test_grid_graph_is_symmetric_with_hand_weights() -> None:
    graph = grid_graph(np.array([[1.0, 3.0], [np.nan, 5.0]]))
    dense = graph.toarray()
    np.testing.assert_allclose(dense, dense.T)
    assert dense[0, 1] == pytest.approx(2.0)
    assert dense[0, 3] == pytest.approx(SQRT2 * 3.0)
    assert dense[1, 3] == pytest.approx(4.0)
    assert not dense[2].any()


def test_minutes_to_points_snaps_and_marks_off_grid_targets() -> None:
    values = np.ones((5, 5))
    values[0:2, 0] = np.nan
    cost = surface(values)
    origin = centre_lonlat(cost, 0, 0)  # impassable: snaps to its nearest passable cell (0, 1)
    targets = [centre_lonlat(cost, 0, 4), centre_lonlat(cost, 4, 4), (120.0, 40.0)]
    times = minutes_to_points(cost, origin, targets)
    assert times[0] == pytest.approx(3.0)  # from (0, 1) after snapping
    assert times[1] == pytest.approx(1.0 + 3.0 * SQRT2)
    assert np.isinf(times[2])
    limited = minutes_to_points(cost, origin, targets, max_minutes=3.5)
    assert limited[0] == pytest.approx(3.0)
    assert np.isinf(limited[1])


def test_service_area_mask_is_the_cells_within_minutes() -> None:
    cost = surface(np.ones((5, 5)))
    mask = service_area_mask(cost, centre_lonlat(cost, 2, 2), 1.0)
    expected = np.zeros((5, 5), dtype=bool)
    expected[2, 1:4] = expected[1:4, 2] = True
    np.testing.assert_array_equal(mask, expected)
    assert not service_area_mask(cost, (120.0, 40.0), 10.0).any()


def test_reachable_cells_one_row_per_source() -> None:
    cost = surface([[1.0] * 6])
    reach = reachable_cells(cost, [(0, 0), (0, 5)], 1.0).toarray()
    np.testing.assert_array_equal(reach, [[1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]])


def test_snap_to_passable_within_reach_only() -> None:
    values = np.full((1, 8), np.nan)
    values[0, 0] = 1.0
    rows, cols, ok = snap_to_passable(surface(values), [0, 0, 0], [2, 7, 9])
    np.testing.assert_array_equal(ok, [True, False, False])
    assert (rows[0], cols[0]) == (0, 0)


def test_coarsened_cost_keeps_minutes_per_cell_width() -> None:
    fine = surface(np.full((10, 10), 2.0))
    coarse = coarsen_cost(fine, 5)
    np.testing.assert_allclose(coarse.values, 10.0)
    # Crossing one coarse cell takes as long as crossing five fine ones.
    assert minutes_from(coarse, [(0, 0)])[0, 1] == pytest.approx(minutes_from(fine, [(0, 0)])[0, 5])
