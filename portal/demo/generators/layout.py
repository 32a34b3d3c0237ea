"""Compound layouts in metres: building footprints in a row inside a rectangular parcel.

A layout is drawn in a local frame centred on its parcel, then rotated and moved into the
Gauss-Krüger zone of its place and unprojected to CGCS2000 lon/lat.
"""

from dataclasses import dataclass

import numpy as np
import shapely

from gis.crs import from_gk, to_gk


@dataclass(frozen=True)
class Layout:
    """Footprint corners (4×2 arrays, metres) around a parcel centred on the origin."""

    footprints: tuple[np.ndarray, ...]
    half: tuple[float, float]  # parcel half-width and half-depth


@dataclass(frozen=True)
class Placement:
    """Where a layout goes: centre in a Gauss-Krüger zone and rotation."""

    x: float
    y: float
    theta: float
    epsg: int


def _box(cx: float, cy: float, width: float, depth: float) -> np.ndarray:
    w, d = width / 2, depth / 2
    return np.array([[cx - w, cy - d], [cx + w, cy - d], [cx + w, cy + d], [cx - w, cy + d]])


def draw_layout(rng: np.random.Generator, buildings: int, *, outside: bool = False) -> Layout:
    """Buildings in a row 15–30 m apart; the parcel keeps a 10–30 m margin around them.

    With ``outside`` the parcel encloses only the first building (5 m margin), so the others
    stand wholly outside it.
    """
    boxes, y = [], 0.0
    for index in range(buildings):
        main = index == 0
        width = rng.uniform(30, 60) if main else rng.uniform(20, 45)
        depth = rng.uniform(18, 40) if main else rng.uniform(15, 30)
        if index:
            y += float(rng.uniform(15, 30)) + depth / 2
        boxes.append(_box(float(rng.uniform(-5, 5)), y, width, depth))
        y += depth / 2
    enclosed = np.vstack(boxes[:1] if outside else boxes)
    margin = 5.0 if outside else float(rng.uniform(10, 30))
    low, high = enclosed.min(axis=0) - margin, enclosed.max(axis=0) + margin
    centre = (low + high) / 2
    half = (float(high[0] - centre[0]), float(high[1] - centre[1]))
    return Layout(tuple(b - centre for b in boxes), half)


def parcel_corners(layout: Layout) -> np.ndarray:
    return _box(0.0, 0.0, layout.half[0] * 2, layout.half[1] * 2)


def place_xy(points: np.ndarray, placement: Placement) -> np.ndarray:
    """Rotate local metres by theta and move them to the placement's centre."""
    cos, sin = np.cos(placement.theta), np.sin(placement.theta)
    rotated = points @ np.array([[cos, sin], [-sin, cos]])
    return rotated + np.array([placement.x, placement.y])


def to_lonlat(points: np.ndarray, placement: Placement) -> np.ndarray:
    xy = place_xy(points, placement)
    lon, lat = from_gk(xy[:, 0], xy[:, 1], placement.epsg)
    return np.column_stack([lon, lat])


def polygons(layout: Layout, placement: Placement) -> tuple[list[shapely.Polygon], shapely.Polygon]:
    """Footprints and parcel of a placed layout, in lon/lat, with one projection call."""
    parts = [*layout.footprints, parcel_corners(layout)]
    lonlat = to_lonlat(np.vstack(parts), placement)
    rings = np.split(lonlat, len(parts))
    shapes = [shapely.Polygon(ring) for ring in rings]
    return shapes[:-1], shapes[-1]


def jittered(
    rng: np.random.Generator, lon: float, lat: float, radius_m: float
) -> tuple[float, float, int]:
    """A point uniformly within ``radius_m`` of (lon, lat), in that point's Gauss-Krüger zone."""
    x, y, epsg = to_gk(lon, lat)
    distance = radius_m * np.sqrt(rng.random())
    angle = rng.uniform(0, 2 * np.pi)
    return x + distance * np.cos(angle), y + distance * np.sin(angle), epsg


def beside(
    anchor: Placement,
    anchor_half: tuple[float, float],
    layout: Layout,
    rng: np.random.Generator,
    overlap_m: float,
) -> Placement:
    """A placement whose parcel overlaps the anchor's parcel by ``overlap_m`` along its width."""
    offset = np.array(
        [
            [
                anchor_half[0] + layout.half[0] - overlap_m,
                rng.uniform(-0.3, 0.3) * min(anchor_half[1], layout.half[1]),
            ]
        ]
    )
    side = 1 if rng.random() < 0.5 else -1
    x, y = place_xy(offset * [side, 1], anchor)[0]
    return Placement(float(x), float(y), anchor.theta, anchor.epsg)
