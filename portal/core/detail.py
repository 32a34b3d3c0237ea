"""The detail page of a registry record: what a view declares, and what the page is built from.

A view names its model, the fields to list, where its geometry is and which related records to
show (each read by a queryset method of the related model, after ``visible_to``); this module
turns that into the attribute list, the related tables, the mini-map data and the history with
its geometry diffs. The record itself is fetched through ``visible_to``: outside the user's
scope, or above their clearance, the page is a 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

import shapely
import shapely.geometry
from django.contrib import admin
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.gis.geos import GEOSGeometry
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.views.generic import DetailView
from shapely.geometry.base import BaseGeometry

from portal.audits.services import record_confidential_view
from portal.core.display import WITHHELD, Cell, Column, attributes, headers, rows, value_at
from portal.core.history import HistoryEntry, load_events, to_entries
from portal.org.scoping import cleared_levels

HISTORY_LIMIT: Final = 50  # newest events shown; the admin's history page has them all
MAX_MAP_COORDINATES: Final = 2_000  # thinned above this so a county boundary stays light
MAP_TOLERANCE_DEG: Final = 0.0005  # about 50 m: plenty for a 20 rem map


@dataclass(frozen=True)
class Related:
    """Records related to the page's object, read by ``model.objects.visible_to(user).<reader>``.

    ``reader`` is a queryset method taking the object. ``limit`` rows are listed (0: only the
    count). ``select`` names the relations its columns read, so a long list stays one query.
    ``map_paths`` name the geometry drawn for each row on the mini-map, first set wins.
    """

    name: str
    label: str | Promise
    model: type[models.Model]
    reader: str
    columns: tuple[Column, ...]
    limit: int = 20
    select: tuple[str, ...] = ()
    map_paths: tuple[str, ...] = ()


@dataclass
class RelatedList:
    spec: Related
    items: list[Any]
    count: int
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)

    @property
    def more(self) -> bool:
        return self.count > len(self.items)


def read_related(spec: Related, obj: models.Model, user: Any) -> RelatedList:
    """The rows of ``spec`` for ``obj`` that ``user`` may see: one query, two if there are more."""
    cleared = cleared_levels(user)
    manager: Any = spec.model._default_manager
    queryset = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
    queryset = getattr(queryset, spec.reader)(obj).select_related(*spec.select)
    if spec.limit == 0:
        return RelatedList(spec, [], queryset.count())
    items = list(queryset[: spec.limit + 1])
    count = len(items) if len(items) <= spec.limit else queryset.count()
    items = items[: spec.limit]
    table = rows(items, spec.columns, cleared)
    return RelatedList(spec, items, count, headers(spec.model, spec.columns), table)


def geometry_of(obj: Any, paths: tuple[str, ...], cleared: list[str]) -> GEOSGeometry | None:
    """The first geometry set along ``paths`` (``footprint``, ``base_building__geom``…).

    A geometry reached through a record above the viewer's clearance is not drawn.
    """
    for path in paths:
        geometry = value_at(obj, path, cleared)
        if geometry is WITHHELD:
            return None
        if geometry is not None:
            return geometry
    return None


def feature(geometry: GEOSGeometry, **properties: Any) -> dict[str, Any]:
    """A GeoJSON Feature, thinned when the geometry is large (division boundaries)."""
    if geometry.num_coords > MAX_MAP_COORDINATES:
        geometry = geometry.simplify(MAP_TOLERANCE_DEG, preserve_topology=True)
    return {"type": "Feature", "geometry": json.loads(geometry.json), "properties": properties}


def map_data(
    obj: Any, paths: tuple[str, ...], related: list[RelatedList], cleared: list[str]
) -> dict[str, Any]:
    """The mini-map's data: the record, and the related records that have a place."""
    geometry = geometry_of(obj, paths, cleared)
    context = [
        feature(shape, label=str(item), url=_url(item))
        for group in related
        for item in group.items
        if (shape := geometry_of(item, group.spec.map_paths, cleared)) is not None
    ]
    return {
        "primary": feature(geometry, label=str(obj)) if geometry is not None else None,
        "context": context,
        "basemap": reverse("org:division_basemap"),
        "attribution": gettext("Boundaries: divisions of the registry"),
    }


def _url(item: Any) -> str:
    return item.get_absolute_url() if hasattr(item, "get_absolute_url") else ""


def recent_history(obj: models.Model) -> list[HistoryEntry]:
    """The newest events of ``obj``, newest first."""
    return to_entries(load_events(obj)[-HISTORY_LIMIT:])[::-1]


def geometry_diffs(entries: list[HistoryEntry]) -> dict[str, dict[str, Any]]:
    """Before and after GeoJSON of each geometry an update changed, keyed ``event-field``."""
    return {
        f"{entry.event_id}-{change.name}": {
            "before": _geojson(change.geometry.before),
            "after": _geojson(change.geometry.after),
        }
        for entry in entries
        if entry.action == "update"
        for change in entry.changes
        if change.geometry is not None
    }


def _geojson(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    if geometry is None:
        return None
    if shapely.get_num_coordinates(geometry) > MAX_MAP_COORDINATES:
        geometry = shapely.simplify(geometry, MAP_TOLERANCE_DEG, preserve_topology=True)
    return dict(shapely.geometry.mapping(geometry))


def admin_change_url(request: HttpRequest, obj: models.Model) -> str:
    """The admin change page of ``obj`` when the admin would let this user change it."""
    if not request.user.is_staff or not admin.site.is_registered(type(obj)):
        return ""
    model_admin = admin.site.get_model_admin(type(obj))
    if not model_admin.has_change_permission(request, obj):
        return ""
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


class RegistryDetailView(LoginRequiredMixin, DetailView):  # type: ignore[type-arg]
    """Base of every detail page; subclasses declare, this reads.

    ``fields`` are listed as attributes, ``geometry_paths`` place the record on the mini-map
    (first set wins), ``related`` lists related records, ``select_related`` serves ``fields``.
    """

    template_name_suffix = "_detail"
    fields: tuple[str, ...] = ()
    geometry_paths: tuple[str, ...] = ("geom",)
    related: tuple[Related, ...] = ()
    select_related: tuple[str, ...] = ()

    def get_queryset(self) -> models.QuerySet[Any]:
        manager: Any = self.model._default_manager  # type: ignore[union-attr]
        return manager.visible_to(self.request.user).select_related(*self.select_related)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        obj, user = self.object, self.request.user
        record_confidential_view(self.request, obj, channel="page")  # the security audit
        cleared = cleared_levels(user)
        related = [read_related(spec, obj, user) for spec in self.related]
        history = recent_history(obj)
        return super().get_context_data(
            attributes=attributes(obj, self.fields, cleared),
            related_lists=related,
            map_data=map_data(obj, self.geometry_paths, related, cleared),
            history=history,
            history_diffs=geometry_diffs(history),
            admin_url=admin_change_url(self.request, obj),
            opts=obj._meta,
            **kwargs,
        )
