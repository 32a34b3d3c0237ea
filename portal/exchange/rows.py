"""From a file's headers, cells and geometries to checked values, one row at a time.

Nothing here touches the database: references stay natural keys (credit codes, division codes)
until :mod:`portal.exchange.engine` resolves them a batch at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import models
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from gis.crs import SICHUAN_CHONGQING_BBOX, detect_swapped_lonlat
from gis.errors import CoordinateError, GisError
from gis.geometry import repair_polygonal, to_multipolygon
from gis.io import to_storage_coords
from portal.exchange import columns as cells
from portal.exchange.columns import CellError, Column
from portal.exchange.entities import Entity
from portal.exchange.problems import Problem, Severity

_HEADER_NOISE = re.compile(r"[\s*＊:：]|[（(]必填[)）]")


def _norm(text: str) -> str:
    return _HEADER_NOISE.sub("", text).lower()


def _spellings(entity: Entity, column: Column) -> set[str]:
    names = {column.key, column.field, column.value_path(), *column.aliases}
    names |= {column.title(entity.model, lang) for lang in ("zh-hans", "en")}
    return {_norm(name) for name in names}


def map_headers(entity: Entity, headers: Sequence[str]) -> tuple[dict[str, Column], list[Problem]]:
    """Match the file's headers to the entity's columns (key, field, or title in zh/en).

    Returns the mapping and file-level problems: missing required columns and a column given
    twice are errors; headers that match nothing are warnings (the column is ignored).
    """
    lookup = {name: col for col in entity.columns for name in _spellings(entity, col)}
    found: dict[str, Column] = {}
    problems: list[Problem] = []
    for header in headers:
        column = lookup.get(_norm(str(header)))
        if column is None:
            problems.append(_ignored(header))
        elif column.key in {c.key for c in found.values()}:
            problems.append(
                Problem(
                    "duplicate_column",
                    _("Two columns mean “%(title)s”."),
                    _title(entity, column),
                    column=str(header),
                )
            )
        else:
            found[str(header)] = column
    present = {c.key for c in found.values()}
    for column in entity.columns:
        if column.key not in present and column.is_required(entity.model):
            problems.append(
                Problem(
                    "missing_column",
                    _("The required column “%(title)s” is missing."),
                    _title(entity, column),
                    column=column.key,
                )
            )
    return found, problems


def _title(entity: Entity, column: Column) -> dict[str, Any]:
    return {"title": column.label or column.model_field(entity.model).verbose_name}


def _ignored(header: str) -> Problem:
    return Problem(
        "ignored_column",
        _("The column “%(header)s” is not part of this record type and was ignored."),
        {"header": header},
        column=str(header),
        severity=Severity.WARNING,
    )


@dataclass
class Row:
    """One row's checked values. ``refs`` hold natural keys per foreign-key field."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # natural-key parts by column key
    geoms: dict[str, GEOSGeometry | None] = field(default_factory=dict)
    ids: dict[str, int | None] = field(default_factory=dict)  # resolved foreign keys
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity is Severity.ERROR for p in self.problems)


class RowReader:
    """Converts records of one file, with the header mapping and choice tables prepared once."""

    def __init__(self, entity: Entity, mapping: dict[str, Column]) -> None:
        self.entity = entity
        self.mapping = mapping
        self.fields = {c.key: c.model_field(entity.model) for c in entity.columns}
        self.choices = {
            k: cells.choice_lookup(f) if f.choices else {} for k, f in self.fields.items()
        }
        self.given = {c.key for c in mapping.values()}

    def read(self, number: int, record: dict[str, Any]) -> Row:
        row = Row(number)
        for header, column in self.mapping.items():
            self._cell(row, header, column, record.get(header))
        self._refs(row)
        for check in self.entity.checks:
            found = check(row.values)
            if found is not None:
                row.problems.append(cells.problem(found[1], row=number, column=found[0]))
        return row

    def _cell(self, row: Row, header: str, column: Column, raw: Any) -> None:
        mf = self.fields[column.key]
        try:
            value = self._value(column, mf, raw)
        except CellError as exc:
            row.problems.append(cells.problem(exc, row=row.number, column=header))
            return
        if isinstance(mf, models.ForeignKey):
            row.texts[column.key] = value or ""
        else:
            row.values[column.field] = value
            row.texts[column.key] = "" if value is None else str(value)

    def _value(self, column: Column, mf: models.Field[Any, Any], raw: Any) -> Any:
        if cells.is_empty(raw):
            if column.is_required(self.entity.model):
                raise CellError("required", _("A value is required."))
            return _empty(mf)
        if isinstance(mf, models.ForeignKey):
            return cells.convert(models.CharField(), raw, code=True, choices={})
        value = cells.convert(mf, raw, code=column.code, choices=self.choices[column.key])
        cells.check(mf, value)
        return value

    def _refs(self, row: Row) -> None:
        for column in self.entity.columns:
            if column.ref is None or column.key not in row.texts:
                continue
            ref = column.ref
            parts = [row.texts.get(key, "") for key in ref.columns]
            if not parts[-1]:
                row.refs[column.field] = None
                continue
            defaults = ref.default_from or (None,) * len(parts)
            parts = [
                p or (row.texts.get(d, "") if d else "")
                for p, d in zip(parts, defaults, strict=True)
            ]
            if not all(parts):
                row.problems.append(
                    Problem(
                        "required", _("A value is required."), row=row.number, column=ref.columns[0]
                    )
                )
                continue
            row.refs[column.field] = tuple(parts)


def _empty(mf: models.Field[Any, Any]) -> Any:
    """What an empty cell stores: NULL where allowed, else the field's default or ''."""
    if mf.null or isinstance(mf, models.ForeignKey):
        return None
    if mf.has_default():
        return mf.get_default()
    return ""


class GeometryReader:
    """Checks and converts one batch's geometries into storage geometries (EPSG:4490)."""

    def __init__(self, entity: Entity, crs: Any, *, repair: bool) -> None:
        if entity.geometry is None:
            raise ValueError(entity.name)
        self.spec = entity.geometry
        self.crs = crs
        self.repair = repair
        self.notes: set[str] = set()
        self.flattened = 0
        self.repaired = 0

    def read(self, rows: Sequence[Row], geoms: Sequence[BaseGeometry | None]) -> None:
        flat = self._flatten(list(geoms))
        stored = self._to_storage(rows, flat)
        for row, geom in zip(rows, stored, strict=True):
            if geom is None:
                self._missing(row)
            else:
                self._assign(row, geom)

    def _flatten(self, geoms: list[BaseGeometry | None]) -> list[BaseGeometry | None]:
        out: list[BaseGeometry | None] = []
        for geom in geoms:
            if geom is not None and (shapely.has_z(geom) or shapely.has_m(geom)):
                self.flattened += 1
                geom = shapely.force_2d(geom)
            out.append(None if geom is None or geom.is_empty else geom)
        return out

    def _to_storage(
        self, rows: Sequence[Row], geoms: list[BaseGeometry | None]
    ) -> list[BaseGeometry | None]:
        try:
            return self._transform(geoms)
        except GisError:
            pass  # find which rows fail by converting them one at a time
        out: list[BaseGeometry | None] = []
        for row, geom in zip(rows, geoms, strict=True):
            try:
                out.append(self._transform([geom])[0])
            except GisError as exc:
                row.problems.append(_coordinate_problem(row.number, geom, exc))
                out.append(None)
                row.geoms["_failed"] = None
        return out

    def _transform(self, geoms: list[BaseGeometry | None]) -> list[BaseGeometry | None]:
        present = [g for g in geoms if g is not None]
        if not present:
            return geoms
        coords = shapely.get_coordinates(present)
        lon, lat, notes = to_storage_coords(coords[:, 0], coords[:, 1], source=self.crs)
        self.notes.update(notes)
        moved = iter(
            shapely.set_coordinates(np.array(present, dtype=object), np.column_stack([lon, lat]))
        )
        return [next(moved) if g is not None else None for g in geoms]

    def _missing(self, row: Row) -> None:
        if "_failed" in row.geoms:
            row.geoms.pop("_failed")
        elif self.spec.required:
            row.problems.append(
                Problem(
                    "geometry_missing",
                    _("The row has no geometry (or an empty one)."),
                    row=row.number,
                    column="geometry",
                )
            )
        row.geoms[self.spec.field] = None
        if self.spec.footprint:
            row.geoms[self.spec.footprint] = None

    def _assign(self, row: Row, geom: BaseGeometry) -> None:
        try:
            if geom.geom_type in ("Polygon", "MultiPolygon") and self.spec.kind == "polygon":
                row.geoms[self.spec.field] = self._polygon(row, geom)
            elif geom.geom_type in ("Polygon", "MultiPolygon") and self.spec.footprint:
                footprint = self._polygon(row, geom)
                row.geoms[self.spec.footprint] = footprint
                row.geoms[self.spec.field] = footprint.point_on_surface
            elif self.spec.kind == "point":
                row.geoms[self.spec.field] = self._point(geom)
                if self.spec.footprint:
                    row.geoms[self.spec.footprint] = None
            else:
                raise CellError(
                    "geometry_type", _("Expected a polygon, found a %(type)s."), type=geom.geom_type
                )
        except CellError as exc:
            row.problems.append(cells.problem(exc, row=row.number, column="geometry"))
            return
        self._check_extent(row)

    def _point(self, geom: BaseGeometry) -> GEOSGeometry:
        if geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom.geom_type != "Point":
            raise CellError(
                "geometry_type", _("Expected a point, found a %(type)s."), type=geom.geom_type
            )
        return _geos(geom)

    def _polygon(self, row: Row, geom: BaseGeometry) -> GEOSGeometry:
        if shapely.is_valid(geom):
            return _geos(to_multipolygon(geom))
        reason = str(shapely.is_valid_reason(geom))
        if not self.repair:
            raise CellError(
                "invalid",
                _(
                    "The geometry is not valid (%(reason)s); tick “repair” to let the import "
                    "fix it."
                ),
                reason=reason,
            )
        try:
            fixed = repair_polygonal(geom)
        except GisError as exc:
            raise CellError(
                "invalid", _("The geometry cannot be repaired: %(reason)s"), reason=exc.user_message
            ) from None
        self.repaired += 1
        row.problems.append(
            Problem(
                "repaired",
                _("The geometry was repaired (%(reason)s)."),
                {"reason": reason},
                row=row.number,
                column="geometry",
                severity=Severity.WARNING,
            )
        )
        return _geos(fixed)

    def _check_extent(self, row: Row) -> None:
        box = SICHUAN_CHONGQING_BBOX
        for geom in row.geoms.values():
            if geom is None:
                continue
            xmin, ymin, xmax, ymax = geom.extent
            if xmin < box.min_lon or xmax > box.max_lon or ymin < box.min_lat or ymax > box.max_lat:
                row.problems.append(
                    Problem(
                        "extent",
                        _(
                            "The location (%(x).5f, %(y).5f) lies outside Sichuan and Chongqing; "
                            "check the coordinate system."
                        ),
                        {"x": xmin, "y": ymin},
                        row=row.number,
                        column="geometry",
                    )
                )
                return


def _geos(geom: BaseGeometry) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4490)


def _coordinate_problem(number: int, geom: BaseGeometry | None, exc: GisError) -> Problem:
    """Say why one row's coordinates failed, with the coordinates (gis names batch indexes)."""
    x, y = shapely.get_coordinates(geom)[0] if geom is not None else (float("nan"),) * 2
    params = {"x": f"{x:.6f}", "y": f"{y:.6f}", "reason": exc.user_message}
    if detect_swapped_lonlat(float(x), float(y)):
        message = _("Longitude and latitude look swapped (%(x)s, %(y)s).")
        return Problem("swapped", message, params, row=number, column="geometry")
    if isinstance(exc, CoordinateError):
        message = _(
            "(%(x)s, %(y)s) does not fit the declared coordinate system; check which system the "
            "file uses."
        )
    else:
        message = _("The coordinates cannot be converted: %(reason)s")
    return Problem("coordinates", message, params, row=number, column="geometry")
