"""GeoJSON FeatureCollections built by PostGIS from a filtered, scoped queryset.

DRF-gis serializers build each feature in Python, about ten times slower than PostgreSQL at a
thousand features (DOMAIN.md §7). A list page is therefore one SQL statement: the queryset, with
one ``json_build_object`` per row made from the serializer's own field declarations, aggregated by
``json_agg``; the text PostgreSQL returns becomes the response body unchanged. Deriving the SQL
from the serializer keeps list and detail properties identical.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, Expression, F, JSONField, OuterRef, QuerySet, Value, When
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from portal.core import sql
from portal.core.functions import JSONBuildObject, UTCTimestamp, geojson_geometry
from portal.org.scoping import cleared_for_all, cleared_q


def _path(source: str) -> str:
    return source.replace(".", "__")


def _many_expression(model: Any, field: serializers.ManyRelatedField) -> Expression:
    """A to-many slug field as an array, ordered like the related model's default ordering."""
    child = field.child_relation
    if not isinstance(child, serializers.SlugRelatedField):
        raise ImproperlyConfigured(f"{field.field_name}: only slug to-many fields map to SQL")
    model_field = model._meta.get_field(field.source)
    related = model_field.related_model._default_manager
    rows = related.filter(**{model_field.related_query_name(): OuterRef("pk")})
    return ArraySubquery(rows.values(child.slug_field))


def field_expression(
    model: Any, field: serializers.Field, geometry: dict[str, Any], user: Any = None
) -> Expression:
    """The SQL expression giving what ``field`` would write for a record read by ``user``."""
    if isinstance(field, serializers.SerializerMethodField) or field.source == "*":
        raise ImproperlyConfigured(f"{field.field_name}: method fields have no SQL equivalent")
    if isinstance(field, serializers.ManyRelatedField):
        return _many_expression(model, field)
    if isinstance(field, serializers.SlugRelatedField):
        slug = F(f"{_path(field.source)}__{field.slug_field}")
        return withheld_related(model, field.source, slug, user)
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return withheld_related(model, field.source, F(_path(field.source)), user)
    if isinstance(field, GeometryField):
        return geojson_geometry(_path(field.source), **geometry)
    if isinstance(field, serializers.DateTimeField):
        return UTCTimestamp(F(_path(field.source)))
    return F(_path(field.source))


def withheld_related(model: Any, source: str, value: Expression, user: Any) -> Expression:
    """``value`` of a related record, or null when that record is classified above ``user``'s
    clearance: its key or code would name a record every channel hides from the reader (an
    asset's secret building). Without a user (no request) the value is as stored."""
    if user is None or "." in source or cleared_for_all(user):
        return value
    related = model._meta.get_field(source).related_model
    queryset_class = related._default_manager._queryset_class
    cleared = cleared_q(related, user, getattr(queryset_class, "confidentiality_path", None))
    if not cleared:
        return value
    readable = related._default_manager.filter(cleared).values("pk")
    return Case(When(**{f"{source}__in": readable}, then=value), default=Value(None))


def feature_expression(
    serializer: Any, *, transform_to: int | None, precision: int, with_geometry: bool = True
) -> Expression:
    """One GeoJSON Feature per row, with the keys and properties of ``serializer``'s output."""
    meta = serializer.Meta
    geometry = {"transform_to": transform_to, "precision": precision}
    user = getattr(serializer.context.get("request"), "user", None)
    properties = {
        name: field_expression(meta.model, field, geometry, user)
        for name, field in serializer.fields.items()
        if name not in (meta.id_field, meta.geo_field) and not field.write_only
    }
    geo_source = _path(serializer.fields[meta.geo_field].source)
    return JSONBuildObject(
        id=F(meta.id_field),
        type=Value("Feature"),
        geometry=geojson_geometry(geo_source, **geometry)
        if with_geometry
        else Value(None, JSONField()),
        properties=JSONBuildObject(**properties),
    )


def feature_rows(
    queryset: QuerySet[Any], feature: Expression, *, limit: int, offset: int
) -> tuple[str, int]:
    """The JSON array of one page of features, and the rows fetched (limit + 1 when more follow).

    The queryset keeps its filters, scope and ordering; only its SELECT list is replaced.
    """
    rows_sql, params = _page_sql(queryset, feature, limit=limit, offset=offset)
    return sql.feature_page(rows_sql, params, limit)


def audited_feature_rows(
    queryset: QuerySet[Any],
    feature: Expression,
    *,
    limit: int,
    offset: int,
    level_path: str,
    levels: list[str],
) -> tuple[str, int, list[Any]]:
    """:func:`feature_rows`, plus the keys of the page's records at ``levels`` (read at
    ``level_path``) for the security audit, from the same statement."""
    extra = ("pk", level_path)
    rows_sql, params = _page_sql(queryset, feature, limit=limit, offset=offset, extra=extra)
    return sql.audited_feature_page(rows_sql, params, limit, levels)


def _page_sql(
    queryset: QuerySet[Any],
    feature: Expression,
    *,
    limit: int,
    offset: int,
    extra: tuple[str, ...] = (),
) -> tuple[str, tuple[Any, ...]]:
    if queryset.query.distinct:
        # SELECT DISTINCT cannot compare json values (multiple-choice filters ask for DISTINCT):
        # deduplicate by primary key instead, which needs the pages ordered by it.
        queryset = queryset.order_by("pk").distinct("pk")
    rows = queryset.annotate(geojson_feature=feature).values_list("geojson_feature", *extra)
    page = rows[offset : offset + limit + 1]
    rows_sql, params = page.query.get_compiler(using=page.db).as_sql()
    return rows_sql, tuple(params)


def feature_collection(features_json: str, **members: Any) -> str:
    """A FeatureCollection around an already-serialised features array, with foreign members.

    No ``crs`` member (RFC 7946); the array is spliced in as text so it is never parsed again.
    """
    head = json.dumps({"type": "FeatureCollection", **members}, ensure_ascii=False)
    return f'{head[:-1]}, "features": {features_json}}}'
