"""The file writers behind :func:`portal.exchange.export.export_queryset`.

Each writer consumes :class:`Chunk` objects (a few thousand rows, geometry already in the
target CRS) and never holds more than one chunk: GeoPackage and Shapefile are appended to chunk
by chunk with pyogrio, GeoJSON and CSV are streamed as text, XLSX goes through openpyxl's
write-only mode (about 3 s per 10,000 rows without lxml).

Spreadsheet cells follow :mod:`portal.exchange.cells` (codes as text, formula-like text
neutralised). Shapefile text is checked before it is written, because GDAL would otherwise
replace what the encoding cannot hold and cut what is longer than 254 bytes, silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyogrio.raw
import pyproj
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from portal.core.exceptions import PortalError
from portal.exchange.cells import (
    EXCEL_CELL_CHARS,
    EXCEL_ROWS,
    column_width,
    formatted_cell,
    header_cell,
    neutralised,
    sheet_title,
    text_cell,
)

# Model field type → how a value is typed in files.
KINDS: Final = {
    "DecimalField": "decimal",
    "FloatField": "float",
    "IntegerField": "int",
    "SmallIntegerField": "int",
    "BigIntegerField": "int",
    "PositiveIntegerField": "int",
    "PositiveSmallIntegerField": "int",
    "PositiveBigIntegerField": "int",
    "DateField": "date",
    "BooleanField": "bool",
    "JSONField": "text",  # written as compact JSON text by :func:`plain`
}
OGR_TYPES: Final = {
    "POINT": "Point",
    "MULTIPOINT": "MultiPoint",
    "LINESTRING": "LineString",
    "MULTILINESTRING": "MultiLineString",
    "POLYGON": "Polygon",
    "MULTIPOLYGON": "MultiPolygon",
}
EXACT_DIGITS: Final = 15  # significant digits an Excel number (a binary double) keeps
SHAPEFILE_TEXT_BYTES: Final = 254
GEOJSON_DECIMALS: Final = 7  # RFC 7946 §11.2: about 1 cm
_TEXT_KINDS: Final = ("text", "code")
_GIS: Final = {"gpkg": "GPKG", "shp": "ESRI Shapefile"}


class ExportError(PortalError):
    """An export that cannot be written as asked (bad filter, refused CRS, unencodable text)."""

    default_message = gettext_lazy("The export could not be written.")


@dataclass(frozen=True)
class Field:
    """One attribute column: ``key`` in GIS files, ``title`` (Chinese) in spreadsheets."""

    key: str
    title: str
    kind: str  # text, code, int, decimal, float, date, bool
    places: int | None = None  # decimal places, for the spreadsheet number format


@dataclass(frozen=True)
class Layout:
    name: str  # layer and file stem, the entity name
    sheet: str  # worksheet title, the entity's Chinese label
    fields: tuple[Field, ...]
    geometry: str | None  # OGR geometry type; None: an attribute table
    footprint: bool  # buildings: the footprint as WKT text beside the point
    crs: pyproj.CRS
    encoding: str  # "utf-8" or "gbk"
    key_index: tuple[int, ...]  # the natural-key columns, to name a row in messages


@dataclass
class Chunk:
    start: int  # record number of the first row, counted from 1
    rows: list[list[Any]]
    geoms: np.ndarray | None  # shapely geometries in the target CRS, None entries allowed
    footprints: list[str | None] | None  # WKT in the target CRS


def plain(value: Any) -> Any:
    """A database value as files carry it: JSON as compact text, everything else unchanged."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def check_sheet_rows(count: int) -> None:
    if count >= EXCEL_ROWS:
        raise ExportError(
            _(
                "%(count)d records do not fit in one worksheet (at most %(max)d); "
                "choose CSV or GeoPackage, or narrow the filter."
            )
            % {"count": count, "max": EXCEL_ROWS - 1}
        )


def write(
    fmt: str, layout: Layout, chunks: Iterable[Chunk], path: Path, about: dict[str, str]
) -> int:
    """Write ``chunks`` to ``path`` in ``fmt``; returns the row count. No partial file is left."""
    path.unlink(missing_ok=True)
    try:
        if fmt == "xlsx":
            return _write_xlsx(layout, chunks, path, about)
        if fmt == "csv":
            return _write_csv(layout, chunks, path)
        if fmt == "shp":
            return _write_shapefile(layout, chunks, path)
        if fmt == "geojson":
            return _write_geojson(layout, chunks, path)
        return _write_gis(fmt, layout, chunks, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def cell_error(layout: Layout, chunk: Chunk, offset: int, field: str, problem: str) -> ExportError:
    """An error naming the record by its number and natural key, and the column."""
    row = chunk.rows[offset]
    key = " / ".join(str(row[i]) for i in layout.key_index if row[i] is not None)
    return ExportError(
        _("Record %(row)d (%(key)s), column “%(column)s”: %(problem)s")
        % {"row": chunk.start + offset, "key": key, "column": field, "problem": problem}
    )


def text_problem(text: str, encoding: str, limit: int | None) -> str | None:
    """Why ``text`` cannot be written in ``encoding`` within ``limit`` bytes, or None."""
    try:
        size = len(text.encode(encoding))
    except UnicodeEncodeError as exc:
        return _("“%(char)s” cannot be written in %(encoding)s; choose UTF-8.") % {
            "char": exc.object[exc.start : exc.end],
            "encoding": encoding.upper(),
        }
    if limit is not None and size > limit:
        return _(
            "the text takes %(size)d bytes and a Shapefile field holds %(limit)d; "
            "choose GeoPackage."
        ) % {"size": size, "limit": limit}
    return None


# GIS formats ----------------------------------------------------------------------------------


def _write_gis(fmt: str, layout: Layout, chunks: Iterable[Chunk], path: Path) -> int:
    """GeoPackage and Shapefile: the first chunk creates the layer, later ones append to it."""
    encoding = layout.encoding.upper() if fmt == "shp" else None
    rows = 0
    for number, chunk in enumerate(chunks):
        if fmt == "shp":
            _check_shapefile_text(layout, chunk)
        columns, masks, names = _columns(layout, chunk)
        pyogrio.raw.write(
            path,
            None if chunk.geoms is None else shapely.to_wkb(chunk.geoms),
            columns,
            names,
            field_mask=masks,
            layer=layout.name,
            driver=_GIS[fmt],
            geometry_type=layout.geometry,
            crs=layout.crs.to_wkt() if layout.geometry else None,
            encoding=encoding,
            append=number > 0,
        )
        rows += len(chunk.rows)
    return rows


def _write_shapefile(layout: Layout, chunks: Iterable[Chunk], path: Path) -> int:
    """A zipped Shapefile; an entity without geometry is a lone .dbf (with its .cpg)."""
    with tempfile.TemporaryDirectory(prefix="tianfu-shp-") as folder:
        suffix = ".shp" if layout.geometry else ".dbf"
        rows = _write_gis("shp", layout, chunks, Path(folder) / f"{layout.name}{suffix}")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(Path(folder).iterdir()):
                archive.write(member, member.name)
    return rows


def _check_shapefile_text(layout: Layout, chunk: Chunk) -> None:
    texts = [i for i, f in enumerate(layout.fields) if f.kind in _TEXT_KINDS]
    for offset, row in enumerate(chunk.rows):
        for index in texts:
            value = row[index]
            problem = value and text_problem(value, layout.encoding, SHAPEFILE_TEXT_BYTES)
            if problem:
                field = layout.fields[index]
                title = f"{field.title} ({field.key})"
                raise cell_error(layout, chunk, offset, title, problem)


def _columns(layout: Layout, chunk: Chunk) -> tuple[list[Any], list[Any], list[str]]:
    """Column arrays, null masks and field names for pyogrio."""
    columns, masks, names = [], [], []
    for index, field in enumerate(layout.fields):
        array, mask = _array(field.kind, [row[index] for row in chunk.rows])
        columns.append(array)
        masks.append(mask)
        names.append(field.key)
    if layout.footprint and chunk.footprints is not None:
        columns.append(np.array(chunk.footprints, dtype=object))
        masks.append(None)
        names.append("footprint")
    return columns, masks, names


def _array(kind: str, values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    missing = np.array([v is None for v in values], dtype=bool)
    if kind in ("int", "bool"):
        dtype = np.int64 if kind == "int" else np.bool_
        return np.array([0 if v is None else v for v in values], dtype=dtype), missing
    if kind in ("decimal", "float"):
        return np.array([np.nan if v is None else float(v) for v in values], np.float64), None
    if kind == "date":
        days = [v.isoformat() if v is not None else "NaT" for v in values]
        return np.array(days, dtype="datetime64[D]"), None
    return np.array(values, dtype=object), None


def _write_geojson(layout: Layout, chunks: Iterable[Chunk], path: Path) -> int:
    """RFC 7946 GeoJSON, streamed: GDAL's GeoJSON driver rereads the whole file on each
    append, which made chunked writing quadratic (90 s for 200,000 points)."""
    rows = 0
    with path.open("w", encoding="utf-8") as stream:
        name = json.dumps(layout.name)
        stream.write(f'{{"type":"FeatureCollection","name":{name},"features":[')
        for chunk in chunks:
            for feature in _features(layout, chunk):
                stream.write(("," if rows else "") + "\n" + feature)
                rows += 1
        stream.write("\n]}\n")
    return rows


def _features(layout: Layout, chunk: Chunk) -> Iterator[str]:
    geometries = _geojson_geometries(chunk)
    footprints = chunk.footprints or [None] * len(chunk.rows)
    for row, geometry, footprint in zip(chunk.rows, geometries, footprints, strict=True):
        properties = {f.key: _json_value(v) for f, v in zip(layout.fields, row, strict=True)}
        if layout.footprint:
            properties["footprint"] = footprint
        text = json.dumps(properties, ensure_ascii=False, separators=(",", ":"))
        yield f'{{"type":"Feature","properties":{text},"geometry":{geometry or "null"}}}'


def _geojson_geometries(chunk: Chunk) -> list[str | None]:
    """Coordinates rounded to 7 decimals, exterior rings counter-clockwise (RFC 7946)."""
    if chunk.geoms is None:
        return [None] * len(chunk.rows)
    geoms = shapely.transform(chunk.geoms, lambda xy: np.round(xy, GEOJSON_DECIMALS))
    return list(shapely.to_geojson(shapely.orient_polygons(geoms, exterior_cw=False)))


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # a JSON number; GIS formats store decimals as reals
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# Spreadsheets ---------------------------------------------------------------------------------


def spreadsheet_headers(layout: Layout) -> list[str]:
    """Chinese titles, then ``lon``/``lat`` (``x``/``y`` if projected) or ``wkt`` columns."""
    headers = [_header(f, layout.encoding) for f in layout.fields]
    if layout.geometry == "Point":
        headers += ["lon", "lat"] if layout.crs.is_geographic else ["x", "y"]
    elif layout.geometry is not None:
        headers.append("wkt")
    if layout.footprint:
        headers.append("footprint")  # its own column: a file carries one geometry column
    return headers


def _header(field: Field, encoding: str) -> str:
    """The field's title, or its key where ``encoding`` cannot write the title (GBK has no
    "m²"): the import reads a column by either."""
    try:
        field.title.encode(encoding)
    except UnicodeEncodeError:
        return field.key
    return field.title


def _sheet_geometry(layout: Layout, chunk: Chunk) -> list[list[Any]]:
    """Per row, the geometry cells: the point's coordinates or the WKT, then the footprint."""
    extras: list[list[Any]] = [[] for _row in chunk.rows]
    if chunk.geoms is not None and layout.geometry == "Point":
        xs, ys = shapely.get_x(chunk.geoms), shapely.get_y(chunk.geoms)
        for extra, x, y in zip(extras, xs.tolist(), ys.tolist(), strict=True):
            extra += [None, None] if np.isnan(x) else [x, y]
    elif chunk.geoms is not None:
        wkt = [None if g is None else shapely.to_wkt(g, rounding_precision=-1) for g in chunk.geoms]
        for extra, text in zip(extras, wkt, strict=True):
            extra.append(text)
    for extra, footprint in zip(extras, chunk.footprints or [], strict=False):
        extra.append(footprint)
    return extras


def _write_xlsx(layout: Layout, chunks: Iterable[Chunk], path: Path, about: dict[str, str]) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(layout.sheet))
    headers = spreadsheet_headers(layout)
    for column, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = column_width(header)
    sheet.freeze_panes = "A2"
    sheet.append([header_cell(sheet, h) for h in headers])
    rows = 0
    for chunk in chunks:
        extras = _sheet_geometry(layout, chunk)
        for offset, row in enumerate(chunk.rows):
            cells = [_xlsx(sheet, v, f) for v, f in zip(row, layout.fields, strict=True)]
            sheet.append(cells + [_xlsx_text(sheet, v) for v in extras[offset]])
            _check_xlsx_lengths(layout, chunk, offset, headers, row + extras[offset])
        rows += len(chunk.rows)
    _about_sheet(workbook.create_sheet(_("About")), about | {_("Records written"): str(rows)})
    workbook.save(path)
    return rows


def _xlsx(sheet: Any, value: Any, field: Field) -> Any:
    if value is None:
        return None
    if field.kind in _TEXT_KINDS:
        return text_cell(sheet, value, code=field.kind == "code")
    if field.kind == "decimal":
        places = "." + "0" * field.places if field.places else ""
        return formatted_cell(sheet, value, "0" + places)  # the exact decimal text is stored
    if field.kind == "date":
        return formatted_cell(sheet, value, "yyyy-mm-dd")
    return value


def _xlsx_text(sheet: Any, value: Any) -> Any:
    return text_cell(sheet, value, code=False) if isinstance(value, str) else value


def _check_xlsx_lengths(
    layout: Layout, chunk: Chunk, offset: int, headers: list[str], values: list[Any]
) -> None:
    for header, value in zip(headers, values, strict=True):
        if isinstance(value, str) and len(value) > EXCEL_CELL_CHARS:
            problem = _("longer than the %(max)d characters an Excel cell holds; choose CSV.")
            raise cell_error(layout, chunk, offset, header, problem % {"max": EXCEL_CELL_CHARS})


def _about_sheet(sheet: Any, about: dict[str, str]) -> None:
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 60
    for key, value in about.items():
        sheet.append([header_cell(sheet, key), text_cell(sheet, value, code=True)])


def _write_csv(layout: Layout, chunks: Iterable[Chunk], path: Path) -> int:
    """CSV with a BOM when UTF-8 (Excel needs it for Chinese), or GBK without one."""
    codec = "utf-8-sig" if layout.encoding == "utf-8" else layout.encoding
    headers = spreadsheet_headers(layout)
    rows = 0
    with path.open("w", encoding=codec, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(headers)
        for chunk in chunks:
            extras = _sheet_geometry(layout, chunk)
            for offset, row in enumerate(chunk.rows):
                cells = [_csv(v, f.kind) for v, f in zip(row, layout.fields, strict=True)]
                cells += [_csv(v, "text") for v in extras[offset]]
                _check_csv_text(layout, chunk, offset, headers, cells)
                writer.writerow(cells)
            rows += len(chunk.rows)
    return rows


_CSV_TEXT: Final[dict[str, Callable[[Any], str]]] = {
    "decimal": lambda v: f"{v:f}",  # fixed point, every stored digit
    "float": repr,
    "date": dt.date.isoformat,
    "bool": lambda v: "true" if v else "false",
    "int": str,
}


def _csv(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and kind == "text":
        return repr(value)  # a coordinate, at full precision
    convert = _CSV_TEXT.get(kind)
    return convert(value) if convert else neutralised(value)


def _check_csv_text(
    layout: Layout, chunk: Chunk, offset: int, headers: list[str], cells: list[str]
) -> None:
    if layout.encoding == "utf-8":
        return
    for header, text in zip(headers, cells, strict=True):
        problem = text and text_problem(text, layout.encoding, None)
        if problem:
            raise cell_error(layout, chunk, offset, header, problem)
