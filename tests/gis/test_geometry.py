"""Tests for gis.geometry: polygon validation, MultiPolygon normalisation, coverages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
    box,
)

from gis.china import gcj02_to_wgs84, wgs84_to_gcj02
from gis.errors import GeometryError
from gis.geometry import (
    check_coverage,
    count_vertices,
    gcj02_to_wgs84_geometries,
    repair_polygonal,
    simplify_coverage,
    to_multipolygon,
    validate_polygonal,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
BOWTIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])


def jagged_pair(steps: int = 50) -> list[Polygon]:
    """Two unit squares side by side whose shared border zigzags by ±0.001."""
    border = [(1.0 + (0.001 if i % 2 else 0.0), i / steps) for i in range(steps + 1)]
    left = Polygon([(0, 0), *border, (0, 1)])
    right = Polygon([*border, (2, 1), (2, 0)])
    return [left, right]


# --- validate_polygonal --------------------------------------------------------------------


@pytest.mark.parametrize(
    "geom", [box(0, 0, 1, 1), MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)])]
)
def test_valid_polygons_pass_through(geom: Polygon) -> None:
    assert validate_polygonal(geom) is geom


def test_missing_geometry_is_rejected() -> None:
    with pytest.raises(GeometryError, match="parcel boundary is missing"):
        validate_polygonal(None, field="parcel boundary")


@pytest.mark.parametrize("geom", [Polygon(), MultiPolygon()])
def test_empty_geometry_is_rejected(geom: Polygon) -> None:
    with pytest.raises(GeometryError) as caught:
        validate_polygonal(geom, field="footprint")
    assert caught.value.user_message == "The footprint is empty."


@pytest.mark.parametrize(
    ("geom", "kind"),
    [
        (Point(104.0, 30.6), "Point"),
        (LineString([(0, 0), (1, 1)]), "LineString"),
        (GeometryCollection([box(0, 0, 1, 1)]), "GeometryCollection"),
    ],
)
def test_non_polygonal_geometry_is_rejected(geom: Point, kind: str) -> None:
    with pytest.raises(GeometryError, match=f"geometry is a {kind}, expected Polygon") as caught:
        validate_polygonal(geom)
    assert caught.value.user_message == (
        f"The geometry must be a polygon or multipolygon, not a {kind}."
    )


def test_self_intersection_is_located() -> None:
    with pytest.raises(GeometryError) as caught:
        validate_polygonal(BOWTIE, field="parcel boundary")
    message = caught.value.user_message
    assert message == "The parcel boundary is not valid: self-intersection at (0.500000, 0.500000)."
    assert "self-intersection" in str(caught.value)
    assert caught.value.http_status == 400


def test_overlapping_parts_of_a_multipolygon_are_rejected() -> None:
    overlapping = MultiPolygon([box(0, 0, 2, 2), box(1, 1, 3, 3)])
    with pytest.raises(GeometryError, match="self-intersection at"):
        validate_polygonal(overlapping)


def test_hole_outside_shell_is_named() -> None:
    geom = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(2, 2), (3, 2), (3, 3)]])
    with pytest.raises(GeometryError, match=r"hole lies outside shell at \(2\.000000, 2\.000000\)"):
        validate_polygonal(geom)


# --- to_multipolygon -----------------------------------------------------------------------


def test_polygon_becomes_one_part_multipolygon() -> None:
    result = to_multipolygon(box(0, 0, 1, 1))
    assert result.geom_type == "MultiPolygon"
    assert len(result.geoms) == 1
    assert result.equals(box(0, 0, 1, 1))


def test_multipolygon_is_returned_unchanged() -> None:
    geom = MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)])
    assert to_multipolygon(geom) is geom


def test_polygonal_collection_is_flattened() -> None:
    geom = GeometryCollection([box(0, 0, 1, 1), MultiPolygon([box(2, 2, 3, 3), box(4, 4, 5, 5)])])
    result = to_multipolygon(geom)
    assert result.geom_type == "MultiPolygon"
    assert len(result.geoms) == 3


def test_empty_polygon_gives_empty_multipolygon() -> None:
    result = to_multipolygon(Polygon())
    assert result.geom_type == "MultiPolygon"
    assert result.is_empty


@pytest.mark.parametrize(
    "geom", [LineString([(0, 0), (1, 1)]), GeometryCollection([box(0, 0, 1, 1), Point(5, 5)])]
)
def test_non_polygonal_input_cannot_become_multipolygon(geom: LineString) -> None:
    with pytest.raises(
        GeometryError, match=r"depot catchment is a .*, expected polygonal"
    ) as caught:
        to_multipolygon(geom, field="depot catchment")
    assert "must be a polygon or multipolygon" in caught.value.user_message


# --- check_coverage ------------------------------------------------------------------------


def test_adjacent_squares_form_a_coverage() -> None:
    check_coverage([box(0, 0, 1, 1), box(1, 0, 2, 1)])


def test_overlap_names_the_members_and_the_place() -> None:
    with pytest.raises(GeometryError) as caught:
        check_coverage([box(0, 0, 1, 1), box(0.5, 0, 2, 1)], labels=["510104", "510105"])
    message = str(caught.value)
    assert "2 of 2 members overlap" in message
    assert "510104, 510105" in message
    assert "first faulty edge near (" in message


def test_neighbours_must_share_vertices() -> None:
    # The right square's edge has a vertex at y = 0.5 that the left one lacks.
    right = Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.5)])
    with pytest.raises(GeometryError, match="do not share vertices"):
        check_coverage([box(0, 0, 1, 1), right])


def test_invalid_member_is_named() -> None:
    with pytest.raises(GeometryError, match="county layer member 500103 is not valid"):
        check_coverage([box(5, 5, 6, 6), BOWTIE], labels=["510104", "500103"], field="county layer")


def test_narrow_gap_is_rejected_only_when_asked() -> None:
    # A 0.001-wide slot between the two lower squares, closed at the top by a third.
    top = Polygon([(0, 1), (1, 1), (1.001, 1), (2, 1), (2, 2), (0, 2)])
    geoms = [box(0, 0, 1, 1), box(1.001, 0, 2, 1), top]
    check_coverage(geoms)
    with pytest.raises(GeometryError):
        check_coverage(geoms, gap_width=0.01)


def test_labels_must_match_geometries() -> None:
    with pytest.raises(ValueError, match="got 1 labels for 2 geometries"):
        check_coverage([box(0, 0, 1, 1), box(1, 0, 2, 1)], labels=["a"])


def test_long_listings_are_shortened() -> None:
    squares = [box(0, 0, 1, 1)] * 12
    with pytest.raises(GeometryError, match="and 2 more"):
        check_coverage(squares)


# --- simplify_coverage ---------------------------------------------------------------------


def test_simplification_keeps_the_shared_border_shared() -> None:
    pair = jagged_pair()
    result = simplify_coverage(pair, 0.01, labels=["left", "right"])
    assert count_vertices(result) < count_vertices(pair) / 3
    assert all(geom.geom_type == "MultiPolygon" and geom.is_valid for geom in result)
    assert shapely.coverage_is_valid(np.array(result))
    left, right = result
    assert left.intersection(right).area == 0
    assert left.boundary.intersection(right.boundary).length == pytest.approx(1.0, abs=0.01)
    assert left.union(right).area == pytest.approx(2.0, abs=1e-3)


def test_simplification_rejects_an_overlapping_input() -> None:
    with pytest.raises(GeometryError, match="overlap"):
        simplify_coverage([box(0, 0, 1, 1), box(0.5, 0, 2, 1)], 0.01)


def test_simplification_rejects_an_invalid_member() -> None:
    with pytest.raises(GeometryError, match="self-intersection"):
        simplify_coverage([BOWTIE], 0.01)


@pytest.mark.parametrize("tolerance", [0.0, -0.1, float("nan"), float("inf")])
def test_tolerance_must_be_positive(tolerance: float) -> None:
    with pytest.raises(ValueError, match="tolerance must be a positive number"):
        simplify_coverage([box(0, 0, 1, 1)], tolerance)


def test_simplification_keeps_small_members() -> None:
    # A small square inside a large one's hole: a coverage simplifier must not drop it.
    outer = Polygon(box(0, 0, 10, 10).exterior.coords, [box(4, 4, 4.5, 4.5).exterior.coords])
    result = simplify_coverage([outer, box(4, 4, 4.5, 4.5)], 0.05)
    assert not result[1].is_empty
    assert shapely.coverage_is_valid(np.array(result))


# --- gcj02_to_wgs84_geometries and count_vertices ------------------------------------------


def test_conversion_matches_the_point_conversion() -> None:
    lon, lat = wgs84_to_gcj02(104.0657, 30.6570)
    (converted,) = gcj02_to_wgs84_geometries([Point(lon, lat)])
    assert (converted.x, converted.y) == gcj02_to_wgs84(lon, lat)
    assert converted.x == pytest.approx(104.0657, abs=1e-9)
    assert converted.y == pytest.approx(30.6570, abs=1e-9)


def test_conversion_keeps_a_coverage_a_coverage() -> None:
    # Two neighbouring counties near Chengdu, in GCJ-02, with a jagged shared border.
    pair = [affinity.translate(geom, 103.0, 30.0) for geom in jagged_pair()]
    converted = gcj02_to_wgs84_geometries(pair)
    assert [geom.geom_type for geom in converted] == ["Polygon", "Polygon"]
    assert shapely.coverage_is_valid(np.array(converted))
    shift = np.subtract(pair[0].exterior.coords[0], converted[0].exterior.coords[0])
    assert 0.001 < float(np.hypot(*shift)) < 0.005  # a few hundred metres, as GCJ-02 is


def test_count_vertices_counts_closing_points() -> None:
    assert count_vertices([box(0, 0, 1, 1), MultiPolygon([box(2, 2, 3, 3)])]) == 10
    assert count_vertices([]) == 0


def test_gis_geometry_imports_without_django() -> None:
    check = (
        "import gis.geometry, sys; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_repair_turns_a_bowtie_into_two_triangles() -> None:
    bowtie = shapely.from_wkt("POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))")
    repaired = repair_polygonal(bowtie)
    assert repaired.geom_type == "MultiPolygon"
    assert shapely.is_valid(repaired)
    assert len(repaired.geoms) == 2
    assert repaired.area == pytest.approx(0.5)


def test_repair_refuses_a_ring_without_area() -> None:
    flat = shapely.from_wkt("POLYGON((0 0, 1 1, 2 2, 0 0))")
    with pytest.raises(GeometryError, match="no area left"):
        repair_polygonal(flat)
