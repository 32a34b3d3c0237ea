"""SVG choropleths for printed reports: projection, fit, scale bar, legend and escaping."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pyproj import Geod

from gis.svgmap import (
    Area,
    Layout,
    LegendItem,
    distance_label,
    fit_bounds,
    nice_length_m,
    north_rotation,
    polygons_of,
    render_choropleth,
    scale_bar,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
GEOD = Geod(ellps="GRS80")


def square(lon: float, lat: float, half: float) -> dict[str, object]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def two_squares() -> list[Area]:
    return [
        Area(square(104.5, 30.5, 0.5), "#43a2ca", "成都市 60%"),
        Area(
            {"type": "MultiPolygon", "coordinates": [square(105.8, 31.2, 0.3)["coordinates"]]},
            "#f0f9e8",
            "绵阳市 <5%> & co",
        ),
    ]


def render(**kwargs: object) -> ET.Element:
    legend = [LegendItem("#f0f9e8", "0–20%"), LegendItem("#e4e7eb", "无案件")]
    return ET.fromstring(render_choropleth(two_squares(), legend, **kwargs))  # type: ignore[arg-type]


def path_points(element: ET.Element) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", element.attrib["d"])]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def test_paths_inside_the_view_box() -> None:
    svg = render()
    _, _, width, height = (float(v) for v in svg.attrib["viewBox"].split())
    paths = svg.findall(f"{SVG}g[@class='areas']/{SVG}path")
    assert len(paths) == 2
    for path in paths:
        for x, y in path_points(path):
            assert 0 <= x <= width
            assert 0 <= y <= height


def test_paths_stay_left_of_the_panel() -> None:
    layout = Layout()
    svg = render()
    xs = [
        x for path in svg.iter(f"{SVG}path") if path.get("fill-rule") for x, _ in path_points(path)
    ]
    assert max(xs) <= layout.width - layout.panel - layout.margin + 0.1


def test_scale_bar_length_matches_the_ground() -> None:
    svg = render()
    bar = svg.find(f"{SVG}g[@class='scale-bar']")
    assert bar is not None
    length_m = float(bar.attrib["data-length-m"])
    rect = bar.find(f"{SVG}rect[@class='scale-bar-length']")
    assert rect is not None
    units = float(rect.attrib["width"])
    # The first square's southern edge: its drawn width against its geodesic length.
    chengdu = svg.findall(f"{SVG}g[@class='areas']/{SVG}path")[0]
    xs = [x for x, _ in path_points(chengdu)]
    _, _, ground_m = GEOD.inv(104.0, 30.0, 105.0, 30.0)
    drawn_units_per_m = (max(xs) - min(xs)) / ground_m
    assert units / length_m == pytest.approx(drawn_units_per_m, rel=0.01)
    assert length_m in {1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5}
    assert bar.findall(f"{SVG}text")[1].text == distance_label(length_m)


def test_projection_is_the_gauss_kruger_zone_of_the_centre() -> None:
    assert render().attrib["data-epsg"] == "4544"  # centre 105°E: CGCS2000 3° zone 35


def test_titles_and_legend_are_escaped_text() -> None:
    svg = render(legend_title="登记率", north_label="北")
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert titles == ["成都市 60%", "绵阳市 <5%> & co"]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "登记率" in texts
    assert "无案件" in texts
    assert "北" in texts
    assert svg.attrib["font-family"] == "Noto Sans CJK SC"


def test_north_arrow_points_to_true_north() -> None:
    # East of the central meridian, grid north lies east of true north: the arrow turns left.
    assert north_rotation(105.0, 30.0, 4544) == pytest.approx(0.0, abs=1e-6)
    assert north_rotation(107.0, 30.0, 4544) < -0.5
    assert north_rotation(103.0, 30.0, 4544) > 0.5


@pytest.mark.parametrize(
    ("limit", "expected"),
    [(1.0, 1.0), (149.0, 100.0), (250.0, 200.0), (999.0, 500.0), (73_400.0, 50_000.0)],
)
def test_nice_length(limit: float, expected: float) -> None:
    assert nice_length_m(limit) == pytest.approx(expected)


def test_nice_length_refuses_nothing() -> None:
    with pytest.raises(ValueError, match="positive"):
        nice_length_m(0)


def test_scale_bar_fits_its_room() -> None:
    bar = scale_bar(scale=0.001, max_units=146)  # 1 unit = 1 km
    assert (bar.length_m, bar.length_units, bar.label) == (100_000.0, 100.0, "100 km")
    assert distance_label(500.0) == "500 m"


def test_fit_keeps_aspect_and_centres() -> None:
    layout = Layout(width=400, height=300, margin=10, panel=100)
    fit = fit_bounds((0.0, 0.0, 10_000.0, 5_000.0), layout)
    left, top, box_w, box_h = layout.map_box
    assert fit.scale == pytest.approx(min(box_w / 10_000, box_h / 5_000))
    x0, y0 = fit.to_svg(0.0, 0.0)
    x1, y1 = fit.to_svg(10_000.0, 5_000.0)
    assert (x0 + x1) / 2 == pytest.approx(left + box_w / 2)
    assert (y0 + y1) / 2 == pytest.approx(top + box_h / 2)
    assert y1 < y0  # northings grow upwards


def test_only_polygons() -> None:
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        polygons_of({"type": "Point", "coordinates": [104.0, 30.0]})
    with pytest.raises(ValueError, match="nothing to draw"):
        render_choropleth([], [])


def test_imports_without_django() -> None:
    check = (
        "import sys, gis.svgmap; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
