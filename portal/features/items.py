"""Reading a collection's features: the scoped queryset, narrowed by the request, as GeoJSON
built by PostGIS in one statement (portal.core.geojson) in the CRS the client asked for."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, Expression, F, Max, Min, Q, QuerySet, Value
from django.utils import timezone

from gis.crs import STORAGE_SRID
from portal.audits.services import CLASSIFIED, level_path, sees_classified
from portal.core import geojson
from portal.core.functions import AsJSON, FlipCoordinates, ForcePolygonCCW, JSONBuildObject
from portal.features.collections import Collection
from portal.features.crs import OutputCRS
from portal.features.exceptions import FeatureNotFoundError, InvalidParameterError
from portal.features.params import Interval, ItemsQuery


def geometry_expression(collection: Collection, out: OutputCRS) -> Expression:
    """The feature's geometry: polygons wound by RFC 7946's right-hand rule, transformed and
    put in the CRS's axis order."""
    source: Expression = F(collection.geometry)
    if collection.geometry_type != "Point":
        source = ForcePolygonCCW(source)
    if out.srid != STORAGE_SRID:
        source = Transform(source, out.srid)
    if out.northing_first:
        source = FlipCoordinates(source)
    return AsJSON(AsGeoJSON(source, precision=out.precision))


def feature_expression(collection: Collection, out: OutputCRS, user: Any) -> Expression:
    """One GeoJSON Feature per row, with the REST API's properties of the record as ``user``
    reads them (a related record classified above the user's clearance is named by null)."""
    model = collection.model
    properties = {
        name: geojson.field_expression(model, field, {}, user)
        for name, field in collection.property_fields.items()
    }
    return JSONBuildObject(
        type=Value("Feature"),
        id=F(collection.id_field),
        geometry=geometry_expression(collection, out),
        properties=JSONBuildObject(**properties),
    )


def narrowed(collection: Collection, user: Any, query: ItemsQuery, request: Any) -> QuerySet[Any]:
    """The records of ``collection`` that ``user`` may read and the query selects."""
    records = collection.records(user)
    if query.filters:
        filterset = collection.filterset(query.filters, queryset=records, request=request)
        if not filterset.is_valid():
            raise InvalidParameterError(_describe(filterset.errors))
        records = filterset.qs
    if query.bbox is not None:
        records = records.filter(**{f"{collection.geometry}__intersects": query.bbox})
    if query.interval is not None:
        records = records.filter(_in_interval(collection, query.interval))
    return records


def _describe(errors: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{name}: {message}" for name, messages in errors.items() for message in messages
    )


def _bound(collection: Collection, name: str, value: Any) -> Any:
    """A datetime bound as the property stores it: a date property compares local dates."""
    field = collection.model._meta.get_field(name)
    if value is None or isinstance(field, DateTimeField):
        return value
    return timezone.localtime(value).date()


def _in_interval(collection: Collection, interval: Interval) -> Q:
    """Records whose instant lies in the interval, or whose own interval meets it."""
    temporal = collection.temporal
    start, end = temporal.start, temporal.end
    low = _bound(collection, start, interval.start)
    high = _bound(collection, start, interval.end)
    if end is None:
        selected = Q(**{f"{start}__isnull": False})
        if low is not None:
            selected &= Q(**{f"{start}__gte": low})
        if high is not None:
            selected &= Q(**{f"{start}__lte": high})
        return selected
    selected = Q()
    if high is not None:
        selected &= Q(**{f"{start}__lte": high}) | Q(**{f"{start}__isnull": True})
    if low is not None:
        low_end = _bound(collection, end, interval.start)
        selected &= Q(**{f"{end}__gte": low_end}) | Q(**{f"{end}__isnull": True})
    return selected


def page(
    collection: Collection, records: QuerySet[Any], query: ItemsQuery, user: Any
) -> tuple[str, int, list[Any]]:
    """The JSON array of the page's features, the rows read (limit + 1 when more follow) and,
    for a reader the security audit follows, the keys of the page's classified records."""
    feature = feature_expression(collection, query.crs, user)
    window = {"limit": query.limit, "offset": query.offset}
    path = None if collection.reference else level_path(collection.model)
    if path is None or not sees_classified(user):
        return (*geojson.feature_rows(records, feature, **window), [])
    levels = sorted(str(level) for level in CLASSIFIED)
    return geojson.audited_feature_rows(records, feature, level_path=path, levels=levels, **window)


def one(
    collection: Collection, user: Any, feature_id: str, out: OutputCRS
) -> tuple[dict[str, Any], QuerySet[Any]]:
    """The GeoJSON of one feature ``user`` may read, and the queryset of its record (for the
    security audit); 404 for any other."""
    records = collection.records(user).filter(**{collection.id_field: _key(collection, feature_id)})
    feature = feature_expression(collection, out, user)
    # The page's statement, one row long: the ORM would decode the json value twice.
    features, rows = geojson.feature_rows(records, feature, limit=1, offset=0)
    if not rows:
        raise FeatureNotFoundError()
    return json.loads(features)[0], records


def _key(collection: Collection, feature_id: str) -> Any:
    """The key value ``feature_id`` names; one that cannot be a key (a word for a number, a
    number past the column's range) is a feature that does not exist, not a server error."""
    meta = collection.model._meta
    field = meta.pk if collection.id_field == "pk" else meta.get_field(collection.id_field)
    try:
        value = field.to_python(feature_id)
        field.run_validators(value)
    except ValidationError:
        raise FeatureNotFoundError() from None
    return value


def extent(collection: Collection, user: Any) -> dict[str, Any]:
    """The spatial (CRS84) and temporal extent of what ``user`` may read of ``collection``."""
    temporal = collection.temporal
    figures = (
        collection.records(user)
        .order_by()
        .aggregate(
            box=Extent(collection.geometry),
            first=Min(temporal.start),
            last=Max(temporal.end or temporal.start),
        )
    )
    box = figures["box"]
    result: dict[str, Any] = {
        "spatial": {
            "bbox": [[round(v, 7) for v in box]] if box else [[-180.0, -90.0, 180.0, 90.0]],
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
        "temporal": {
            "interval": [[_iso(figures["first"]), _iso(figures["last"])]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        },
    }
    return result


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "astimezone"):
        return str(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    # A date property's bounds as the day's start: the standard's intervals are date-times.
    return f"{value.isoformat()}T00:00:00Z"
