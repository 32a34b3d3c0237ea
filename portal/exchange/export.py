"""Export the registry records a user may read, in a file the importer takes back unchanged.

:func:`export_queryset` reads an entity's model through ``visible_to(user)`` (scope and
clearance), narrows it with the entity's FilterSet, and streams it in chunks to a GeoPackage,
a zipped Shapefile, GeoJSON, XLSX or CSV (see :mod:`portal.exchange.writers`).

What the file holds, column by column (:mod:`portal.exchange.entities`): GIS formats name each
field by ``Column.key``, spreadsheets by its Chinese title. Choices are the stored values
("in_use"), references the natural key of their target (credit code, division code…), JSON is
compact text, dates ISO. Decimals stay exact in spreadsheets (XLSX numbers of at most 15 digits,
which Excel holds exactly; CSV text); GIS formats store them as reals. Spreadsheet cells are
protected as :mod:`portal.exchange.cells` says: codes are text cells, and text starting with
``= + - @`` is quote-prefixed in XLSX (value unchanged) and gets a leading apostrophe in CSV.
Filter parameters are those of the entity's FilterSet; an unknown or invalid one is an error.

A reference to a record the user may not read (an asset's building above their clearance, a
vehicle's depot in another county) is written empty, as on the detail pages: a visible record
must not reveal an invisible one.

Geometry. GIS formats carry the entity's geometry in the target CRS. Buildings carry their point
``geom`` as the geometry and their footprint as WKT text in a ``footprint`` field (same CRS): a
point layer keeps the stored point exactly, which the importer's "a polygon becomes the footprint
and its point-on-surface the point" rule would not, and one geometry type keeps every format
(Shapefile included) valid. Shapefile text fields stop at 254 bytes, so buildings exported as
Shapefile leave the footprint out (the column is absent, not empty). XLSX/CSV write points as
``lon``/``lat`` columns (``x``/``y`` in a projected CRS; CSV with every digit, XLSX with the 16
significant digits openpyxl writes, 1e-13°) and other geometries, the building footprint
included, as a ``wkt`` column: the layout of the import template.

GeoJSON is always RFC 7946: longitude/latitude, no ``crs`` member, 7 decimals. It is written
from CGCS2000 unchanged: CGCS2000 and WGS 84 agree to well under a metre here. Exports are never
written in GCJ-02 or BD-09.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Final

import django_filters
import numpy as np
import pyproj
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gis.crs import STORAGE_SRID, ensure_supported_crs, transformer
from gis.errors import GisError
from portal.assets.filters import AssetFilterSet
from portal.buildings.filters import BuildingFilterSet, OccupancyFilterSet
from portal.core.display import field_at
from portal.depots.filters import DepotFilterSet, StockItemFilterSet
from portal.exchange import writers
from portal.exchange.columns import Column
from portal.exchange.entities import Entity
from portal.exchange.writers import Chunk, ExportError, Field, Layout
from portal.fleet.filters import VehicleFilterSet
from portal.org.filters import UnitFilterSet
from portal.org.models import Unit
from portal.org.scoping import unit_path_of
from portal.parcels.filters import ParcelFilterSet

__all__ = ["ExportError", "ExportFormat", "ExportResult", "export_queryset", "filtered"]

logger = logging.getLogger("portal.exchange")

CHUNK: Final = 2_000  # rows fetched from PostgreSQL at a time
FILTERSETS: Final[dict[str, type[django_filters.FilterSet]]] = {
    "units": UnitFilterSet,
    "buildings": BuildingFilterSet,
    "occupancies": OccupancyFilterSet,
    "parcels": ParcelFilterSet,
    "assets": AssetFilterSet,
    "depots": DepotFilterSet,
    "stock": StockItemFilterSet,
    "vehicles": VehicleFilterSet,
}
ENCODINGS: Final = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gbk", "cp936": "gbk"}
# Folded spellings of the obfuscated Chinese web-map systems (AMap/Tencent, Baidu).
_OBFUSCATED: Final = {"gcj02", "gcj", "amap", "gaode", "bd09", "bd09ll", "bd09mc", "baidu"}
_GEOM, _FOOTPRINT = "_geom_wkb", "_footprint_wkb"


class ExportFormat(models.TextChoices):
    GPKG = "gpkg", gettext_lazy("GeoPackage")
    SHP = "shp", gettext_lazy("Shapefile (zipped)")
    GEOJSON = "geojson", gettext_lazy("GeoJSON")
    XLSX = "xlsx", gettext_lazy("Excel workbook")
    CSV = "csv", gettext_lazy("CSV")


@dataclass(frozen=True)
class ExportResult:
    path: Path  # the file written: a .zip for Shapefile
    rows: int
    content_type: str
    filename: str  # for Content-Disposition, e.g. "assets-20261127.gpkg"


_SUFFIXES: Final = {"gpkg": "gpkg", "shp": "shp.zip", "geojson": "geojson", "xlsx": "xlsx"}
_CONTENT_TYPES: Final = {
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_queryset(
    entity: Entity,
    user: Any,
    params: QueryDict | Mapping[str, Any],
    fmt: str = ExportFormat.GPKG,
    *,
    crs: str = "EPSG:4490",
    encoding: str = "utf-8",
    out: Path,
) -> ExportResult:
    """Write the records of ``entity`` that ``user`` may read and ``params`` select to ``out``.

    ``out`` is the file to write, or a directory to write :attr:`ExportResult.filename` into.
    Raises :class:`ExportError` with a message for the user when the request cannot be met.
    """
    fmt = _format(fmt)
    layout = _layout(entity, fmt, _target_crs(crs, fmt), _encoding(encoding, fmt))
    queryset = filtered(entity, user, params)
    filename = f"{entity.name}-{timezone.localdate():%Y%m%d}.{_SUFFIXES.get(fmt, fmt)}"
    path = out / filename if out.is_dir() else out
    if fmt == ExportFormat.XLSX:
        writers.check_sheet_rows(queryset.count())
    about = _about(entity, user, params, layout)
    rows = writers.write(fmt, layout, chunks(entity, user, queryset, layout), path, about)
    logger.info(
        "export written",
        extra={"entity": entity.name, "format": fmt, "rows": rows, "user": user.get_username()},
    )
    return ExportResult(path, rows, _content_type(fmt, layout.encoding), filename)


def _format(fmt: str) -> str:
    if fmt not in ExportFormat.values:
        raise ExportError(
            _("Unknown export format “%(fmt)s”; choose one of: %(names)s.")
            % {"fmt": fmt, "names": ", ".join(ExportFormat.values)}
        )
    return str(fmt)


def _content_type(fmt: str, encoding: str) -> str:
    return _CONTENT_TYPES.get(fmt) or f"text/csv; charset={encoding}"


def _target_crs(crs: str, fmt: str) -> pyproj.CRS:
    """The CRS to write: an EPSG code or WKT PROJ can use, never an obfuscated system."""
    if re.sub(r"[^a-z0-9]", "", crs.lower()) in _OBFUSCATED:
        raise ExportError(
            _("Exports are never written in an obfuscated system such as GCJ-02 or BD-09.")
        )
    try:
        parsed = ensure_supported_crs(crs)
    except GisError as exc:
        raise ExportError(
            _("The coordinate system “%(crs)s” cannot be used: %(reason)s")
            % {"crs": crs[:80], "reason": _(exc.user_message)},
            detail=str(exc),
        ) from None
    if fmt == ExportFormat.GEOJSON and parsed.to_epsg() not in (4326, STORAGE_SRID):
        raise ExportError(_("GeoJSON is always written in longitude/latitude (EPSG:4326)."))
    return parsed


def _encoding(encoding: str, fmt: str) -> str:
    codec = ENCODINGS.get(encoding.strip().lower())
    if codec is None:
        raise ExportError(_("Choose the encoding UTF-8 or GBK."))
    if codec != "utf-8" and fmt not in (ExportFormat.SHP, ExportFormat.CSV):
        raise ExportError(_("Only Shapefile and CSV exports can be written in GBK."))
    return codec


def filtered(entity: Entity, user: Any, params: QueryDict | Mapping[str, Any]) -> QuerySet[Any]:
    """The records of ``entity`` that ``user`` may read, narrowed by the FilterSet ``params``."""
    data = _query_dict(params)
    filterset_class = FILTERSETS[entity.name]
    queryset = entity.model._default_manager.visible_to(user)  # type: ignore[attr-defined]
    filterset = filterset_class(data=data, queryset=queryset)
    unknown = sorted(set(data) - set(filterset.filters))
    if unknown:
        raise ExportError(
            _("Unknown filter “%(name)s”; this record type can be filtered by: %(names)s.")
            % {"name": unknown[0], "names": ", ".join(filterset.filters)}
        )
    if not filterset.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(map(str, errors))}" for name, errors in filterset.errors.items()
        )
        raise ExportError(_("The filter is not valid: %(problems)s") % {"problems": problems})
    return filterset.qs.order_by("pk")  # type: ignore[no-any-return]


def _query_dict(params: QueryDict | Mapping[str, Any]) -> QueryDict:
    """A QueryDict, so a multiple-choice filter reads ``{"status": "idle"}`` as a list."""
    if isinstance(params, QueryDict):
        return params
    data = QueryDict(mutable=True)
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        data.setlist(key, [str(v) for v in values])
    return data


def _layout(entity: Entity, fmt: str, crs: pyproj.CRS, encoding: str) -> Layout:
    spec = entity.geometry
    fields = tuple(_field(entity.model, c) for c in entity.columns)
    geometry = None
    if spec is not None:
        geom_field = entity.model._meta.get_field(spec.field)
        geometry = writers.OGR_TYPES[geom_field.geom_type]  # type: ignore[union-attr]
    footprint = spec is not None and spec.footprint is not None
    return Layout(
        name=entity.name,
        sheet=entity.label_zh,
        fields=fields,
        geometry=geometry,
        footprint=footprint and fmt != ExportFormat.SHP,
        crs=crs,
        encoding=encoding,
        key_index=tuple(i for i, c in enumerate(entity.columns) if c.key in entity.key),
    )


def _field(model: type[models.Model], column: Column) -> Field:
    """How a column is typed in files, from the model field its path ends at."""
    target = field_at(model, column.value_path())
    kind = "text"
    if column.code:
        kind = "code"
    elif not target.choices:
        kind = writers.KINDS.get(target.get_internal_type(), "text")
    places = getattr(target, "decimal_places", None)
    if kind == "decimal" and (target.max_digits or 0) > writers.EXACT_DIGITS:
        kind = "code"  # more digits than a spreadsheet number keeps: write it as text
    return Field(column.key, column.title(model, "zh-hans"), kind, places)


def _about(entity: Entity, user: Any, params: Any, layout: Layout) -> dict[str, str]:
    """What the file holds, for the XLSX "About" sheet."""
    query = _query_dict(params).urlencode() if params else ""
    return {
        _("Record type"): entity.label_zh,
        _("Coordinate system"): f"{layout.crs.name} ({layout.crs.to_string()})",
        _("Exported at"): timezone.localtime().strftime("%Y-%m-%d %H:%M:%S %Z"),
        _("Exported by"): user.get_username() or _("command line"),
        _("Filter"): query,
    }


def chunks(entity: Entity, user: Any, queryset: QuerySet[Any], layout: Layout) -> Iterator[Chunk]:
    """The rows in chunks of :data:`CHUNK`, values converted, geometry in the target CRS.

    Always yields at least one chunk, empty when nothing matched, so writers create the file.
    """
    blanks = _withheld(entity, user)
    queryset = _annotated(entity, user, queryset, blanks, layout)
    names = [c.value_path() for c in entity.columns]
    geometry = _geometry_fields(entity, layout)
    rows = queryset.values_list(*names, *blanks, *geometry).iterator(CHUNK)
    start = 1
    for raw in _batched(rows, CHUNK, at_least_one=True):
        yield _chunk(entity, layout, raw, start, blanks)
        start += len(raw)


def _batched(rows: Iterable[Any], size: int, *, at_least_one: bool) -> Iterator[list[Any]]:
    iterator = iter(rows)
    batch = list(islice(iterator, size))
    if batch or at_least_one:
        yield batch
    while batch := list(islice(iterator, size)):
        yield batch


def _withheld(entity: Entity, user: Any) -> dict[str, list[int]]:
    """Per scoped foreign key: its annotation name and the columns to blank when unreadable."""
    owner = unit_path_of(entity.model)
    blanks: dict[str, list[int]] = {}
    for index, column in enumerate(entity.columns):
        mf = column.model_field(entity.model)
        target = mf.related_model if mf.is_relation else None
        if target is None or not hasattr(target._default_manager, "visible_to"):
            continue  # divisions and categories are reference data every user reads
        if target is Unit and column.field == owner:
            continue  # the owning unit of a readable record is readable by construction
        blanks.setdefault(f"_see_{column.field}", []).append(index)
    return blanks


def _annotated(
    entity: Entity,
    user: Any,
    queryset: QuerySet[Any],
    blanks: Mapping[str, list[int]],
    layout: Layout,
) -> QuerySet[Any]:
    """Add whether each scoped reference is readable by ``user``, and the geometry as WKB."""
    extra: dict[str, Any] = {}
    for name, indexes in blanks.items():
        field = entity.columns[indexes[0]].field
        target: Any = entity.model._meta.get_field(field).related_model
        extra[name] = Exists(target._default_manager.visible_to(user).filter(pk=OuterRef(field)))
    for name, field in _geometry_fields(entity, layout).items():
        extra[name] = AsWKB(field, output_field=models.BinaryField())
    return queryset.annotate(**extra)


def _geometry_fields(entity: Entity, layout: Layout) -> dict[str, str]:
    """Annotation name → geometry field read as WKB: the geometry, then the footprint."""
    spec = entity.geometry
    if spec is None:
        return {}
    fields = {_GEOM: spec.field}
    if spec.footprint and layout.footprint:
        fields[_FOOTPRINT] = spec.footprint
    return fields


def _chunk(
    entity: Entity,
    layout: Layout,
    raw: list[tuple[Any, ...]],
    start: int,
    blanks: Mapping[str, list[int]],
) -> Chunk:
    width = len(entity.columns)
    rows = [_values(row[:width], row[width : width + len(blanks)], blanks) for row in raw]
    geometry = [row[width + len(blanks) :] for row in raw]
    geoms = footprints = None
    if entity.geometry is not None:
        geoms = _geoms([g[0] for g in geometry], layout)
    if layout.footprint:
        footprints = _wkt(_geoms([g[1] for g in geometry], layout))
    return Chunk(start, rows, geoms, footprints)


def _values(
    values: tuple[Any, ...], seen: tuple[bool, ...], blanks: Mapping[str, list[int]]
) -> list[Any]:
    row = [writers.plain(v) for v in values]
    for readable, indexes in zip(seen, blanks.values(), strict=True):
        if not readable:
            for index in indexes:
                row[index] = None
    return row


def _geoms(wkbs: list[Any], layout: Layout) -> np.ndarray:
    """Stored WKB to shapely geometries in the target CRS (None stays None)."""
    geoms = shapely.from_wkb(np.array([None if w is None else bytes(w) for w in wkbs], object))
    if layout.crs.to_epsg() == STORAGE_SRID:
        return geoms  # type: ignore[no-any-return]
    project = transformer(STORAGE_SRID, layout.crs.to_wkt())
    return shapely.transform(  # type: ignore[no-any-return]
        geoms, lambda xy: np.column_stack(project.transform(xy[:, 0], xy[:, 1]))
    )


def _wkt(geoms: np.ndarray) -> list[str | None]:
    return [None if g is None else shapely.to_wkt(g, rounding_precision=-1) for g in geoms]
