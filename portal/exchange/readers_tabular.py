"""CSV and Excel sources: rows of cells, with optional coordinate or WKT columns.

Cells go on as the file holds them (CSV text stays text, so codes keep their leading zeros).
Columns named like coordinates (经度/纬度, lon/lat, x/y, easting/northing...) or WKT become
the geometry and leave the records. Rows carry the number the spreadsheet shows them under.
"""

from __future__ import annotations

import codecs
import csv
import math
import posixpath
import re
import zipfile
from abc import abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final, NamedTuple
from xml.etree import ElementTree

import openpyxl
import pyproj
import shapely
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from gis.crs import STORAGE_SRID
from portal.exchange.cells import restored
from portal.exchange.problems import Problem
from portal.exchange.readers import declared_crs, fail, note
from portal.exchange.sources import Batch, Format, ReadOptions, Source

__all__ = ["open_csv", "open_xlsx"]

MESSAGES: Final[dict[str, Promise]] = {
    "geometry_columns": _(
        "Several columns could hold the geometry (%(columns)s); keep one longitude/latitude "
        "(or easting/northing) pair or one WKT column."
    ),
    "half_coordinates": _(
        "Column %(column)s looks like a coordinate but has no partner column (longitude with "
        "latitude, easting with northing); it is read as an ordinary column."
    ),
    "unnamed_column": _("Column %(column)s has no header; its values are ignored."),
    "duplicate_header": _(
        "Several columns are headed %(names)s; give every column its own header."
    ),
    "crs_assumed": _(
        "No coordinate system was declared, so the coordinates are taken as CGCS2000 "
        "longitude/latitude (EPSG:4490). Coordinates copied from Gaode/AMap are GCJ-02: "
        "declare GCJ-02 for them, or they will be placed several hundred metres off."
    ),
    "no_header": _("The file has no header row."),
    "empty_sheet": _("The sheet %(sheet)s is empty."),
    "merged_header": _(
        "The header row (row %(row)s) of sheet %(sheet)s has merged cells: %(ranges)s. "
        "Unmerge them so that every column has its own header in one row, and delete any "
        "title row above the headers."
    ),
    "merged_cells": _("Cells %(ranges)s are merged; only the first cell of each keeps a value."),
    "sheet": _("There is no sheet %(sheet)s in the workbook; its sheets are: %(sheets)s."),
    "sheet_skipped": _("The sheet %(sheet)s holds instructions and was skipped."),
    "other_sheets": _("Only the sheet %(sheet)s is read; the sheets %(others)s are ignored."),
    "not_a_number": _("%(value)s is not a number."),
    "coordinate_missing": _("The coordinate is missing."),
    "wkt": _("%(value)s is not a geometry in WKT."),
}

_X_NAMES: Final = frozenset({"lon", "lng", "longitude", "经度", "x", "东坐标", "easting"})
_Y_NAMES: Final = frozenset({"lat", "latitude", "纬度", "y", "北坐标", "northing"})
_WKT_NAMES: Final = frozenset({"wkt", "geometry", "geom", "几何", "空间位置"})
# A unit or CRS in brackets after the name still names the column: "经度（度）", "X (m)".
_BRACKETED_SUFFIX: Final = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")
# The import template's first sheet explains how to fill it in.
_INSTRUCTIONS_SHEET: Final = re.compile(r"说明|instruction|readme", re.IGNORECASE)
_DELIMITERS: Final = (",", ";", "\t")
# What a damaged workbook raises from openpyxl or from reading its XML ourselves.
_XLSX_ERRORS: Final = (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError)
# csv's default 128 KiB field limit is below the WKT of a detailed parcel boundary.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 2**20))

Shape = tuple[BaseGeometry | None, Problem | None]


def _fail(code: str, **params: Any) -> Exception:
    return fail(code, MESSAGES[code], **params)


def _note(code: str, **params: Any) -> Problem:
    return note(code, MESSAGES[code], **params)


def _row_problem(code: str, message: str, row: int, column: str, value: Any) -> Problem:
    shown = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
    return Problem(code, MESSAGES[message], {"value": shown}, row=row, column=column)


class _Geometry(NamedTuple):
    """Positions of the columns making the geometry: ``x`` and ``y``, or ``wkt``."""

    x: int | None = None
    y: int | None = None
    wkt: int | None = None


def _folded(header: str) -> str:
    return _BRACKETED_SUFFIX.sub("", re.sub(r"\s+", "", header).casefold())


def _geometry_columns(names: dict[int, str]) -> tuple[_Geometry | None, list[Problem]]:
    found: dict[str, list[int]] = {"x": [], "y": [], "wkt": []}
    for position, name in names.items():
        for role, known in (("x", _X_NAMES), ("y", _Y_NAMES), ("wkt", _WKT_NAMES)):
            if _folded(name) in known:
                found[role].append(position)
    several = any(len(p) > 1 for p in found.values()) or (found["wkt"] and found["x"] + found["y"])
    if several:
        columns = ", ".join(names[p] for role in found.values() for p in role)
        raise _fail("geometry_columns", columns=columns)
    if found["wkt"]:
        return _Geometry(wkt=found["wkt"][0]), []
    if found["x"] and found["y"]:
        return _Geometry(x=found["x"][0], y=found["y"][0]), []
    half = found["x"] + found["y"]
    return None, [_note("half_coordinates", column=names[half[0]])] if half else []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _wkt(value: Any, row: int, column: str) -> Shape:
    if value is None:
        return None, None
    try:
        return shapely.from_wkt(str(value)), None
    except shapely.errors.GEOSException:
        return None, _row_problem("wkt", "wkt", row, column, value)


class _TabularSource(Source):
    """Rows below a header row; subclasses yield each sheet row's cleaned cells."""

    def __init__(self, fmt: Format, header: Sequence[Any], header_row: int) -> None:
        self.format, self.notes, self._header_row = fmt, [], header_row
        names = {i: "" if c is None else str(c).strip() for i, c in enumerate(header)}
        last = max((i for i, n in names.items() if n), default=-1)
        for i in (i for i in range(last) if not names[i]):
            self.notes.append(_note("unnamed_column", column=get_column_letter(i + 1)))
        self._names = {i: n for i, n in names.items() if n}
        repeated = sorted(n for n, k in Counter(self._names.values()).items() if k > 1)
        if repeated:
            raise _fail("duplicate_header", names=", ".join(repeated))
        self._geometry, notes = _geometry_columns(self._names)
        self.notes.extend(notes)
        taken = set(self._geometry or ())
        self._columns = [(i, n) for i, n in self._names.items() if i not in taken]
        self.headers = [n for _, n in self._columns]

    def _settle_crs(self, options: ReadOptions) -> None:
        """Declared, else CGCS2000 lon/lat assumed with a warning; no geometry, no CRS."""
        if self._geometry is None:
            return
        if options.crs is not None:
            self.crs, self.crs_source = declared_crs(options.crs), "declared"
            return
        self.crs, self.crs_source = pyproj.CRS.from_epsg(STORAGE_SRID), "assumed"
        self.notes.append(_note("crs_assumed"))

    @abstractmethod
    def _rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The rows after the header, numbered as the spreadsheet shows them."""

    def batches(self, size: int) -> Iterator[Batch]:
        if size < 1:
            raise ValueError(f"batch size must be positive, got {size}")
        batch = Batch([], [], None if self._geometry is None else [])
        for number, cells in self._rows():
            if all(cell is None for cell in cells):
                continue  # blank rows are skipped but keep their numbers
            self._add(batch, number, cells)
            if len(batch.rows) == size:
                yield batch
                batch = Batch([], [], None if self._geometry is None else [])
        if batch.rows:
            yield batch

    def _add(self, batch: Batch, number: int, cells: list[Any]) -> None:
        def cell(i: int) -> Any:
            return cells[i] if i < len(cells) else None

        batch.rows.append(number)
        batch.records.append({name: cell(i) for i, name in self._columns})
        if self._geometry is not None and batch.geoms is not None:
            geometry, problem = self._shape(self._geometry, cell, number)
            batch.geoms.append(geometry)
            batch.problems.extend([problem] if problem is not None else [])

    def _shape(self, columns: _Geometry, cell: Callable[[int], Any], row: int) -> Shape:
        if columns.wkt is not None:
            return _wkt(cell(columns.wkt), row, self._names[columns.wkt])
        if columns.x is None or columns.y is None:
            return None, None
        x, y = cell(columns.x), cell(columns.y)
        if x is None and y is None:
            return None, None
        for position, value in ((columns.x, x), (columns.y, y)):
            if _number(value) is None:
                message = "not_a_number" if value is not None else "coordinate_missing"
                return None, _row_problem("coordinates", message, row, self._names[position], value)
        return Point(_number(x), _number(y)), None


# CSV ---------------------------------------------------------------------------------------


def _decodes_as_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _csv_encoding(path: Path, declared: str | None) -> tuple[str, str]:
    """Declared, else UTF-8 if the whole file decodes strictly so, else GB18030."""
    if declared is not None:
        return declared, "declared"
    with path.open("rb") as handle:
        head = handle.read(2)
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Excel's "Unicode text"
        return "utf-16", "sniffed"
    return ("utf-8" if _decodes_as_utf8(path) else "gb18030"), "sniffed"


def _sniff_delimiter(path: Path, codec: str) -> str:
    """The delimiter that splits the header line into most columns; a comma on a tie."""
    with path.open(encoding=codec, errors="replace", newline="") as handle:
        header = next((line for line in handle if line.strip()), "")
    widths = {d: len(next(csv.reader([header], delimiter=d), [])) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: widths[d])


class _CsvSource(_TabularSource):
    def __init__(self, path: Path, options: ReadOptions) -> None:
        self._path = path
        self.encoding, self.encoding_source = _csv_encoding(path, options.encoding)
        # utf-8-sig drops the byte-order mark Excel writes, which would stick to the first header.
        self._codec = "utf-8-sig" if self.encoding == "utf-8" else self.encoding
        self._delimiter = _sniff_delimiter(path, self._codec)
        header_row, header = next(((n, c) for n, c in self._lines() if any(c)), (0, []))
        if not header_row:
            raise _fail("no_header")
        super().__init__(Format.CSV, header, header_row)
        self._settle_crs(options)

    def _lines(self) -> Iterator[tuple[int, list[Any]]]:
        with self._path.open(encoding=self._codec, newline="") as handle:
            try:
                # Records, not text lines: a quoted cell with line breaks is one spreadsheet row.
                for number, cells in enumerate(csv.reader(handle, delimiter=self._delimiter), 1):
                    yield number, [restored(cell.strip()) or None for cell in cells]
            except UnicodeDecodeError as exc:
                raise fail("encoding", encoding=self.encoding) from exc
            except csv.Error as exc:
                raise fail("unreadable", format=Format.CSV.label) from exc

    def _rows(self) -> Iterator[tuple[int, list[Any]]]:
        return ((n, cells) for n, cells in self._lines() if n > self._header_row)


def open_csv(path: Path, options: ReadOptions) -> Source:
    """Open a CSV file (``,``, ``;`` or tab separated) as a source of text cells."""
    return _CsvSource(path, options)


# Excel -------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(archive: zipfile.ZipFile, title: str) -> str | None:
    """The zip member holding a sheet's XML, found through the workbook's relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = next(
        (e for e in workbook.iter() if _local(e.tag) == "sheet" and e.get("name") == title), None
    )
    attributes = sheet.attrib if sheet is not None else {}
    rel_id = next((v for k, v in attributes.items() if _local(k) == "id"), None)
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target", "") for r in relations.iter() if r.get("Id") == rel_id), "")
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")


def _mentions_merges(archive: zipfile.ZipFile, part: str) -> bool:
    """A byte scan (0.05 s for 100k rows) that spares parsing sheets with no merged cells."""
    with archive.open(part) as xml:
        tail = b""
        while chunk := xml.read(1 << 20):
            if b"mergeCell" in tail + chunk:
                return True
            tail = chunk[-16:]
    return False


def _merged_ranges(path: Path, title: str) -> list[str]:
    """The sheet's ``<mergeCell ref>`` ranges, which openpyxl's read-only mode does not expose."""
    refs: list[str] = []
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, title)
        if part is None or not _mentions_merges(archive, part):
            return refs
        with archive.open(part) as xml:
            rows: ElementTree.Element | None = None
            # Start events only (attributes are set by then): half the time of start + end.
            for _event, element in ElementTree.iterparse(xml, events=("start",)):
                tag = _local(element.tag)
                if tag == "row" and rows is not None:
                    rows.clear()  # the merges follow the cells: forget the rows parsed so far
                elif tag == "sheetData":
                    rows = element
                elif tag == "mergeCell":
                    refs.append(element.get("ref", ""))
    return refs


def _merge_notes(refs: list[str], header_row: int, sheet: str) -> list[Problem]:
    """Refuse merged cells in the header row; warn about those among the data."""
    header, data = [], []
    for ref in refs:
        _min_col, min_row, _max_col, max_row = range_boundaries(ref)
        (header if (min_row or 0) <= header_row <= (max_row or 0) else data).append(ref)
    if header:
        raise _fail("merged_header", row=header_row, sheet=sheet, ranges=", ".join(header))
    shown = ", ".join(data[:10]) + (" ..." if len(data) > 10 else "")
    return [_note("merged_cells", ranges=shown)] if data else []


def _choose_sheet(names: list[str], wanted: str | None) -> tuple[str, list[Problem]]:
    if wanted is not None:
        if wanted not in names:
            raise _fail("sheet", sheet=wanted, sheets=", ".join(names))
        return wanted, []
    data = [n for n in names if not _INSTRUCTIONS_SHEET.search(n)] or names
    notes = [_note("sheet_skipped", sheet=n) for n in names if n not in data]
    if len(data) > 1:
        notes.append(_note("other_sheets", sheet=data[0], others=", ".join(data[1:])))
    return data[0], notes


class _XlsxSource(_TabularSource):
    def __init__(self, path: Path, handle: BinaryIO, workbook: Any, options: ReadOptions) -> None:
        self._handle, self._workbook = handle, workbook
        title, notes = _choose_sheet(list(workbook.sheetnames), options.layer)
        self._sheet = workbook[title]
        self._sheet.reset_dimensions()  # generated files often state wrong dimensions
        filled = ((n, c) for n, c in self._lines(1) if any(v is not None for v in c))
        header_row, header = next(filled, (0, []))
        if not header_row:
            raise _fail("empty_sheet", sheet=title)
        notes += _merge_notes(_merged_ranges(path, title), header_row, title)
        super().__init__(Format.XLSX, header, header_row)
        self.notes[:0] = notes
        self.encoding, self.encoding_source = "utf-8", "format"
        self._settle_crs(options)

    def _lines(self, first: int) -> Iterator[tuple[int, list[Any]]]:
        rows = self._sheet.iter_rows(min_row=first, values_only=True)
        try:
            for number, values in enumerate(rows, first):  # openpyxl fills in absent rows
                yield number, [v.strip() or None if isinstance(v, str) else v for v in values]
        except _XLSX_ERRORS as exc:
            raise fail("unreadable", format=Format.XLSX.label) from exc

    def _rows(self) -> Iterator[tuple[int, list[Any]]]:
        return self._lines(self._header_row + 1)

    def close(self) -> None:
        self._workbook.close()
        self._handle.close()


def open_xlsx(path: Path, options: ReadOptions) -> Source:
    """Open the data sheet of an .xlsx workbook (cached values, not formulas)."""
    # A file object, because openpyxl refuses paths without an Excel extension.
    handle = path.open("rb")
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        return _XlsxSource(path, handle, workbook, options)
    except (*_XLSX_ERRORS, InvalidFileException) as exc:
        handle.close()
        raise fail("unreadable", format=Format.XLSX.label) from exc
    except BaseException:
        handle.close()
        raise
