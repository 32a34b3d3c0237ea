"""Compounds near each unit's seat, placed without overlaps except the deliberate ones."""

import numpy as np
import shapely
from django.utils.translation import gettext as _

from portal.demo.exceptions import DemoDataError
from portal.demo.generators import layout as lay
from portal.demo.generators.world import DemoUnit, Site, World

RADIUS_M = {"province": 6_000.0, "city": 3_000.0, "county": 1_500.0}
CELL_DEG = 0.01


class Occupied:
    """Extents of the compounds placed so far, hashed on a grid of ~1 km cells."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[int, shapely.Geometry]]] = {}

    def _keys(self, shape: shapely.Geometry) -> list[tuple[int, int]]:
        x0, y0, x1, y1 = (int(np.floor(v / CELL_DEG)) for v in shape.bounds)
        return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

    def free(self, shape: shapely.Geometry, ignore: tuple[int, ...] = ()) -> bool:
        return not any(
            key not in ignore and other.intersects(shape)
            for cell in self._keys(shape)
            for key, other in self.cells.get(cell, ())
        )

    def add(self, key: int, shape: shapely.Geometry) -> None:
        for cell in self._keys(shape):
            self.cells.setdefault(cell, []).append((key, shape))


def _extent(site_shapes: list[shapely.Polygon]) -> shapely.Geometry:
    return shapely.union_all(site_shapes).convex_hull


def _try_site(
    world: World, unit: DemoUnit, layout: lay.Layout, placement: lay.Placement, grid: Occupied
) -> Site | None:
    footprints, parcel = lay.polygons(layout, placement)
    centre = parcel.centroid
    county = world.locator.locate(centre.x, centre.y)
    if county is None or (unit.level == "county" and county != unit.place.code):
        return None
    if not grid.free(_extent([parcel, *footprints])):
        return None
    return Site(unit, (centre.x, centre.y), footprints, parcel, placement, layout, county)


def _place(
    world: World, rng: np.random.Generator, unit: DemoUnit, grid: Occupied, outside: bool
) -> Site:
    buildings = (
        int(rng.choice([2, 3])) if outside else int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))
    )
    layout = lay.draw_layout(rng, buildings, outside=outside)
    for attempt in range(80):
        radius = RADIUS_M[unit.level] * (1.0 if attempt < 40 else 0.5)
        x, y, epsg = lay.jittered(rng, *unit.place.seat, radius)
        placement = lay.Placement(x, y, float(rng.uniform(-np.pi / 4, np.pi / 4)), epsg)
        site = _try_site(world, unit, layout, placement, grid)
        if site is not None:
            grid.add(len(world.sites), _extent([site.parcel, *site.footprints]))
            site.conflict = "outside" if outside else ""
            return site
    raise DemoDataError(_("No free place for the buildings of %(unit)s.") % {"unit": unit.name})


def _overlap(world: World, rng: np.random.Generator, grid: Occupied, a: int, b: int) -> bool:
    """Move site ``b`` so that its parcel overlaps the parcel of site ``a`` by 3–8 m."""
    anchor, moved = world.sites[a], world.sites[b]
    for _attempt in range(8):
        placement = lay.beside(
            anchor.placement, anchor.layout.half, moved.layout, rng, float(rng.uniform(3, 8))
        )
        site = _try_site(world, moved.unit, moved.layout, placement, Occupied())
        if site is not None and grid.free(_extent([site.parcel, *site.footprints]), (a, b)):
            site.conflict = "overlap"
            world.sites[b] = site
            grid.add(b, _extent([site.parcel, *site.footprints]))
            return True
    return False


def _overlap_pairs(world: World, rng: np.random.Generator) -> list[tuple[int, int]]:
    first: dict[str, int] = {}
    pairs = []
    for index, site in enumerate(world.sites):
        if site.unit.level != "county" or site.conflict:
            continue
        if site.county in first:
            pairs.append((first[site.county], index))
        else:
            first[site.county] = index
    order = rng.permutation(len(pairs))
    return [pairs[int(i)] for i in order]


def plan_sites(world: World, rng: np.random.Generator) -> None:
    """Place a compound for every unit with its own buildings, with the geometric conflicts."""
    world.sites, grid = [], Occupied()
    own = [u for u in world.units if u.host is None]
    picks = rng.choice(len(own), size=min(world.scale.conflicts, len(own)), replace=False)
    outside = {int(i) for i in picks}
    for index, unit in enumerate(own):
        world.sites.append(_place(world, rng, unit, grid, index in outside))
    done = 0
    for a, b in _overlap_pairs(world, rng):
        if done < world.scale.conflicts and _overlap(world, rng, grid, a, b):
            done += 1
    for site in world.sites:
        site.unit.site = site
    for unit in world.units:
        site = (unit.host or unit).site
        if site is not None:
            unit.anchor = site.centre
