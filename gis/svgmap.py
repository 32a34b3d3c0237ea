"""Choropleth maps as SVG for printed reports: polygons, a legend, a scale bar and a north arrow.

A print needs no browser and no tiles: polygons in CGCS2000 longitude/latitude (GeoJSON
geometries) are projected to the 3° Gauss-Krüger zone of the map's centre, a conformal plane in
metres, and fitted into the drawing. The scale bar is measured in metres on that plane, so it is
exact on the central meridian and off by under 1% at the edges of Sichuan and Chongqing (the
zone's scale factor is 1 + (Δλ·cos φ)²/2). Grid north differs from true north by the meridian
convergence, a few degrees at most here; the arrow points to true north at the map's centre.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from xml.sax.saxutils import escape, quoteattr

from gis.crs import STORAGE_SRID, gk_zone_epsg, transformer

__all__ = [
    "Area",
    "Fit",
    "Layout",
    "LegendItem",
    "ScaleBar",
    "distance_label",
    "fit_bounds",
    "nice_length_m",
    "north_rotation",
    "polygons_of",
    "project_polygons",
    "render_choropleth",
    "scale_bar",
]

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]

_NICE_STEPS: Final = (5.0, 2.0, 1.0)
_STROKE: Final = "#52606d"


@dataclass(frozen=True)
class Area:
    """One region to draw: a GeoJSON Polygon or MultiPolygon in lon/lat, its fill and title."""

    geometry: Mapping[str, Any]
    fill: str
    title: str


@dataclass(frozen=True)
class LegendItem:
    """A legend row: the swatch colour and what it means."""

    colour: str
    label: str


@dataclass(frozen=True)
class Layout:
    """The drawing's size in SVG user units, the side panel's width and the font."""

    width: float = 760.0
    height: float = 560.0
    margin: float = 12.0
    panel: float = 170.0
    font_family: str = "Noto Sans CJK SC"

    @property
    def map_box(self) -> tuple[float, float, float, float]:
        """``(left, top, width, height)`` of the area the polygons are fitted into."""
        return (
            self.margin,
            self.margin,
            self.width - self.panel - 2 * self.margin,
            self.height - 2 * self.margin,
        )


@dataclass(frozen=True)
class Fit:
    """Placement of projected metres in the drawing: ``svg = offset + scale · (x, -y)``."""

    scale: float  # SVG units per metre
    offset_x: float
    offset_y: float

    def to_svg(self, x: float, y: float) -> Point:
        return (self.offset_x + self.scale * x, self.offset_y - self.scale * y)


@dataclass(frozen=True)
class ScaleBar:
    """A bar ``length_m`` metres long on the ground, drawn ``length_units`` SVG units wide."""

    length_m: float
    length_units: float
    label: str


def polygons_of(geometry: Mapping[str, Any]) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon or MultiPolygon, as lists of rings of ``(x, y)``.

    Raises
    ------
    ValueError
        If the geometry is of another type.
    """
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        coordinates = [coordinates]
    elif kind != "MultiPolygon":
        raise ValueError(f"a map area must be a Polygon or MultiPolygon, not {kind!r}")
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in poly] for poly in coordinates]


def project_polygons(polygons: Sequence[Polygon], epsg: int) -> list[Polygon]:
    """Polygons in CGCS2000 lon/lat projected to ``epsg`` (x = easting, y = northing, metres)."""
    forward = transformer(STORAGE_SRID, epsg)
    projected: list[Polygon] = []
    for polygon in polygons:
        rings: Polygon = []
        for ring in polygon:
            xs, ys = forward.transform([p[0] for p in ring], [p[1] for p in ring])
            rings.append(list(zip((float(x) for x in xs), (float(y) for y in ys), strict=True)))
        projected.append(rings)
    return projected


def _bounds(polygons: Sequence[Polygon]) -> tuple[float, float, float, float]:
    xs = [p[0] for polygon in polygons for ring in polygon for p in ring]
    ys = [p[1] for polygon in polygons for ring in polygon for p in ring]
    if not xs:
        raise ValueError("there is nothing to draw: no polygon has a point")
    return min(xs), min(ys), max(xs), max(ys)


def fit_bounds(bounds: tuple[float, float, float, float], layout: Layout) -> Fit:
    """Scale and centre projected ``(minx, miny, maxx, maxy)`` into the layout's map box.

    One scale for both axes keeps the map conformal; a degenerate extent (a point) gets a 1 km
    window so that the scale stays finite.
    """
    minx, miny, maxx, maxy = bounds
    left, top, box_w, box_h = layout.map_box
    span_x, span_y = max(maxx - minx, 1000.0), max(maxy - miny, 1000.0)
    scale = min(box_w / span_x, box_h / span_y)
    offset_x = left + (box_w - scale * (maxx - minx)) / 2 - scale * minx
    offset_y = top + (box_h - scale * (maxy - miny)) / 2 + scale * maxy
    return Fit(scale, offset_x, offset_y)


def nice_length_m(limit_m: float) -> float:
    """The longest 1, 2 or 5 × 10ⁿ metres not beyond ``limit_m`` (which must be positive)."""
    if not (math.isfinite(limit_m) and limit_m > 0):
        raise ValueError(f"a scale bar needs a positive length, got {limit_m!r}")
    power = 10.0 ** math.floor(math.log10(limit_m))
    for step in _NICE_STEPS:
        if step * power <= limit_m * (1 + 1e-9):
            return step * power
    return power  # pragma: no cover - step 1 always fits: power <= limit_m


def distance_label(length_m: float) -> str:
    """``50000`` → ``"50 km"``, ``500`` → ``"500 m"``."""
    if length_m >= 1000:
        return f"{length_m / 1000:g} km"
    return f"{length_m:g} m"


def scale_bar(scale: float, max_units: float) -> ScaleBar:
    """The bar for a map drawn at ``scale`` SVG units per metre, at most ``max_units`` wide."""
    length_m = nice_length_m(max_units / scale)
    return ScaleBar(length_m, length_m * scale, distance_label(length_m))


def _path_data(polygons: Sequence[Polygon], fit: Fit) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = [fit.to_svg(x, y) for x, y in ring]
            coords = " L".join(f"{x:.1f} {y:.1f}" for x, y in points)
            parts.append(f"M{coords} Z")
    return " ".join(parts)


def north_rotation(lon: float, lat: float, epsg: int) -> float:
    """Degrees clockwise from the drawing's up to true north at ``(lon, lat)``."""
    forward = transformer(STORAGE_SRID, epsg)
    x0, y0 = forward.transform(lon, lat)
    x1, y1 = forward.transform(lon, min(lat + 0.01, 89.99))
    return math.degrees(math.atan2(x1 - x0, y1 - y0))


def _north_arrow(x: float, y: float, rotation: float, label: str) -> str:
    return (
        f'<g class="north-arrow" transform="translate({x:.1f} {y:.1f}) rotate({rotation:.2f})">'
        '<path d="M0 -22 L9 12 L0 5 L-9 12 Z" fill="#1f2933"/>'
        f'<text x="0" y="-27" text-anchor="middle" font-size="13">{escape(label)}</text></g>'
    )


def _legend(items: Sequence[LegendItem], x: float, y: float, title: str) -> str:
    heading = f'<text x="{x:.1f}" y="{y:.1f}" font-size="12" font-weight="bold">'
    rows = [f"{heading}{escape(title)}</text>"]
    for index, item in enumerate(items):
        top = y + 10 + index * 18
        rows.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="16" height="11" fill={quoteattr(item.colour)}'
            f' stroke="{_STROKE}" stroke-width="0.5"/>'
            f'<text x="{x + 22:.1f}" y="{top + 10:.1f}" font-size="11">{escape(item.label)}</text>'
        )
    return f'<g class="legend">{"".join(rows)}</g>'


def _scale_bar(bar: ScaleBar, x: float, y: float) -> str:
    half = bar.length_units / 2
    return (
        f'<g class="scale-bar" data-length-m="{bar.length_m:g}"'
        f' transform="translate({x:.1f} {y:.1f})">'
        f'<rect x="0" y="0" width="{half:.3f}" height="5" fill="#1f2933"/>'
        f'<rect x="{half:.3f}" y="0" width="{half:.3f}" height="5" fill="#ffffff"'
        ' stroke="#1f2933" stroke-width="0.6"/>'
        f'<rect class="scale-bar-length" x="0" y="0" width="{bar.length_units:.3f}" height="5"'
        ' fill="none" stroke="#1f2933" stroke-width="0.6"/>'
        '<text x="0" y="17" font-size="10" text-anchor="start">0</text>'
        f'<text x="{bar.length_units:.1f}" y="17" font-size="10" text-anchor="end">'
        f"{escape(bar.label)}</text></g>"
    )


def render_choropleth(
    areas: Sequence[Area],
    legend: Sequence[LegendItem],
    layout: Layout = Layout(),  # frozen, so one shared default is safe
    *,
    legend_title: str = "",
    north_label: str = "N",
) -> str:
    """An ``<svg>`` element drawing ``areas`` with a legend, a scale bar and a north arrow.

    Parameters
    ----------
    areas : sequence of Area
        Regions in CGCS2000 lon/lat; their titles become SVG ``<title>`` tooltips.
    legend : sequence of LegendItem
        The classes, in the order to list them.
    layout : Layout
        Size of the drawing and of the side panel holding arrow, legend and scale bar.
    legend_title, north_label : str
        Text for the legend's heading and the arrow ("N", "北").

    Returns
    -------
    str
        SVG markup with every text escaped, ready to embed in HTML.

    Raises
    ------
    ValueError
        If ``areas`` is empty or holds a geometry that is not polygonal.
    """
    lonlat = [polygons_of(area.geometry) for area in areas]
    minx, miny, maxx, maxy = _bounds([p for polygons in lonlat for p in polygons])
    centre = ((minx + maxx) / 2, (miny + maxy) / 2)
    epsg = gk_zone_epsg(centre[0])
    projected = [project_polygons(polygons, epsg) for polygons in lonlat]
    fit = fit_bounds(_bounds([p for polygons in projected for p in polygons]), layout)
    panel_x = layout.width - layout.panel
    bar = scale_bar(fit.scale, layout.panel - 2 * layout.margin)
    paths = [
        f'<path d="{_path_data(polygons, fit)}" fill={quoteattr(area.fill)} stroke="{_STROKE}"'
        f' stroke-width="0.6" fill-rule="evenodd"><title>{escape(area.title)}</title></path>'
        for area, polygons in zip(areas, projected, strict=True)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="choropleth" viewBox="0 0 '
        f'{layout.width:g} {layout.height:g}" width="{layout.width:g}" height="{layout.height:g}"'
        f' font-family={quoteattr(layout.font_family)} data-epsg="{epsg}">'
        f'<g class="areas">{"".join(paths)}</g>'
        + _north_arrow(panel_x + 30, layout.margin + 40, north_rotation(*centre, epsg), north_label)
        + _legend(legend, panel_x, layout.margin + 90, legend_title)
        + _scale_bar(bar, panel_x, layout.height - layout.margin - 24)
        + "</svg>"
    )
