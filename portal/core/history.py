"""The history trail: who changed what, when, from which request, read back and exported.

Every registry model is ``@tracked()`` (:mod:`portal.core.tracking`): statement-level database
triggers copy each inserted, updated or deleted row into the model's event table, so
``QuerySet.update()``, bulk writes and raw SQL are recorded as surely as admin edits.
:class:`HistoryMiddleware` attaches the request's user, URL, request id and client address to the
events it causes. Writes outside a request (shell, management commands, background jobs) are
recorded too, but without context unless the code wraps them in ``pghistory.context(...)``.

The trail is append-only in the database (migration ``core.0001_protect_history``): event rows
refuse UPDATE and DELETE, context rows refuse DELETE, and tracked tables refuse writes while their
history triggers are listed in ``pgtrigger.ignore``. ``pgtrigger.ignore()`` without arguments
ignores *every* pgtrigger trigger, which is why those guards are plain PostgreSQL triggers that
never consult it. The role owning the tables can still disable or drop triggers and TRUNCATE;
the portal must run as a role that owns nothing (see :func:`unguarded_tables`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Final, TypeAlias
from zoneinfo import ZoneInfo

import pghistory.middleware
import shapely
import shapely.geometry
import shapely.ops
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.gis.db.models import GeometryField
from django.db import connections, models
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from pghistory.core import event_models
from pghistory.models import Context, Events
from shapely.geometry.base import BaseGeometry

from gis.crs import transformer
from gis.geodesy import geodesic_area_m2, geodesic_length_m
from portal.core import requestid

SRID: Final = 4490  # CGCS2000: what exports carry, whatever a field stores
SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
FORMATS: Final = ("csv", "json")
WKT_PREVIEW_CHARS: Final = 120
ACTIONS: Final = {
    "insert": pgettext_lazy("history action", "Created"),
    "update": pgettext_lazy("history action", "Changed"),
    "delete": pgettext_lazy("history action", "Deleted"),
}
CSV_COLUMNS: Final = (
    "time",
    "model",
    "object_id",
    "event_id",
    "action",
    "user_id",
    "username",
    "request_id",
    "ip",
    "url",
    "field",
    "before",
    "after",
)
# Cells Excel would evaluate as a formula; they are written with a leading apostrophe.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_GUARDS: Final = ("tianfu_history_append_only", "tianfu_history_not_ignored")
_CONTEXT_GUARD: Final = "tianfu_history_keep_context"
_GUARD_QUERY: Final = """
    SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE t.tgname IN ('tianfu_history_append_only', 'tianfu_history_not_ignored',
                        'tianfu_history_keep_context')
"""

if TYPE_CHECKING:
    Field: TypeAlias = models.Field[Any, Any]
else:
    Field = models.Field
# A tracked object, a queryset or list of them, or a tracked model (all of its events).
Target: TypeAlias = (
    models.Model | models.QuerySet[Any] | Sequence[models.Model] | type[models.Model]
)


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's middleware, adding the request id and the client address to the context."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        return {
            **super().get_context(request),
            "request_id": requestid.get(),
            "ip": request.META.get("REMOTE_ADDR"),
        }


class UntrackedModelError(ValueError):
    """The model has no pghistory event table."""


@dataclass(frozen=True)
class GeometryChange:
    """A geometry before and after, with its geodesic area (polygons) or length (lines)."""

    before: BaseGeometry | None
    after: BaseGeometry | None
    measure: str  # "area_m2", "length_m", or "" for points
    before_m: float | None
    after_m: float | None

    @property
    def delta_m(self) -> float | None:
        if self.before_m is None or self.after_m is None:
            return None
        return self.after_m - self.before_m

    @property
    def unit(self) -> str:
        return "m²" if self.measure == "area_m2" else "m"

    @property
    def before_text(self) -> str:
        return "" if self.before_m is None else f"{self.before_m:,.1f} {self.unit}"

    @property
    def after_text(self) -> str:
        return "" if self.after_m is None else f"{self.after_m:,.1f} {self.unit}"

    @property
    def delta_text(self) -> str:
        delta = self.delta_m
        return "" if delta is None else f"{delta:+,.1f} {self.unit}"


@dataclass(frozen=True)
class FieldChange:
    """One column's value before and after an event (raw JSON values, and text to show)."""

    name: str
    label: str
    before: Any
    after: Any
    before_text: str
    after_text: str
    geometry: GeometryChange | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One event of the trail, with its context and the fields it changed."""

    event_id: int
    model: str
    object_id: str
    time: datetime  # Asia/Shanghai
    action: str  # insert, update or delete
    user_id: int | None
    username: str
    request_id: str
    ip: str
    url: str
    changes: tuple[FieldChange, ...]

    @property
    def action_label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))


def load_events(target: Target) -> list[Events]:
    """The raw pghistory events of ``target``, oldest first.

    ``target`` is a tracked object, a queryset or list of them (objects already deleted can be
    named by ``Model(pk=...)``), or a tracked model class for all of its events.
    """
    model, objects = _resolve(target)
    trackers = event_models(tracks_model=model)
    if not trackers:
        raise UntrackedModelError(f"{model._meta.label} has no history")
    if objects is not None and not objects:
        return []
    events = Events.objects.across(*trackers)
    if objects is not None:
        events = events.tracks(objects)
    return list(events.order_by("pgh_created_at", "pgh_id"))


def _resolve(target: Target) -> tuple[type[models.Model], list[models.Model] | None]:
    if isinstance(target, models.Model):
        return target._meta.concrete_model, [target]
    if isinstance(target, models.QuerySet):
        model = target.model._meta.concrete_model
        return model, [model(pk=pk) for pk in target.values_list("pk", flat=True)]
    if isinstance(target, type):
        return target._meta.concrete_model, None
    objects = list(target)
    if not objects:
        raise ValueError("an empty list names no model; pass a queryset or the model instead")
    return objects[0]._meta.concrete_model, objects


def history_entries(target: Target) -> list[HistoryEntry]:
    """The history of ``target`` (see :func:`load_events`) as entries with field changes."""
    return to_entries(load_events(target))


def to_entries(events: Iterable[Events]) -> list[HistoryEntry]:
    """Turn raw events into entries, resolving the users in their context in one query."""
    events = list(events)
    names = _usernames(events)
    return [_entry(event, names) for event in events]


def _usernames(events: Sequence[Events]) -> dict[Any, str]:
    contexts: list[dict[str, Any]] = [event.pgh_context or {} for event in events]
    ids = {context.get("user") for context in contexts} - {None}
    if not ids:
        return {}
    user_model = get_user_model()
    rows = user_model._default_manager.filter(pk__in=ids)
    return dict(rows.values_list("pk", user_model.USERNAME_FIELD))


def _entry(event: Events, names: dict[Any, str]) -> HistoryEntry:
    context: dict[str, Any] = event.pgh_context or {}
    user_id = context.get("user")
    return HistoryEntry(
        event_id=event.pgh_id,
        model=event.pgh_obj_model,
        object_id=event.pgh_obj_id or "",
        time=event.pgh_created_at.astimezone(SHANGHAI),
        action=event.pgh_label,
        user_id=user_id,
        username=names.get(user_id, "" if user_id is None else f"#{user_id}"),
        request_id=context.get("request_id") or "",
        ip=context.get("ip") or "",
        url=context.get("url") or "",
        changes=_changes(event),
    )


@cache
def _columns(label: str) -> dict[str, Field]:
    """The concrete fields of a tracked model by database column, in declaration order."""
    model = apps.get_model(label)
    return {field.column: field for field in model._meta.concrete_fields}


def _pairs(event: Events) -> dict[str, tuple[Any, Any]]:
    """Column → (before, after): every set value for inserts and deletes, the diff otherwise."""
    data: dict[str, Any] = event.pgh_data or {}
    if event.pgh_label == "insert":
        return {key: (None, value) for key, value in data.items() if value not in (None, "")}
    if event.pgh_label == "delete":
        return {key: (value, None) for key, value in data.items() if value not in (None, "")}
    return {key: (pair[0], pair[1]) for key, pair in (event.pgh_diff or {}).items()}


def _changes(event: Events) -> tuple[FieldChange, ...]:
    columns = _columns(event.pgh_obj_model)
    order = {column: index for index, column in enumerate(columns)}
    pairs = _pairs(event)
    keys = sorted(pairs, key=lambda key: (order.get(key, len(order)), key))
    return tuple(_change(key, *pairs[key], columns.get(key)) for key in keys)


def _change(name: str, before: Any, after: Any, field: Field | None) -> FieldChange:
    label = str(capfirst(field.verbose_name)) if field is not None else name
    if isinstance(field, models.DateTimeField):
        before, after = _shanghai(before), _shanghai(after)
    if isinstance(field, GeometryField):
        geometry = _geometry_change(before, after, field.srid)
        return FieldChange(
            name,
            label,
            before,
            after,
            _preview(geometry.before),
            _preview(geometry.after),
            geometry,
        )
    return FieldChange(name, label, before, after, _text(field, before), _text(field, after))


def _shanghai(value: Any) -> Any:
    """A timestamp PostgreSQL wrote in the session's UTC, as ISO 8601 in Asia/Shanghai."""
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        return value
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _text(field: Field | None, value: Any) -> str:
    if value is None:
        return ""
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DecimalField) and isinstance(value, int | float):
        return f"{Decimal(str(value)):.{field.decimal_places}f}"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _shape(value: Any, srid: int) -> BaseGeometry | None:
    """A geometry from the GeoJSON PostgreSQL wrote for it, in EPSG:4490."""
    if value is None:
        return None
    geometry = shapely.geometry.shape(value)
    if srid != SRID:
        geometry = shapely.ops.transform(transformer(srid, SRID).transform, geometry)
    return geometry


def _measure_kind(geometry: BaseGeometry | None) -> str:
    kind = geometry.geom_type if geometry is not None else ""
    if kind in ("Polygon", "MultiPolygon"):
        return "area_m2"
    if kind in ("LineString", "MultiLineString"):
        return "length_m"
    return ""


def _measured(geometry: BaseGeometry | None, measure: str) -> float | None:
    if not measure or geometry is None or geometry.is_empty:
        return None
    if _measure_kind(geometry) != measure:
        return None
    return geodesic_area_m2(geometry) if measure == "area_m2" else geodesic_length_m(geometry)


def _geometry_change(before: Any, after: Any, srid: int) -> GeometryChange:
    old, new = _shape(before, srid), _shape(after, srid)
    measure = _measure_kind(new if new is not None else old)
    return GeometryChange(old, new, measure, _measured(old, measure), _measured(new, measure))


def _preview(geometry: BaseGeometry | None) -> str:
    """Short WKT for a table cell: six decimals (about 0.1 m), cut after a few coordinates."""
    if geometry is None:
        return ""
    wkt = str(shapely.to_wkt(geometry, rounding_precision=6))
    return wkt if len(wkt) <= WKT_PREVIEW_CHARS else wkt[:WKT_PREVIEW_CHARS] + "…"


def export_history(target: Target, fmt: str) -> str:
    """The history of ``target`` (see :func:`load_events`) as text in ``fmt``.

    ``csv``: one row per changed field (an event without changes gets one row), UTF-8 with a byte
    order mark so Excel reads Chinese, geometry as full-precision WKT. ``json``: JSON lines, one
    event per line, geometry as GeoJSON. Both in EPSG:4490, times in Asia/Shanghai (ISO 8601).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    entries = history_entries(target)
    return _csv(entries) if fmt == "csv" else _json_lines(entries)


def _csv(entries: Iterable[HistoryEntry]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        for change in entry.changes or (None,):
            writer.writerow([*_event_cells(entry), *_change_cells(change)])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _event_cells(entry: HistoryEntry) -> list[str]:
    values = (entry.model, entry.object_id, entry.event_id, entry.action, entry.user_id)
    context = (entry.username, entry.request_id, entry.ip, entry.url)
    return [entry.time.isoformat(), *map(_cell, values), *map(_cell, context)]


def _change_cells(change: FieldChange | None) -> list[str]:
    if change is None:
        return ["", "", ""]
    if change.geometry is not None:
        sides = (change.geometry.before, change.geometry.after)
        return [change.name, *(_wkt(geometry) for geometry in sides)]
    return [change.name, _cell(change.before), _cell(change.after)]


def _wkt(geometry: BaseGeometry | None) -> str:
    return "" if geometry is None else str(shapely.to_wkt(geometry, rounding_precision=-1))


def _json_lines(entries: Iterable[HistoryEntry]) -> str:
    lines = (json.dumps(_event_json(entry), ensure_ascii=False) + "\n" for entry in entries)
    return "".join(lines)


def _event_json(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "time": entry.time.isoformat(),
        "model": entry.model,
        "object_id": entry.object_id,
        "event_id": entry.event_id,
        "action": entry.action,
        "user_id": entry.user_id,
        "username": entry.username,
        "request_id": entry.request_id,
        "ip": entry.ip,
        "url": entry.url,
        "srid": SRID,
        "changes": {change.name: _change_json(change) for change in entry.changes},
    }


def _change_json(change: FieldChange) -> dict[str, Any]:
    if change.geometry is None:
        return {"before": change.before, "after": change.after}
    return {"before": _geojson(change.geometry.before), "after": _geojson(change.geometry.after)}


def _geojson(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    return None if geometry is None else shapely.geometry.mapping(geometry)


def unguarded_tables(using: str = "default") -> list[str]:
    """``table.trigger`` for each append-only guard missing in the database (empty when sound).

    A new tracked model needs ``SELECT tianfu_guard_history();`` in a migration after the one
    that creates its event table; the history tests fail until then.
    """
    expected = {(Context._meta.db_table, _CONTEXT_GUARD)}
    for event_model in event_models():
        expected.add((event_model._meta.db_table, _GUARDS[0]))
        expected.add((event_model.pgh_tracked_model._meta.db_table, _GUARDS[1]))
    with connections[using].cursor() as cursor:
        cursor.execute(_GUARD_QUERY)
        present = set(cursor.fetchall())
    return sorted(f"{table}.{trigger}" for table, trigger in expected - present)
