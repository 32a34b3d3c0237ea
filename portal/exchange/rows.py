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

_COORDINATE_CODES = frozenset({"coordinates", "swapped", "wkt"})
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
    columns = (*entity.columns, *entity.wkt_columns)
    lookup = {name: col for col in columns for name in _spellings(entity, col)}
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
    """One row's checked values. ``refs`` hold natural keys per foreign-key field.

    ``geoms`` are shapely geometries in storage coordinates (EPSG:4490); see :func:`to_geos`.
    """

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # natural-key parts by column key
    geoms: dict[str, BaseGeometry | None] = field(default_factory=dict)
    ids: dict[str, int | None] = field(default_factory=dict)  # resolved foreign keys
    wkt: dict[str, BaseGeometry] = field(default_factory=dict)  # geometry text cells, as read
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity is Severity.ERROR for p in self.problems)


# A reference cell is read as a code: text, never a rounded number.
_REF_TEXT: models.Field[Any, Any] = models.CharField()
# Distinct cells whose value is remembered per column: unit codes, divisions, choices and small
# numbers repeat down a file, and converting and validating them again gives the same value.
_MEMO_SIZE = 4_096


@dataclass(frozen=True)
class _Cell:
    """What converting one mapped column needs, worked out once per file."""

    header: str
    key: str
    name: str  # the model field's name
    field: models.Field[Any, Any]
    code: bool
    required: bool
    is_ref: bool
    is_wkt: bool
    choices: dict[str, str]
    memo: dict[tuple[type, Any], Any] | None  # None: values are mutable (JSON), never shared


class RowReader:
    """Converts records of one file, with the header mapping and choice tables prepared once."""

    def __init__(self, entity: Entity, mapping: dict[str, Column]) -> None:
        self.entity = entity
        self.mapping = mapping
        columns = (*entity.columns, *entity.wkt_columns)
        self.fields = {c.key: c.model_field(entity.model) for c in columns}
        self.choices = {
            k: cells.choice_lookup(f) if f.choices else {} for k, f in self.fields.items()
        }
        self.given = {c.key for c in mapping.values()}
        self.cells = [self._prepare(header, column) for header, column in mapping.items()]
        self.refs = [(c, c.ref) for c in entity.columns if c.ref is not None]
        # Row checks name a model field; the report names the file's own header for it.
        self.headers = {c.field: h for h, c in mapping.items()}

    def _prepare(self, header: str, column: Column) -> _Cell:
        mf = self.fields[column.key]
        return _Cell(
            header=header,
            key=column.key,
            name=column.field,
            field=mf,
            code=column.code,
            required=column.is_required(self.entity.model),
            is_ref=isinstance(mf, models.ForeignKey),
            is_wkt=column in self.entity.wkt_columns,
            choices=self.choices[column.key],
            memo=None if isinstance(mf, models.JSONField) else {},
        )

    def read(self, number: int, record: dict[str, Any]) -> Row:
        row = Row(number)
        for cell in self.cells:
            self._cell(row, cell, record.get(cell.header))
        self._refs(row)
        for check in self.entity.checks:
            found = check(row.values)
            if found is not None:
                column = self.headers.get(found[0], found[0])
                row.problems.append(cells.problem(found[1], row=number, column=column))
        return row

    def _cell(self, row: Row, cell: _Cell, raw: Any) -> None:
        if cell.is_wkt:
            self._wkt(row, cell, raw)
            return
        try:
            value = self._value(cell, raw)
        except CellError as exc:
            row.problems.append(cells.problem(exc, row=row.number, column=cell.header))
            return
        if cell.is_ref:
            row.texts[cell.key] = value or ""
        else:
            row.values[cell.name] = value
            row.texts[cell.key] = "" if value is None else str(value)

    @staticmethod
    def _wkt(row: Row, cell: _Cell, raw: Any) -> None:
        if cells.is_empty(raw):
            return
        try:
            row.wkt[cell.name] = shapely.from_wkt(str(raw).strip())
        except shapely.errors.GEOSException:
            message = _("“%(value)s” is not a WKT geometry.")
            error = CellError("wkt", message, value=str(raw)[:60])
            row.problems.append(cells.problem(error, row=row.number, column=cell.header))

    @staticmethod
    def _value(cell: _Cell, raw: Any) -> Any:
        if cells.is_empty(raw):
            if cell.required:
                raise CellError("required", _("A value is required."))
            return _empty(cell.field)
        if cell.memo is None:
            return RowReader._convert(cell, raw)
        key = (type(raw), raw)  # the type too: 1, 1.0 and True are equal keys
        try:
            return cell.memo[key]
        except KeyError:
            value = RowReader._convert(cell, raw)
            if len(cell.memo) < _MEMO_SIZE:
                cell.memo[key] = value
            return value
        except TypeError:  # an unhashable cell (a list field)
            return RowReader._convert(cell, raw)

    @staticmethod
    def _convert(cell: _Cell, raw: Any) -> Any:
        if cell.is_ref:
            return cells.convert(_REF_TEXT, raw, code=True, choices={})
        value = cells.convert(cell.field, raw, code=cell.code, choices=cell.choices)
        cells.check(cell.field, value)
        return value

    def _refs(self, row: Row) -> None:
        for column, ref in self.refs:
            if column.key not in row.texts:
                continue
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


# shapely's geometry type ids
_POINT, _MULTIPOINT, _POLYGON, _MULTIPOLYGON = 0, 4, 3, 6


def object_array(items: Sequence[Any]) -> np.ndarray:
    """An object array of geometries (or None), never broadcast into nested arrays."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


@dataclass
class _Placed:
    """One batch's geometries where they go: ``main`` in the geometry field, ``footprint``
    in the footprint field; ``derive`` marks rows whose point is taken from the footprint."""

    main: np.ndarray
    footprint: np.ndarray
    derive: np.ndarray
    missing: np.ndarray  # rows without a geometry (none given, or not convertible)
    done: np.ndarray  # rows whose geometry was placed (not missing, not refused)


class GeometryReader:
    """Checks and converts one batch's geometries into storage geometries (EPSG:4490).

    The work is done on whole batches with shapely's array functions; only rows that need a
    decision of their own (refused types, invalid polygons to repair) are handled one by one.
    """

    def __init__(
        self, entity: Entity, crs: Any, *, repair: bool, footprint_column: bool = False
    ) -> None:
        if entity.geometry is None:
            raise ValueError(entity.name)
        self.spec = entity.geometry
        # Whether the file has a footprint column: only then may a point row clear a footprint.
        self.footprint_column = footprint_column
        self.crs = crs
        self.repair = repair
        self.notes: set[str] = set()
        self.flattened = 0
        self.repaired = 0

    def read(self, rows: Sequence[Row], geoms: Sequence[BaseGeometry | None]) -> None:
        stored = self._to_storage(rows, self._flatten(object_array(geoms)))
        placed = self._place(rows, stored)
        if placed.derive.any():
            placed.main[placed.derive] = shapely.point_on_surface(placed.footprint[placed.derive])
        self._assign(rows, placed)
        if self.footprint_column and self.spec.footprint:
            self._footprints([r for r in rows if r.wkt and not r.geoms.get(self.spec.footprint)])

    def _footprints(self, rows: Sequence[Row]) -> None:
        """Footprints given as WKT beside the point, converted and checked like file polygons."""
        name = self.spec.footprint or ""
        stored = self._to_storage(
            rows, self._flatten(object_array([r.wkt.get(name) for r in rows]))
        )
        outside, boxes = _outside(stored)
        for i, row in enumerate(rows):
            row.geoms.pop("_failed", None)
            if stored[i] is None or not row.ok:
                continue
            try:
                row.geoms[name] = self._footprint(row, stored[i])
            except CellError as exc:
                row.problems.append(cells.problem(exc, row=row.number, column=name))
                continue
            if outside[i]:
                row.problems.append(_extent_problem(row.number, boxes[i]))

    def _footprint(self, row: Row, geom: BaseGeometry) -> BaseGeometry:
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            message = _("Expected a polygon, found a %(type)s.")
            raise CellError("geometry_type", message, type=geom.geom_type)
        if not shapely.is_valid(geom):
            return self._repaired(row, geom)
        return to_multipolygon(geom)

    def _flatten(self, geoms: np.ndarray) -> np.ndarray:
        heights = shapely.has_z(geoms) | shapely.has_m(geoms)
        if heights.any():
            self.flattened += int(heights.sum())
            geoms[heights] = shapely.force_2d(geoms[heights])
        geoms[shapely.is_empty(geoms)] = None
        return geoms

    def _to_storage(self, rows: Sequence[Row], geoms: np.ndarray) -> np.ndarray:
        try:
            return self._transform(geoms)
        except GisError:
            pass  # find which rows fail by converting them one at a time
        out = object_array([None] * len(geoms))
        for i, (row, geom) in enumerate(zip(rows, geoms, strict=True)):
            try:
                out[i] = self._transform(object_array([geom]))[0]
            except GisError as exc:
                row.problems.append(_coordinate_problem(row.number, geom, exc))
                row.geoms["_failed"] = None
        return out

    def _transform(self, geoms: np.ndarray) -> np.ndarray:
        present = ~shapely.is_missing(geoms)
        if not present.any():
            return geoms
        coords = shapely.get_coordinates(geoms[present])
        lon, lat, notes = to_storage_coords(coords[:, 0], coords[:, 1], source=self.crs)
        self.notes.update(notes)
        out = geoms.copy()
        out[present] = shapely.set_coordinates(geoms[present], np.column_stack([lon, lat]))
        return out

    def _place(self, rows: Sequence[Row], geoms: np.ndarray) -> _Placed:
        count = len(geoms)
        placed = _Placed(
            object_array([None] * count),
            object_array([None] * count),
            np.zeros(count, dtype=bool),
            shapely.is_missing(geoms),
            np.zeros(count, dtype=bool),
        )
        types = shapely.get_type_id(geoms)
        polygonal = (types == _POLYGON) | (types == _MULTIPOLYGON)
        valid = np.zeros(count, dtype=bool)
        valid[polygonal] = shapely.is_valid(geoms[polygonal])
        multi = geoms.copy()
        single = types == _POLYGON
        if single.any():  # what gis.geometry.to_multipolygon does, for the whole batch
            multi[single] = shapely.multipolygons(geoms[single][:, np.newaxis])
        for i, row in enumerate(rows):
            if placed.missing[i]:
                continue
            try:
                self._place_one(row, i, (geoms[i], multi[i], valid[i], types[i]), placed)
            except CellError as exc:
                row.problems.append(cells.problem(exc, row=row.number, column="geometry"))
        return placed

    def _place_one(
        self, row: Row, i: int, found: tuple[BaseGeometry, BaseGeometry, bool, int], out: _Placed
    ) -> None:
        geom, multi, valid, kind = found
        polygonal = kind in (_POLYGON, _MULTIPOLYGON)
        if polygonal and self.spec.kind == "polygon":
            out.main[i] = multi if valid else self._repaired(row, geom)
        elif polygonal and self.spec.footprint:
            out.footprint[i] = multi if valid else self._repaired(row, geom)
            out.derive[i] = True
        elif self.spec.kind == "point":
            out.main[i] = self._point(geom, kind)
        else:
            raise CellError(
                "geometry_type", _("Expected a polygon, found a %(type)s."), type=geom.geom_type
            )
        out.done[i] = True

    @staticmethod
    def _point(geom: BaseGeometry, kind: int) -> BaseGeometry:
        if kind == _MULTIPOINT and len(geom.geoms) == 1:
            geom, kind = geom.geoms[0], _POINT
        if kind != _POINT:
            raise CellError(
                "geometry_type", _("Expected a point, found a %(type)s."), type=geom.geom_type
            )
        return geom

    def _repaired(self, row: Row, geom: BaseGeometry) -> BaseGeometry:
        reason = str(shapely.is_valid_reason(geom))
        if not self.repair:
            raise CellError(
                "invalid",
                _(
                    "The geometry is not valid (%(reason)s); tick “Repair invalid geometries” "
                    "to let the import fix it."
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
        return fixed

    def _assign(self, rows: Sequence[Row], placed: _Placed) -> None:
        """Put each row's geometries in place and check that they lie in the region."""
        spec = self.spec
        outside_main, main_box = _outside(placed.main)
        outside_foot, foot_box = _outside(placed.footprint)
        for i, row in enumerate(rows):
            if placed.missing[i]:
                self._missing(row)
            if not placed.done[i]:
                continue
            if spec.footprint and placed.derive[i]:  # the footprint first, as it is read
                row.geoms[spec.footprint] = placed.footprint[i]
            row.geoms[spec.field] = placed.main[i]
            if spec.footprint and not placed.derive[i] and self.footprint_column:
                row.geoms[spec.footprint] = None
            if outside_foot[i] or outside_main[i]:
                box = foot_box[i] if outside_foot[i] else main_box[i]
                row.problems.append(_extent_problem(row.number, box))

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
        if self.spec.footprint and self.footprint_column:
            row.geoms[self.spec.footprint] = None


def _outside(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which geometries reach outside Sichuan and Chongqing, and every geometry's bounds."""
    box = SICHUAN_CHONGQING_BBOX
    bounds = shapely.bounds(geoms)  # NaN for None, which compares False
    xmin, ymin, xmax, ymax = bounds.T
    with np.errstate(invalid="ignore"):
        outside = (
            (xmin < box.min_lon)
            | (xmax > box.max_lon)
            | (ymin < box.min_lat)
            | (ymax > box.max_lat)
        )
    return outside, bounds


def _extent_problem(number: int, bounds: np.ndarray) -> Problem:
    return Problem(
        "extent",
        _(
            "The location (%(x).5f, %(y).5f) lies outside Sichuan and Chongqing; "
            "check the coordinate system."
        ),
        {"x": float(bounds[0]), "y": float(bounds[1])},
        row=number,
        column="geometry",
    )


def to_geos(geom: BaseGeometry | None, srid: int = 4490) -> GEOSGeometry | None:
    """A row's geometry as Django's GEOS object (to compare with or save through the ORM)."""
    if geom is None:
        return None
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=srid)


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
