"""A tiny world for siting scenarios whose optimal sites are known by hand.

Four villages lie near the corners of a rectangle inside the factories' Chengdu (510100, a
square of half-width 0.4° around 104.06°E 30.66°N), on a synthetic 1 km population surface in
the region's Albers grid; the travel-cost surface is flat, 1 minute per km (60 km/h). The
villages are ≈ 48 km apart east–west and 50 km north–south, so a site at one village covers no
other within 10 km or 10 minutes.

Hand-computed optima (site at each village, no other candidates):

* MCLP, p = 1: A (1,000 of 2,000 people). p = 2 with an existing depot at C fixed: C + A + B.
* LSCP, 10 km, depot at C fixed: 3 new sites (A, B, D).
* p-median, p = 1: A. Σ people × km: A ≈ 600·69.1 + 300·47.8 + 100·49.9 ≈ 61,800,
  B ≈ 88,700, C ≈ 84,700, D ≈ 99,400.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from affine import Affine

from gis.surfaces import CELL_M, REGION_CRS, Surface
from portal.depots.models import SitingScenario
from portal.depots.services.siting import Surfaces, create_scenario
from tests.factories import division

VILLAGES = {
    "A": ((103.80, 30.90), 1000.0),
    "B": ((104.30, 30.45), 600.0),
    "C": ((104.30, 30.90), 300.0),
    "D": ((103.80, 30.45), 100.0),
}
TOTAL = sum(people for _, people in VILLAGES.values())
CENTRE = (104.05, 30.68)
SIZE = 100  # cells a side


def _grid(values: np.ndarray) -> Surface:
    probe = Surface(np.zeros((1, 1)), Affine.identity(), REGION_CRS)
    x, y = probe.from_lonlat(*CENTRE)
    left = np.floor(x / CELL_M) * CELL_M - SIZE / 2 * CELL_M
    top = np.floor(y / CELL_M) * CELL_M + SIZE / 2 * CELL_M
    return Surface(values, Affine(CELL_M, 0, float(left), 0, -CELL_M, float(top)), REGION_CRS)


def population() -> Surface:
    empty = _grid(np.zeros((SIZE, SIZE)))
    values = np.zeros((SIZE, SIZE))
    for (lon, lat), people in VILLAGES.values():
        rows, cols = empty.rowcol(lon, lat)
        values[int(rows), int(cols)] = people
    return _grid(values)


def travel_cost() -> Surface:
    return _grid(np.ones((SIZE, SIZE)))


SYNTHETIC = Surfaces(population=population, travel_cost=travel_cost)


def village(name: str) -> tuple[float, float]:
    return VILLAGES[name][0]


# Candidates: the sites drawn, and no county seats, idle buildings or parcels.
ONLY_DRAWN = {"use_county_seats": False, "use_idle_buildings": False, "use_parcels": False}


def drawn_scenario(planner: Any, **inputs: Any) -> SitingScenario:
    """A scenario created (queued, not run) for Chengdu: MCLP choosing one new site among the
    four villages drawn, no existing depots kept, 10 km on the 1 km grid; ``inputs`` change it."""
    terms = {
        "name": "测试方案",
        "region": division("510100"),
        "model": "mclp",
        "p": 1,
        "radius_km": 10,
        "grid_km": 1,
        "drawn_sites": [village(name) for name in "ABCD"],
        "keep_existing": False,
        **ONLY_DRAWN,
    }
    return create_scenario(**(terms | inputs), by=planner)
