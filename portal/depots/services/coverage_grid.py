"""The raster side of a coverage analysis: masks, people counted and areas drawn on the 1 km grid.

No database here: :mod:`portal.depots.services.coverage` hands in the region, its counties and
the depots as EPSG:4490 shapes and points, and gets counts and EPSG:4490 shapes back.

* A depot's radius area is the cells whose centre lies within the geodesic radius
  (:func:`gis.zonal.circle_mask`); it is drawn as the geodesic circle itself.
* Its travel-time area is the cells reached within the minutes by truncated cost-distance from
  the depot's cell (:func:`gis.costdistance.service_area_mask`); it is drawn as those cells.
* The region's cells are those whose centre lies in the region; each of them belongs to exactly
  one county (cells no county polygon claims, slivers along borders, go to the nearest county),
  so the counties' figures add up to the region's.
* Covered means inside the union of the depots' areas: someone near two depots counts once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from affine import Affine
from scipy import ndimage
from shapely.geometry import MultiPolygon, Polygon

from gis.costdistance import SNAP_CELLS, service_area_mask
from gis.surfaces import Surface
from gis.zonal import circle_mask, mask_to_multipolygon, rasterize_zones, zonal_sum

BoolArray = npt.NDArray[np.bool_]
Labels = npt.NDArray[np.int32]
Window = tuple[slice, slice]
# progress(fraction done, stage, items done, items in the stage)
Progress = Callable[[float, str, int, int], None]

# The kernel population surface gives every cell of the provinces a few people; cells with
# fewer than this are the empty plateau and high mountains, left off the gap map so that it
# shows where the uncovered live. The uncovered figures count everyone.
GAP_MIN_PEOPLE: Final = 5.0
# Outlines follow cell edges; thinning them by a fifth of a cell keeps their shape and drops
# the vertices that segmentising the edges added.
SIMPLIFY_DEG: Final = 0.002
CIRCLE_VERTICES: Final = 128
# Stage fractions of the whole run: reading and rasterising before, the counties after.
DEPOTS_FROM, DEPOTS_TO = 0.1, 0.8
COUNTIES_TO: Final = 0.95
_GEOD: Final = pyproj.Geod(ellps="GRS80")


@dataclass(frozen=True)
class Surfaces:
    """The people per cell and the minutes to cross a cell, on one grid."""

    population: Surface
    cost: Surface

    def __post_init__(self) -> None:
        same = self.population.shape == self.cost.shape
        if not (same and self.population.transform == self.cost.transform):
            raise ValueError("the population and travel-cost surfaces must share one grid")


@dataclass(frozen=True)
class Site:
    """A depot: its key (the depot's id) and where it stands (EPSG:4490)."""

    key: int
    lon: float
    lat: float


@dataclass(frozen=True)
class SiteResult:
    """A depot's areas and the region's people inside each."""

    key: int
    radius_area: Polygon
    time_area: MultiPolygon | None
    population_radius: float
    population_time: float


@dataclass(frozen=True)
class ZoneResult:
    """A county's people, those covered, and where the uncovered live."""

    key: int
    population: float
    covered_radius: float
    covered_time: float
    gap: MultiPolygon | None


@dataclass(frozen=True)
class Coverage:
    population: float
    covered_radius: float
    covered_time: float
    sites: list[SiteResult]
    zones: list[ZoneResult]


def _silent(fraction: float, stage: str, done: int, total: int) -> None:
    return None


def reach_m(cost: Surface, minutes: float) -> float:
    """Farther than any trip of ``minutes`` can go from a depot, in metres.

    At the cheapest cost everywhere, plus the snap of an origin off the passable cells and a
    tenth for the grid's scale error: a superset, so a depot that reaches the region is never
    left out (one that does not only costs a search).
    """
    values = cost.values
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size == 0:
        return 0.0
    cells = minutes / float(positive.min()) + SNAP_CELLS + 1
    return cells * abs(cost.transform.a) * 1.1


def geodesic_circle(lon: float, lat: float, radius_m: float) -> Polygon:
    """The circle of ``radius_m`` metres on the ellipsoid around a point, counter-clockwise."""
    azimuths = np.linspace(360.0, 0.0, CIRCLE_VERTICES, endpoint=False)
    n = CIRCLE_VERTICES
    lons, lats, _ = _GEOD.fwd(np.full(n, lon), np.full(n, lat), azimuths, np.full(n, radius_m))
    return Polygon(np.column_stack([lons, lats]))


def bounding_box(mask: BoolArray) -> Window | None:
    """The smallest window holding every true cell of ``mask``, None if there is none."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def as_multipolygon(shape: Any) -> MultiPolygon | None:
    """A (Multi)Polygon or collection as a valid MultiPolygon of its polygons, None if empty."""
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    # Two levels: a repaired shape may be a collection holding multipolygons.
    parts = shapely.get_parts(shapely.get_parts(shape))
    polygons = [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
    return MultiPolygon(polygons) if polygons else None


def outline(
    mask: BoolArray, grid: Surface, origin: tuple[int, int] = (0, 0)
) -> MultiPolygon | None:
    """The true cells of ``mask`` dissolved and thinned, in EPSG:4490.

    ``mask`` may be a window of ``grid`` whose first cell is ``origin`` (row, col); only the
    bounding box of its true cells is polygonised, which keeps a depot's area from costing a
    scan of the whole province.
    """
    box = bounding_box(mask)
    if box is None:
        return None
    rows, cols = box
    corner = grid.transform @ Affine.translation(origin[1] + cols.start, origin[0] + rows.start)
    window = Surface(np.zeros(mask[box].shape), corner, grid.crs)
    shape = mask_to_multipolygon(mask[box], window)
    return as_multipolygon(shapely.simplify(shape, SIMPLIFY_DEG, preserve_topology=True))


def county_labels(counties: Sequence[Any], grid: Surface, inside: BoolArray) -> Labels:
    """Each region cell's county (1-based, in ``counties`` order), 0 outside the region.

    Region cells that no county polygon claims take the nearest county's label, so every person
    of the region is in exactly one county.
    """
    labels = rasterize_zones(counties, grid)
    labels[~inside] = 0
    orphans = inside & (labels == 0)
    if orphans.any() and labels.any():
        _distance, (rows, cols) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
        labels[orphans] = labels[rows[orphans], cols[orphans]]
    return labels


def _people(grid: Surface, mask: BoolArray) -> float:
    return float(grid.values[mask].sum(dtype=np.float64))


def _site(
    surfaces: Surfaces, site: Site, inside: BoolArray, radius_m: float, minutes: float
) -> tuple[SiteResult, BoolArray, BoolArray]:
    pop = surfaces.population
    circle = circle_mask(pop, site.lon, site.lat, radius_m)
    reached = service_area_mask(surfaces.cost, (site.lon, site.lat), minutes)
    result = SiteResult(
        key=site.key,
        radius_area=geodesic_circle(site.lon, site.lat, radius_m),
        time_area=outline(reached, pop),
        population_radius=_people(pop, circle & inside),
        population_time=_people(pop, reached & inside),
    )
    return result, circle, reached


def _zones(
    pop: Surface,
    labels: Labels,
    keys: Sequence[int],
    covered: tuple[BoolArray, BoolArray],
    progress: Progress,
) -> list[ZoneResult]:
    by_radius, by_time = covered
    people = zonal_sum(pop.values, labels)
    in_radius = zonal_sum(np.where(by_radius, pop.values, 0.0), labels)
    in_time = zonal_sum(np.where(by_time, pop.values, 0.0), labels)
    gaps = ~by_time & (pop.values >= GAP_MIN_PEOPLE)
    boxes = ndimage.find_objects(labels)
    results = []
    for number, key in enumerate(keys, start=1):
        box = boxes[number - 1] if number <= len(boxes) else None
        gap = None
        if box is not None:
            origin = (box[0].start, box[1].start)
            gap = outline(gaps[box] & (labels[box] == number), pop, origin)
        results.append(
            ZoneResult(
                key,
                people.get(number, 0.0),
                in_radius.get(number, 0.0),
                in_time.get(number, 0.0),
                gap,
            )
        )
        fraction = DEPOTS_TO + (COUNTIES_TO - DEPOTS_TO) * number / len(keys)
        progress(fraction, "counties", number, len(keys))
    return results


def compute(
    surfaces: Surfaces,
    region: Any,
    counties: Sequence[tuple[int, Any]],
    sites: Sequence[Site],
    *,
    radius_m: float,
    minutes: float,
    progress: Progress = _silent,
) -> Coverage:
    """Count who is covered in ``region`` (a lon/lat shape) and each of its ``counties``.

    Parameters
    ----------
    counties : sequence of (key, shape)
        The region's parts (lon/lat); their keys come back in :attr:`ZoneResult.key`.
    sites : sequence of Site
        The depots, inside the region or near enough to serve it.
    radius_m, minutes : float
        The geodesic radius and the travel time of a service area.
    """
    pop = surfaces.population
    inside = rasterize_zones([region], pop) == 1
    labels = county_labels([shape for _key, shape in counties], pop, inside)
    by_radius = np.zeros(pop.shape, dtype=bool)
    by_time = np.zeros(pop.shape, dtype=bool)
    results = []
    for number, site in enumerate(sites, start=1):
        result, circle, reached = _site(surfaces, site, inside, radius_m, minutes)
        by_radius |= circle
        by_time |= reached
        results.append(result)
        fraction = DEPOTS_FROM + (DEPOTS_TO - DEPOTS_FROM) * number / len(sites)
        progress(fraction, "depots", number, len(sites))
    keys = [key for key, _shape in counties]
    zones = _zones(pop, labels, keys, (by_radius & inside, by_time & inside), progress)
    return Coverage(
        population=_people(pop, inside),
        covered_radius=_people(pop, by_radius & inside),
        covered_time=_people(pop, by_time & inside),
        sites=results,
        zones=zones,
    )
