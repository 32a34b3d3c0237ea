"""What a map query selects: one layer's records the user may see, through the layer's FilterSet.

The draw tool sends ``layer=<name>`` with ``intersects=<GeoJSON>`` (polygon, rectangle) or
``near=lon,lat,metres`` (circle, geodesic) and the filter panel's parameters. The summary, the
listed rows and the exports read the same selection, so what a user counts is what they export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django import forms
from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import PointOnSurface
from django.db.models import Case, Count, Q, QuerySet, Sum, When
from django.http import QueryDict
from django.utils.translation import gettext as _

from portal.core.exceptions import PortalError
from portal.core.filters import BBoxField, GeoJSONGeometryField, NearField
from portal.maps.layers import LAYERS, Layer
from portal.org.scoping import cleared_levels

# The quantity summed for each layer: value, usable area, geodesic area, capacity.
SUMS: Final = {
    "assets": ("net_value",),
    "buildings": ("usable_area_m2",),
    "parcels": ("area_m2",),
    "depots": ("capacity_m3",),
}
# Spatial parameters a FilterSet may leave out (vehicles have no place of their own): these are
# then applied to the layer's drawn geometry, validated by the same fields.
_SPATIAL: Final = {
    "bbox": (BBoxField, "intersects"),
    "near": (NearField, "dwithin_m"),
    "intersects": (GeoJSONGeometryField, "intersects"),
}


class QueryParameterError(PortalError):
    """Bad query parameters; ``errors`` maps each parameter to its messages."""

    http_status = 400

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        text = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        super().__init__(text, detail=text)


@dataclass(frozen=True)
class Selection:
    layer: Layer
    queryset: QuerySet[Any]
    placed: Q  # where a record's place may be shown (not through a record above clearance)


def select(params: QueryDict, user: Any) -> Selection:
    """The records of ``params['layer']`` matching ``params`` that ``user`` may see."""
    layer = _layer(params.get("layer", ""))
    visible = layer.records(user)
    filterset = layer.filterset(params, queryset=visible)
    if not filterset.is_valid():
        raise QueryParameterError({name: list(msgs) for name, msgs in filterset.errors.items()})
    placed = placed_q(layer, user)
    queryset = _spatial_fallback(layer, params, filterset.qs, placed)
    return Selection(layer, queryset, placed)


def _layer(name: str) -> Layer:
    if name in LAYERS:
        return LAYERS[name]
    known = ", ".join(LAYERS)
    message = (
        _("unknown layer %(name)r; one of %(known)s") if name else _("required; one of %(known)s")
    )
    raise QueryParameterError({"layer": [message % {"name": name[:40], "known": known}]})


def placed_q(layer: Layer, user: Any) -> Q:
    """Records whose geometry is not reached through a record above the user's clearance.

    A vehicle is drawn at its base building: a secret building must not be revealed by it.
    """
    condition, model, path = Q(), layer.model, []
    for part in layer.geometry.split("__")[:-1]:
        model = model._meta.get_field(part).related_model
        path.append(part)
        if any(field.name == "confidentiality" for field in model._meta.get_fields()):
            lookup = "__".join([*path, "confidentiality__in"])
            condition &= Q(**{lookup: cleared_levels(user)})
    return condition


def _spatial_fallback(
    layer: Layer, params: QueryDict, queryset: QuerySet[Any], placed: Q
) -> QuerySet[Any]:
    for name, (field_class, lookup) in _SPATIAL.items():
        if name in layer.filterset.base_filters or not params.get(name):
            continue
        try:
            value = field_class(required=False).clean(params[name])
        except forms.ValidationError as exc:
            raise QueryParameterError({name: list(exc.messages)}) from None
        queryset = queryset.filter(placed, **{f"{layer.geometry}__{lookup}": value})
    return queryset


def point(selection: Selection) -> Case | PointOnSurface:
    """A point on each record's drawn geometry (its centroid when that lies inside), if placed."""
    surface = PointOnSurface(selection.layer.geometry)
    if not selection.placed:  # the geometry is the record's own
        return surface
    return Case(
        When(selection.placed, then=surface), default=None, output_field=PointField(srid=4490)
    )


def summary(selection: Selection) -> dict[str, Any]:
    """Count and sums in one query: ``{"count": n, "<field>": total, ...}``."""
    fields = SUMS.get(selection.layer.name, ())
    totals = {field: Sum(field) for field in fields}
    return selection.queryset.order_by().aggregate(count=Count("pk"), **totals)


def counts_by_style(selection: Selection) -> list[tuple[Any, int]]:
    """(value, count) of the layer's ``style_by`` field, most frequent first."""
    field = selection.layer.style_by
    if field is None:
        return []
    rows = selection.queryset.order_by().values_list(field).annotate(n=Count("pk"))
    return sorted(rows, key=lambda row: (-row[1], str(row[0])))
