"""Raw SQL of the maps app: Mapbox Vector Tiles built by PostGIS around a compiled queryset.

The queryset (scoping, clearance, filters and the ``&&`` prefilter on the tile) arrives compiled
as ``source``, selecting ``tile_geom`` (a point or shape in EPSG:4490), ``tile_id``, the record
properties as ``tile_p0``, ``tile_p1``… and the style column as ``tile_style``. Everything around
it is written here, with named parameters: Django's ``%s`` placeholders of the source are renamed
``%(q0)s``… so the two can be combined (:func:`named`).

Points are projected to Web Mercator with the spherical formulas of EPSG:3857 rather than
``ST_Transform``: the result is the same, several times cheaper per row, and it keeps the
planner's cost estimate of a 100,000-point tile low.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

# The sphere of EPSG:3857 and half the width of its square world, in metres.
EARTH_RADIUS_M = 6378137.0
HALF_WORLD_M = 20037508.342789244

_PLACEHOLDER = re.compile(r"%(%|s)")
# ST_AsMVT skips rows whose geometry is NULL, which is what ST_AsMVTGeom returns for a feature
# outside the tile and its buffer. Filtering those rows in SQL instead would let the planner push
# the filter below GROUP BY and run ST_AsMVTGeom once per point rather than once per cell.


@dataclass(frozen=True)
class Statement:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Columns:
    """What a layer's features carry.

    ``properties`` are selected by the source as ``tile_p<i>``; those at ``sums`` are added up in
    a cell; ``styles`` are the values of ``tile_style`` a cell counts separately.
    """

    properties: tuple[str, ...]
    sums: tuple[int, ...] = ()
    styles: tuple[str, ...] = ()

    @property
    def counts(self) -> tuple[str, ...]:
        """The count properties of a cell feature: ``count`` and ``count_<style value>``."""
        return ("count", *(f"count_{value}" for value in self.styles))


def alias(index: int) -> str:
    """The source column of the property at ``index``."""
    return f"tile_p{index}"


def named(sql: str, params: Sequence[Any], prefix: str = "q") -> Statement:
    """A compiled queryset with its ``%s`` placeholders renamed ``%(q0)s``, ``%(q1)s``…"""
    numbers = iter(range(len(params)))

    def rename(match: re.Match[str]) -> str:
        return "%%" if match.group(1) == "%" else f"%({prefix}{next(numbers)})s"

    text = _PLACEHOLDER.sub(rename, sql)
    return Statement(text, {f"{prefix}{i}": value for i, value in enumerate(params)})


def _q(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _mvt_geom(geom: str) -> str:
    return (
        f"ST_AsMVTGeom({geom}, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s, true)"
    )


# Each source row in Web Mercator (mx, my) and the grid cell it falls in, counted from the
# world's top-left corner so that cells line up across neighbouring tiles.
_CELLS = """
SELECT src.*,
    floor((src.mx + %(half)s) / %(cell)s) AS cell_x,
    floor((%(half)s - src.my) / %(cell)s) AS cell_y
FROM (
    SELECT src.*,
        %(radius)s * radians(ST_X(src.tile_geom)) AS mx,
        %(radius)s * ln(tan(pi() / 4 + radians(ST_Y(src.tile_geom)) / 2)) AS my
    FROM ({source}) AS src
) AS src
"""
_CENTRE = (
    "ST_Point((cell_x + 0.5) * %(cell)s - %(half)s, %(half)s - (cell_y + 0.5) * %(cell)s, 3857)"
)


def _aggregates(columns: Columns) -> str:
    parts = ['count(*) AS "count"']
    parts += [
        f"count(*) FILTER (WHERE tile_style = %(style{i})s) AS {_q(name)}"
        for i, name in enumerate(columns.counts[1:])
    ]
    # Sums to the cent (or square metre hundredth): float addition would show 0.100000003.
    parts += [
        f"round(sum({alias(i)})::numeric, 2)::float8 AS {_q(columns.properties[i])}"
        for i in columns.sums
    ]
    return ", ".join(parts)


def _cell_names(columns: Columns) -> list[str]:
    return [*columns.counts, *(columns.properties[i] for i in columns.sums)]


def _cell_params(columns: Columns, cell_m: float) -> dict[str, Any]:
    styles = {f"style{i}": value for i, value in enumerate(columns.styles)}
    return {"half": HALF_WORLD_M, "radius": EARTH_RADIUS_M, "cell": cell_m, **styles}


def _with_cells(source: Statement, columns: Columns) -> str:
    return (
        f"WITH cells AS ({_CELLS.format(source=source.sql)}), "
        f"counts AS (SELECT cell_x, cell_y, {_aggregates(columns)} "
        "FROM cells GROUP BY cell_x, cell_y) "
    )


def cells_tile(source: Statement, columns: Columns, cell_m: float) -> Statement:
    """One point per grid cell, at its centre, carrying counts and sums: for low zooms."""
    selected = ", ".join(f"counts.{_q(name)}" for name in _cell_names(columns))
    sql = (
        _with_cells(source, columns)
        + "SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom') FROM ("
        + f"SELECT {selected}, {_mvt_geom(_CENTRE)} AS geom FROM counts"
        + ") AS features"
    )
    return Statement(sql, {**source.params, **_cell_params(columns, cell_m)})


def _record_list(columns: Columns, table: str) -> list[str]:
    props = [f"{table}.{alias(i)} AS {_q(name)}" for i, name in enumerate(columns.properties)]
    return [f"{table}.tile_id AS id", *props]


def capped_tile(source: Statement, columns: Columns, cell_m: float, cap: int) -> Statement:
    """Every point as a record, except in cells holding more than ``cap``: those are one count.

    A cell is decided on all of its points, so the source must cover the tile and a margin of
    one cell; records outside the tile's buffer are then clipped away by ``ST_AsMVTGeom``.
    """
    no_counts = [f"NULL::bigint AS {_q(name)}" for name in columns.counts]
    records = [*_record_list(columns, "cells"), *no_counts]
    props = [
        f"counts.{_q(name)}" if i in columns.sums else "NULL"
        for i, name in enumerate(columns.properties)
    ]
    cells = ["NULL", *props, *(f"counts.{_q(c)}" for c in columns.counts)]
    point = _mvt_geom("ST_Point(cells.mx, cells.my, 3857)")
    sql = (
        _with_cells(source, columns)
        + "SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom', 'id') FROM ("
        + f"SELECT {', '.join(records)}, {point} AS geom "
        + 'FROM cells JOIN counts USING (cell_x, cell_y) WHERE counts."count" <= %(cap)s '
        + f"UNION ALL SELECT {', '.join(cells)}, {_mvt_geom(_CENTRE)} "
        + 'FROM counts WHERE counts."count" > %(cap)s'
        + ") AS features"
    )
    return Statement(sql, {**source.params, **_cell_params(columns, cell_m), "cap": cap})


def shapes_tile(source: Statement, columns: Columns, tolerance_m: float = 0.0) -> Statement:
    """Every record with its own geometry (polygons), simplified to ``tolerance_m`` when > 0."""
    shape = "ST_Transform(src.tile_geom, 3857)"
    if tolerance_m > 0:
        shape = f"ST_Simplify({shape}, %(tolerance)s, true)"
    sql = (
        "SELECT ST_AsMVT(features, %(layer)s, %(extent)s, 'geom', 'id') FROM ("
        + f"SELECT {', '.join(_record_list(columns, 'src'))}, {_mvt_geom(shape)} AS geom "
        + f"FROM ({source.sql}) AS src"
        + ") AS features"
    )
    params = {**source.params, "tolerance": tolerance_m} if tolerance_m > 0 else source.params
    return Statement(sql, params)


def labels_tile(source: Statement, columns: Columns) -> Statement:
    """A point inside each record's shape, for its label (without a feature id)."""
    props = [f"src.{alias(i)} AS {_q(name)}" for i, name in enumerate(columns.properties)]
    point = _mvt_geom("ST_Transform(ST_PointOnSurface(src.tile_geom), 3857)")
    sql = (
        "SELECT ST_AsMVT(labels, %(labels)s, %(extent)s, 'geom') FROM ("
        + f"SELECT {', '.join(props)}, {point} AS geom FROM ({source.sql}) AS src"
        + ") AS labels"
    )
    return Statement(sql, source.params)


def joined(*layers: Statement) -> Statement:
    """Tiles of several layers as one: MVT layers concatenate."""
    sql = " || ".join(f"({layer.sql})" for layer in layers)
    params: dict[str, Any] = {}
    for layer in layers:
        params.update(layer.params)
    return Statement(f"SELECT {sql}", params)


def versioned(tile: Statement, key: str, tables: Sequence[str], known: Sequence[str]) -> Statement:
    """The tile's ETag and, unless the client already holds that version, the tile: one query.

    The ETag hashes ``key`` with the latest history event id of each table in ``tables``; the
    tile is a sub-select in a ``CASE`` branch, which PostgreSQL only runs when that branch is
    taken, so a matching ``If-None-Match`` costs a few index lookups.
    """
    versions = "".join(
        f" || ':' || coalesce((SELECT max(pgh_id) FROM {_q(table)}), 0)" for table in tables
    )
    sql = (
        "SELECT version.etag, CASE WHEN version.etag = ANY(%(known)s::text[]) THEN NULL "
        f"ELSE ({tile.sql}) END FROM (SELECT md5(%(key)s{versions}) AS etag) AS version"
    )
    return Statement(sql, {**tile.params, "key": key, "known": list(known)})


def fetch_versioned(statement: Statement) -> tuple[str, bytes | None]:
    """Run a :func:`versioned` statement: the ETag, and the tile or None if not modified."""
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        etag, body = cursor.fetchone()
    return etag, None if body is None else bytes(body)


def fetch_tile(tile: Statement) -> bytes:
    """Run a tile statement on its own (benchmarks compare the endpoint with this)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({tile.sql})", tile.params)
        return bytes(cursor.fetchone()[0])
