"""Search across the map's layers by name, code, credit code, plate or address, with fly-to targets.

Every registry layer is read through ``visible_to(user)``, so a search reveals nothing the user
could not open; divisions are reference data that everyone signed in reads. Each layer answers
with at most a few matches, ranked: a whole code first (credit code, ledger code, plate, registry
number), then names that start with the text, then names or addresses that contain it. Points
and boxes come from PostGIS (``ST_PointOnSurface``, ``ST_Envelope``) in the same query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.gis.db.models.functions import Envelope, PointOnSurface
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from portal.maps.layers import LAYERS
from portal.maps.selection import placed_q
from portal.org.models import AdminDivision, User

MAX_QUERY_CHARS = 100
PER_LAYER = 5


@dataclass(frozen=True)
class SearchSpec:
    """How one layer is searched and what a result shows."""

    layer: str
    title: str
    subtitle: str
    geometry: str
    exact: tuple[str, ...] = ()
    prefix: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()


SPECS = (
    SearchSpec(
        "divisions",
        "name",
        "code",
        "geom",
        exact=("code", "pinyin_initials"),
        prefix=("name", "name_pinyin", "pinyin_initials"),
        contains=("name",),
    ),
    SearchSpec(
        "units",
        "name",
        "credit_code",
        "location",
        # Pinyin initials of the unit's division ("cds" for 成都市) list the units seated there.
        exact=("credit_code", "division__pinyin_initials"),
        prefix=("name", "short_name"),
        contains=("name", "short_name", "address"),
    ),
    SearchSpec("buildings", "name", "address", "geom", prefix=("name",), contains=("address",)),
    SearchSpec(
        "parcels",
        "registry_no",
        "real_estate_unit_code",
        "geom",
        exact=("registry_no", "real_estate_unit_code", "certificate_no"),
        prefix=("registry_no", "real_estate_unit_code"),
    ),
    SearchSpec(
        "assets",
        "name",
        "ledger_code",
        "geom",
        exact=("ledger_code",),
        prefix=("ledger_code", "name"),
        contains=("name",),
    ),
    SearchSpec(
        "depots", "name", "code", "geom", exact=("code",), prefix=("name",), contains=("address",)
    ),
    SearchSpec(
        "vehicles",
        "plate",
        "vehicle_type",
        "base_building__geom",
        exact=("plate",),
        contains=("plate",),
    ),
)


def _any(fields: tuple[str, ...], lookup: str, text: str) -> Q:
    query = Q()
    for field in fields:
        query |= Q(**{f"{field}__{lookup}": text})
    return query


def _ranked(queryset: QuerySet[Any], spec: SearchSpec, text: str) -> QuerySet[Any]:
    exact = _any(spec.exact, "iexact", text)
    prefix = _any(spec.prefix, "istartswith", text)
    contains = _any(spec.contains, "icontains", text)
    rank = Case(
        *(When(q, then=Value(n)) for n, q in enumerate((exact, prefix)) if q),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        queryset.filter(exact | prefix | contains)
        .filter(**{f"{spec.geometry}__isnull": False})
        .annotate(rank=rank, point=PointOnSurface(spec.geometry), box=Envelope(spec.geometry))
        .order_by("rank", spec.title, "pk")
    )


def _queryset(spec: SearchSpec, user: User) -> QuerySet[Any]:
    if spec.layer == "divisions":
        return AdminDivision.objects.current()
    layer = LAYERS[spec.layer]
    # A vehicle is placed at its base building: a secret building must not be revealed by it.
    return layer.model.objects.visible_to(user).filter(placed_q(layer, user))


def _result(spec: SearchSpec, row: Any) -> dict[str, Any]:
    layer = LAYERS.get(spec.layer)
    west, south, east, north = row.box.extent
    return {
        "layer": spec.layer,
        "id": row.pk,
        "title": str(getattr(row, spec.title)),
        "subtitle": _display(row, spec.subtitle),
        "url": layer.detail_path.format(pk=row.pk) if layer else None,
        "point": [round(row.point.x, 6), round(row.point.y, 6)],
        "bbox": None if west == east and south == north else [west, south, east, north],
    }


def _display(row: Any, field: str) -> str:
    # Choice fields read better as their label (轿车) than as their stored value (sedan).
    getter = getattr(row, f"get_{field}_display", None)
    return str(getter() if getter else getattr(row, field) or "")


def search(text: str, user: User, per_layer: int = PER_LAYER) -> list[dict[str, Any]]:
    """The best matches for ``text`` in every layer ``user`` may read, whole codes first."""
    text = text.strip()[:MAX_QUERY_CHARS]
    if not text:
        return []
    ranked = []
    for spec in SPECS:
        rows = _ranked(_queryset(spec, user), spec, text)[:per_layer]
        ranked.extend((row.rank, _result(spec, row)) for row in rows)
    # A stable sort keeps the layer order within each rank.
    return [result for _, result in sorted(ranked, key=lambda pair: pair[0])]
