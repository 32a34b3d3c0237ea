"""Database functions the ORM lacks, so GeoJSON can be built by PostgreSQL from a queryset.

Building the JSON in the database is ~10× faster than serialising model instances in Python
(DOMAIN.md §7); these expressions let a FilterSet-filtered, scoped queryset do it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc, Transform
from django.db.models import Expression, F, Func, JSONField, TextField, Value
from django.db.models.functions import Cast


class SimplifyPreserveTopology(GeoFunc):
    """``ST_SimplifyPreserveTopology(geom, tolerance)``: thinned boundaries that stay valid."""

    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField(srid=4490)


class ForcePolygonCCW(GeoFunc):
    """``ST_ForcePolygonCCW``: exterior rings counter-clockwise and holes clockwise, the
    right-hand rule RFC 7946 asks of a GeoJSON polygon (stored boundaries may wind either way)."""

    function = "ST_ForcePolygonCCW"
    output_field = GeometryField(srid=4490)


class FlipCoordinates(GeoFunc):
    """``ST_FlipCoordinates``: y before x, for CRSs whose authority puts latitude or northing
    first (OGC API – Features Part 2 answers in that order)."""

    function = "ST_FlipCoordinates"
    output_field = GeometryField()


class JSONBuildObject(Func):
    """``json_build_object(key, value, ...)``: keeps key order and, unlike Django's
    ``JSONObject`` (``jsonb_build_object`` on PostgreSQL 15), never builds a jsonb per row."""

    function = "json_build_object"
    output_field = JSONField()

    def __init__(self, **fields: Any) -> None:
        pairs: list[Any] = []
        for key, value in fields.items():
            pairs += [Cast(Value(key), TextField()), value]
        super().__init__(*pairs)


class AsJSON(Func):
    """Cast text holding JSON to ``json``, so it is embedded as an object, not a string."""

    template = "(%(expressions)s)::json"
    output_field = JSONField()


class UTCTimestamp(Func):
    """A timestamp as ISO 8601 text in UTC with microseconds, e.g. ``2026-05-01T04:00:00.000000Z``:
    the format :class:`portal.core.api.UTCDateTimeField` writes for the same value."""

    template = """to_char((%(expressions)s) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    output_field = TextField()


def geojson_geometry(field: str, *, transform_to: int | None, precision: int) -> Expression:
    """The GeoJSON geometry object of ``field``, transformed to ``transform_to`` if given.

    ``AsGeoJSON`` passes options 0, so PostGIS adds no ``crs`` member (its default adds one for any
    SRID but 4326, which RFC 7946 forbids).
    """
    source: Expression = F(field) if transform_to is None else Transform(field, transform_to)
    return AsJSON(AsGeoJSON(source, precision=precision))
