"""Validation, type normalisation and coverage-preserving simplification of polygons.

The registry stores areas (divisions, parcels, depot catchments) as ``MultiPolygon`` in
EPSG:4490. This module holds the checks every such geometry must pass, whether it comes from a
fixture builder, an upload or a form:

* :func:`validate_polygonal` rejects missing, empty, non-polygonal and invalid geometries with
  a message naming the problem and where it is (``self-intersection at (104.06, 30.65)``);
* :func:`to_multipolygon` normalises polygonal input to a ``MultiPolygon``;
* :func:`repair_polygonal` repairs an invalid polygon, for callers that were asked to;
* :func:`check_coverage` verifies that a set of polygons forms a coverage (no overlaps, and
  neighbours share their vertices exactly), as administrative divisions must;
* :func:`simplify_coverage` simplifies such a set as a whole, so that neighbours keep one
  shared border instead of each being simplified on its own into slivers and overlaps;
* :func:`gcj02_to_wgs84_geometries` removes the GCJ-02 offset from a batch of geometries
  without breaking shared borders.

Every rejection raises :class:`gis.errors.GeometryError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from gis.china import gcj02_to_wgs84
from gis.errors import GeometryError

__all__ = [
    "check_coverage",
    "count_vertices",
    "gcj02_to_wgs84_geometries",
    "simplify_coverage",
    "to_multipolygon",
    "validate_polygonal",
]

FloatArray = npt.NDArray[np.float64]

_POLYGONAL: Final = frozenset({"Polygon", "MultiPolygon"})
# GEOS reports e.g. "Self-intersection[104.0662 30.6527]": the problem, then its location.
_REASON: Final = re.compile(r"^(?P<problem>[^\[]*)\[(?P<x>\S+) (?P<y>[^\]]+)\]$")
# Coverage errors list at most this many offending members by name.
_MAX_LISTED: Final = 10


def _coordinate(text: str) -> str:
    try:
        return f"{float(text):.6f}"
    except ValueError:
        return text


def _invalidity(geom: BaseGeometry) -> str:
    """Describe why ``geom`` is invalid, e.g. ``"self-intersection at (0.5, 0.5)"``."""
    reason = str(shapely.is_valid_reason(geom))
    match = _REASON.match(reason)
    if match is None:
        return reason
    problem = match["problem"].strip().lower()
    return f"{problem} at ({_coordinate(match['x'])}, {_coordinate(match['y'])})"


def validate_polygonal(geom: BaseGeometry | None, *, field: str = "geometry") -> BaseGeometry:
    """Check that a geometry is a non-empty, valid Polygon or MultiPolygon.

    Parameters
    ----------
    geom : shapely geometry or None
        The geometry to check.
    field : str, optional
        Human name of the geometry, used in messages (e.g. ``"parcel boundary"``).

    Returns
    -------
    shapely geometry
        ``geom`` itself, so calls can be chained.

    Raises
    ------
    GeometryError
        If the geometry is missing, empty, not polygonal or invalid. For an invalid geometry
        the message names the problem GEOS found and its location, e.g. ``"parcel boundary is
        not valid: self-intersection at (104.066228, 30.652749)"``.
    """
    if geom is None:
        raise GeometryError(f"{field} is missing", user_message=f"The {field} is missing.")
    if geom.geom_type not in _POLYGONAL:
        raise GeometryError(
            f"{field} is a {geom.geom_type}, expected Polygon or MultiPolygon",
            user_message=f"The {field} must be a polygon or multipolygon, not a {geom.geom_type}.",
        )
    if geom.is_empty:
        raise GeometryError(f"{field} is empty", user_message=f"The {field} is empty.")
    if not shapely.is_valid(geom):
        problem = _invalidity(geom)
        raise GeometryError(
            f"{field} is not valid: {problem}", user_message=f"The {field} is not valid: {problem}."
        )
    return geom


def to_multipolygon(geom: BaseGeometry, *, field: str = "geometry") -> MultiPolygon:
    """Return a polygonal geometry as a MultiPolygon.

    A Polygon becomes a one-part MultiPolygon, a MultiPolygon is returned unchanged and a
    GeometryCollection made only of polygonal parts is flattened. Validity is not checked here
    (see :func:`validate_polygonal`); an empty polygon gives an empty MultiPolygon.

    Raises
    ------
    GeometryError
        If ``geom`` is, or contains, anything other than polygons.
    """
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()
    if geom.geom_type == "GeometryCollection":
        parts = [
            part for member in geom.geoms for part in to_multipolygon(member, field=field).geoms
        ]
        return MultiPolygon(parts)
    raise GeometryError(
        f"{field} is a {geom.geom_type}, expected polygonal geometry",
        user_message=f"The {field} must be a polygon or multipolygon, not a {geom.geom_type}.",
    )


def repair_polygonal(geom: BaseGeometry, *, field: str = "geometry") -> MultiPolygon:
    """Repair an invalid polygonal geometry into a valid MultiPolygon, on explicit request only.

    ``shapely.make_valid`` with the "structure" method rebuilds rings by their structure (a
    bow-tie becomes two triangles, an overlapping part is merged); lines and points that the
    repair leaves behind are dropped, since they have no area.

    Raises
    ------
    GeometryError
        If nothing polygonal remains, e.g. for a ring collapsed to a line.
    """
    repaired = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = [part for part in shapely.get_parts(repaired) if part.geom_type.endswith("Polygon")]
    polygons = [poly for part in parts for poly in to_multipolygon(part, field=field).geoms]
    if not polygons:
        raise GeometryError(
            f"{field} has no area left after repair",
            user_message=f"The {field} cannot be repaired: it encloses no area.",
        )
    return to_multipolygon(shapely.union_all(polygons), field=field)


def _labels(geoms: Sequence[BaseGeometry], labels: Sequence[str] | None) -> list[str]:
    if labels is None:
        return [f"#{index}" for index in range(len(geoms))]
    if len(labels) != len(geoms):
        raise ValueError(f"got {len(labels)} labels for {len(geoms)} geometries")
    return list(labels)


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED])
    return shown if len(names) <= _MAX_LISTED else f"{shown} and {len(names) - _MAX_LISTED} more"


def check_coverage(
    geoms: Sequence[BaseGeometry],
    *,
    labels: Sequence[str] | None = None,
    gap_width: float = 0.0,
    field: str = "coverage",
) -> None:
    """Check that polygons form a valid coverage.

    A coverage is valid when every member is a valid polygon, no two members overlap and
    neighbours share their common border vertex for vertex. With ``gap_width`` > 0, gaps
    between members narrower than that width are rejected too.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        The members of the coverage.
    labels : sequence of str, optional
        One name per member (e.g. division codes), used in messages; defaults to ``#index``.
    gap_width : float, optional
        Width, in coordinate units, below which a gap counts as an error. 0 ignores gaps.
    field : str, optional
        Human name of the coverage, used in messages.

    Raises
    ------
    GeometryError
        Naming the invalid members, or the members whose borders overlap, misalign or leave
        narrow gaps, and the location of the first faulty edge.
    ValueError
        If ``labels`` does not have one entry per geometry.
    """
    names = _labels(geoms, labels)
    for geom, name in zip(geoms, names, strict=True):
        validate_polygonal(geom, field=f"{field} member {name}")
    edges = shapely.coverage_invalid_edges(np.array(list(geoms), dtype=object), gap_width=gap_width)
    bad = [index for index, edge in enumerate(edges) if not edge.is_empty]
    if not bad:
        return
    x, y = shapely.get_coordinates(edges[bad[0]])[0]
    problem = (
        f"{len(bad)} of {len(geoms)} members overlap, leave gaps or do not share vertices with "
        f"their neighbours: {_listing([names[i] for i in bad])}; first faulty edge near "
        f"({x:.6f}, {y:.6f})"
    )
    raise GeometryError(f"{field}: {problem}", user_message=f"The {field} is not valid: {problem}.")


def simplify_coverage(
    geoms: Sequence[BaseGeometry],
    tolerance: float,
    *,
    labels: Sequence[str] | None = None,
    field: str = "coverage",
) -> list[MultiPolygon]:
    """Simplify a polygonal coverage as a whole, keeping shared borders shared.

    Each border between two neighbours, and each outer border, is simplified once
    (Visvalingam-Whyatt, GEOS ``CoverageSimplifier``), so the result has no new gaps or
    overlaps. The input and the output are both checked with :func:`check_coverage`.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        A valid coverage of Polygons or MultiPolygons.
    tolerance : float
        Simplification distance in coordinate units (degrees for EPSG:4490); must be > 0.
    labels : sequence of str, optional
        One name per member, used in messages.
    field : str, optional
        Human name of the coverage, used in messages.

    Returns
    -------
    list of MultiPolygon
        The simplified members, in input order.

    Raises
    ------
    GeometryError
        If the input is not a valid coverage, or a member collapses or becomes invalid.
    ValueError
        If ``tolerance`` is not a positive finite number.
    """
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance must be a positive number, got {tolerance!r}")
    names = _labels(geoms, labels)
    check_coverage(geoms, labels=names, field=field)
    simplified = shapely.coverage_simplify(np.array(list(geoms), dtype=object), tolerance)
    result = [
        to_multipolygon(validate_polygonal(geom, field=f"simplified {field} member {name}"))
        for geom, name in zip(simplified, names, strict=True)
    ]
    check_coverage(result, labels=names, field=f"simplified {field}")
    return result


def count_vertices(geoms: Sequence[BaseGeometry]) -> int:
    """Return the total number of coordinates of ``geoms`` (closing vertices included)."""
    return int(shapely.get_num_coordinates(np.array(list(geoms), dtype=object)).sum())


def _gcj02_to_wgs84_xy(xy: FloatArray) -> FloatArray:
    lon, lat = gcj02_to_wgs84(np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]))
    return np.column_stack((lon, lat))


def gcj02_to_wgs84_geometries(geoms: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Convert geometries from GCJ-02 to WGS84 (= CGCS2000 within a metre) in one batch.

    All coordinates go through :func:`gis.china.gcj02_to_wgs84` in a single call. The inverse
    iterates until the whole batch has converged, so converting the geometries one by one
    could treat the same vertex differently in two neighbours (at the 1e-12 degree level) and
    break their shared border; one batch maps equal vertices to equal vertices, which keeps a
    coverage a coverage. Z values are dropped.

    Returns
    -------
    list of shapely geometries
        The converted geometries, in input order and of the same types.
    """
    converted = shapely.transform(np.array(list(geoms), dtype=object), _gcj02_to_wgs84_xy)
    return list(converted)
