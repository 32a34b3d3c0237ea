"""The Surface grid type, reading rasters, and the speed-vs-slope rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from gis.surfaces import (
    CELL_M,
    MIN_SPEED_KMH,
    REGION_CRS,
    TOP_SPEED_KMH,
    Surface,
    cost_minutes,
    read_surface,
    speed_kmh,
)

TRANSFORM = Affine(CELL_M, 0.0, -90_000.0, 0.0, -CELL_M, 3_250_000.0)


def surface(values: np.ndarray) -> Surface:
    return Surface(values, TRANSFORM, REGION_CRS)


def test_aggregate_sum_with_partial_edge_blocks() -> None:
    values = np.arange(25, dtype=float).reshape(5, 5)
    coarse = surface(values).aggregate(2, "sum")
    # Blocks: rows 0–1 / 2–3 / 4, cols 0–1 / 2–3 / 4.
    np.testing.assert_allclose(coarse.values, [[12, 20, 13], [52, 60, 33], [41, 45, 24]])
    assert coarse.values.sum() == values.sum()
    assert coarse.transform == Affine(2 * CELL_M, 0.0, -90_000.0, 0.0, -2 * CELL_M, 3_250_000.0)
    assert coarse.cell_area_m2 == 4 * CELL_M**2


def test_aggregate_mean_ignores_nan_and_averages_partial_blocks() -> None:
    values = np.array(
        [
            [1.0, 3.0, 5.0],
            [np.nan, 2.0, np.nan],
            [4.0, 8.0, 6.0],
        ]
    )
    coarse = surface(values).aggregate(2, "mean")
    np.testing.assert_allclose(coarse.values, [[2.0, 5.0], [6.0, 6.0]])
    assert np.isnan(surface(np.full((2, 2), np.nan)).aggregate(2, "mean").values).all()
    assert surface(np.full((2, 2), np.nan)).aggregate(2, "sum").values[0, 0] == 0.0


def test_aggregate_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="factor"):
        surface(np.ones((2, 2))).aggregate(0, "sum")
    with pytest.raises(ValueError, match="how"):
        surface(np.ones((2, 2))).aggregate(2, "max")  # type: ignore[arg-type]


def test_surface_is_an_immutable_copy() -> None:
    values = np.ones((2, 3))
    grid = surface(values)
    values[0, 0] = 5.0
    assert grid.values[0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        grid.values[0, 0] = 2.0
    assert grid.shape == (2, 3)
    assert grid.cell_area_m2 == CELL_M**2
    with pytest.raises(ValueError, match="two-dimensional"):
        surface(np.ones(3))


def test_rowcol_and_centres_round_trip() -> None:
    grid = surface(np.zeros((4, 6)))
    lon, lat = grid.centres_lonlat()
    assert lon.shape == (4, 6)
    assert 103.0 < lon.min() < lon.max() < 104.5  # just west of Chengdu
    rows, cols = grid.rowcol(lon, lat)
    np.testing.assert_array_equal(rows, np.arange(4)[:, None].repeat(6, axis=1))
    np.testing.assert_array_equal(cols, np.arange(6)[None, :].repeat(4, axis=0))
    window_lon, _ = grid.centres_lonlat((slice(1, 3), slice(2, 4)))
    np.testing.assert_array_equal(window_lon, lon[1:3, 2:4])


def test_rowcol_off_the_grid() -> None:
    grid = surface(np.zeros((4, 6)))
    rows, cols = grid.rowcol([100.0, 104.0], [25.0, 30.66])
    inside = grid.contains(rows, cols)
    assert not inside[0]
    x, y = grid.from_lonlat(104.0, 30.66)
    assert grid.to_lonlat(x, y)[0] == pytest.approx(104.0)


def test_speed_rule_falls_monotonically_with_slope() -> None:
    slopes = np.linspace(0.0, 89.0, 400)
    speeds = speed_kmh(slopes)
    assert speeds[0] == TOP_SPEED_KMH
    assert (np.diff(speeds) <= 0).all()
    assert speeds.min() == MIN_SPEED_KMH
    assert speed_kmh(10.0) == pytest.approx(60.0 * np.exp(-3.5 * np.tan(np.radians(10.0))))
    assert np.isnan(speed_kmh(np.nan))


def test_cost_minutes_is_time_to_cross_a_cell() -> None:
    assert cost_minutes(0.0) == pytest.approx(1.0)  # 1 km at 60 km/h
    assert cost_minutes(0.0, 5_000.0) == pytest.approx(5.0)
    assert cost_minutes(60.0) == pytest.approx(12.0)  # the 5 km/h floor
    assert (np.diff(cost_minutes(np.linspace(0, 40, 50))) >= 0).all()


def write_tiff(path: Path, values: np.ndarray, nodata: float) -> None:
    profile = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": REGION_CRS,
        "transform": TRANSFORM,
        "nodata": nodata,
    }
    with rasterio.open(path, "w", **profile) as target:
        target.write(values.astype(np.float32), 1)


def test_read_surface_fills_nodata_by_kind(tmp_path: Path) -> None:
    write_tiff(tmp_path / "pop.tif", np.array([[0.0, 5.0]]), 0.0)
    write_tiff(tmp_path / "cost.tif", np.array([[-9999.0, 1.5]]), -9999.0)
    pop = read_surface(tmp_path / "pop.tif")
    cost = read_surface(tmp_path / "cost.tif")
    np.testing.assert_array_equal(pop.values, [[0.0, 5.0]])
    assert np.isnan(cost.values[0, 0])
    assert cost.values[0, 1] == 1.5
    assert cost.crs == REGION_CRS
    assert cost.transform == TRANSFORM
    assert read_surface(tmp_path / "cost.tif", fill=0.0).values[0, 0] == 0.0
