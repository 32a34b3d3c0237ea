"""Open an uploaded file as a :class:`~portal.exchange.sources.Source`.

:func:`open_source` works out the format (from the original file name, else the leading
bytes), how the text is encoded and which coordinate system the coordinates are in, and
refuses with a :class:`~portal.exchange.problems.ProblemError` anything it cannot read
faithfully. GIS formats (GeoPackage, zipped Shapefile, GeoJSON, KML) are read here through
pyogrio; CSV and Excel live in :mod:`portal.exchange.readers_tabular`.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from typing import Any, Final

import numpy as np
import pyogrio
import pyogrio.raw
import pyproj
import shapely
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gis.crs import ensure_supported_crs
from gis.errors import CRSError, GisError
from gis.io import declared_crs_of, detect_encoding
from portal.exchange.problems import Problem, ProblemError, Severity
from portal.exchange.sources import Batch, Format, ReadOptions, Source

__all__ = ["open_source"]

# Every file-level message, by problem code, so translators find them in one place.
MESSAGES: Final[dict[str, Promise]] = {
    "empty": _("The file is empty."),
    "unreadable_upload": _("The uploaded file could not be read; please upload it again."),
    "unreadable": _(
        "The file could not be read as %(format)s; check that it is complete and in that format."
    ),
    "encoding": _("The file's text does not decode as %(encoding)s; declare its encoding."),
    "unknown_encoding": _(
        "%(encoding)s is not a known text encoding; choose one such as UTF-8, GBK or GB18030."
    ),
    "xls": _(
        "Excel 97-2003 (.xls) and password-protected workbooks cannot be read; save the file "
        "as an unprotected .xlsx workbook."
    ),
    "shp_not_zipped": _(
        "Upload a Shapefile as one zip archive holding its .shp, .shx, .dbf and .prj files."
    ),
    "zip": _("The file is not a valid zip archive; it may be damaged or incompletely uploaded."),
    "zip_unsafe": _("The zip archive was refused: its entry %(entry)s points outside it."),
    "no_shp": _(
        "The zip archive contains no .shp file; zip the Shapefile's .shp, .shx, .dbf and "
        ".prj files together."
    ),
    "shp_parts": _("The Shapefile %(name)s has no %(parts)s file; zip all its parts together."),
    "layers": _("The file holds several layers (%(layers)s); choose the layer to import."),
    "layer": _("There is no layer %(layer)s in the file; its layers are: %(layers)s."),
    "crs": _("The coordinate system %(crs)s cannot be used: %(reason)s"),
    "no_crs": _(
        "The file does not say which coordinate system its coordinates are in (a Shapefile "
        "needs its .prj file); declare the coordinate system, e.g. EPSG:4490 or EPSG:4523."
    ),
    "crs_overridden": _(
        "The file says its coordinate system is %(file_crs)s; your declaration %(declared)s "
        "is used instead."
    ),
    "encoding_ignored": _(
        "%(format)s files are always UTF-8; the declared encoding %(encoding)s was ignored."
    ),
}

_EXTENSIONS: Final = {
    **dict.fromkeys((".gpkg",), Format.GPKG),
    **dict.fromkeys((".geojson", ".json"), Format.GEOJSON),
    **dict.fromkeys((".kml",), Format.KML),
    **dict.fromkeys((".csv", ".txt", ".tsv"), Format.CSV),
    **dict.fromkeys((".xlsx", ".xlsm"), Format.XLSX),
}
# GDAL picks drivers by extension and warns without it; a stored upload may have none.
_GDAL_SUFFIX: Final = {Format.GPKG: ".gpkg", Format.GEOJSON: ".geojson", Format.KML: ".kml"}
_SHAPEFILE_PARTS: Final = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# GeoJSON and KML have no fast skip: every read parses the whole file again (0.5 s for 58 MB),
# so they are read this many features at a time and handed out in slices.
_SLOW_FORMAT_CHUNK: Final = 20_000
# DataLayerError covers its field, geometry, feature and CRS subclasses.
_OGR_ERRORS: Final = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)
_WKT_NAME: Final = re.compile(r'^\s*[A-Za-z_]\w*\s*\[\s*"([^"]{1,120})"')
_DEFAULT_OPTIONS: Final = ReadOptions()


def fail(code: str, message: Promise | None = None, /, **params: Any) -> ProblemError:
    """The file-level error ``code`` (its message from :data:`MESSAGES` unless given)."""
    return ProblemError(Problem(code, message or MESSAGES[code], params))


def note(code: str, message: Promise | None = None, /, **params: Any) -> Problem:
    """A file-level warning for :attr:`Source.notes`."""
    return Problem(code, message or MESSAGES[code], params, severity=Severity.WARNING)


def crs_label(crs: pyproj.CRS | str) -> str:
    """How a CRS is named to the user: ``EPSG:4523``, else its name."""
    if isinstance(crs, str):
        return crs
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else crs.name


def refused_crs(label: str, exc: CRSError) -> ProblemError:
    # gis speaks English; the lazy wrapper translates its sentence when the catalogue has it.
    return fail("crs", crs=label, reason=_(exc.user_message))


def declared_crs(text: str) -> pyproj.CRS | str:
    """Resolve the user's CRS declaration; GCJ-02 and BD-09 stay names (they have no EPSG)."""
    folded = re.sub(r"[^A-Z0-9]", "", text.upper())
    if folded in ("GCJ02", "BD09"):
        return "GCJ-02" if folded == "GCJ02" else "BD-09"
    try:
        return ensure_supported_crs(text.strip())
    except CRSError as exc:
        raise refused_crs(text.strip(), exc) from exc


def open_source(
    path: Path,
    *,
    name: str | None = None,
    options: ReadOptions = _DEFAULT_OPTIONS,
) -> Source:
    """Open an uploaded file for preview and batched reading.

    ``path`` is the stored upload, ``name`` the file name the user gave it. Raises
    :class:`ProblemError` for any failure concerning the whole file.
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise fail("empty")
    except OSError as exc:
        raise fail("unreadable_upload") from exc
    if options.encoding is not None:
        try:
            codec = codecs.lookup(options.encoding.strip()).name
        except LookupError as exc:
            raise fail("unknown_encoding", encoding=options.encoding) from exc
        options = dataclasses.replace(options, encoding=codec)
    fmt = detect_format(path, name)
    if fmt in (Format.CSV, Format.XLSX):
        # Deferred because readers_tabular imports the helpers above from this module.
        from portal.exchange.readers_tabular import open_csv, open_xlsx

        return open_csv(path, options) if fmt is Format.CSV else open_xlsx(path, options)
    return _open_shapefile(path, options) if fmt is Format.SHP else _open_ogr(path, fmt, options)


def detect_format(path: Path, name: str | None) -> Format:
    """The format named by the file's extension, else recognised by its leading bytes."""
    suffix = Path(name or path.name).suffix.lower()
    if suffix in (".xls", ".shp"):
        raise fail("xls" if suffix == ".xls" else "shp_not_zipped")
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK"):
        return _zip_format(path)
    if suffix == ".zip":
        raise fail("zip")
    if head.startswith(b"SQLite format 3\x00"):
        return Format.GPKG
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: Excel 97-2003, or any encrypted workbook
        raise fail("xls")
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"{"):
        return Format.GEOJSON
    if text.startswith(b"<") and b"<kml" in text.lower():
        return Format.KML
    return Format.CSV


def _zip_format(path: Path) -> Format:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise fail("zip") from exc
    if "xl/workbook.xml" in names and not any(n.lower().endswith(".shp") for n in names):
        return Format.XLSX
    return Format.SHP


def _member_name(info: zipfile.ZipInfo) -> str:
    """The entry name as written: Chinese Windows zips store GBK names without saying so."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _shapefile_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Entries by decoded name; the whole archive is refused if one points outside it."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = _member_name(info)
        parts = PurePosixPath(name.replace("\\", "/"))
        if parts.is_absolute() or ".." in parts.parts or re.match(r"[A-Za-z]:", name):
            raise fail("zip_unsafe", entry=name)
        # macOS adds resource forks (__MACOSX/, ._name) that look like Shapefile parts.
        if parts.parts[:1] != ("__MACOSX",) and not parts.name.startswith("._"):
            members[parts.as_posix()] = info
    return members


def _choose_shp(members: dict[str, zipfile.ZipInfo], layer: str | None) -> str:
    """The .shp to read; without any, a lone .dbf (an attribute table, as exported for
    occupancies, stock and vehicles, which have no geometry)."""
    shps = sorted(n for n in members if n.lower().endswith(".shp"))
    if not shps:
        shps = sorted(n for n in members if n.lower().endswith(".dbf"))
    stems = [PurePosixPath(n).stem for n in shps]
    if not shps:
        raise fail("no_shp")
    if layer is not None:
        named = {key.casefold(): n for n in shps for key in (n, PurePosixPath(n).stem)}
        if layer.casefold() not in named:
            raise fail("layer", layer=layer, layers=", ".join(stems))
        return named[layer.casefold()]
    if len(shps) > 1:
        raise fail("layers", layers=", ".join(stems))
    return shps[0]


def _extract_shapefile(path: Path, layer: str | None, target: Path) -> Path:
    """Copy the chosen Shapefile's parts into ``target`` under fixed names; return the .shp.

    Entry names never become paths, so nothing can be written outside ``target``.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = _shapefile_members(archive)
            shp = _choose_shp(members, layer)
            main = PurePosixPath(shp).suffix.lower()
            base = shp[: -len(main)].casefold()  # Windows zips mix DEPOTS.SHP and depots.dbf
            parts = {
                n[len(base) :].lower(): i
                for n, i in members.items()
                if n.casefold().startswith(base)
            }
            needed = (".shx", ".dbf") if main == ".shp" else ()
            missing = [part for part in needed if part not in parts]
            if missing:
                raise fail("shp_parts", name=PurePosixPath(shp).name, parts=", ".join(missing))
            for part in set(_SHAPEFILE_PARTS) & parts.keys():
                with archive.open(parts[part]) as src, (target / f"layer{part}").open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise fail("zip") from exc
    return target / f"layer{main}"


def _open_shapefile(path: Path, options: ReadOptions) -> Source:
    tmp = TemporaryDirectory(prefix="tianfu-shp-")
    try:
        shp = _extract_shapefile(path, options.layer, Path(tmp.name))
        encoding, encoding_source = options.encoding, "declared"
        if encoding is None:
            try:
                encoding, encoding_source = detect_encoding(shp)[:2]
            except GisError as exc:  # a truncated .dbf
                raise fail("unreadable", format=Format.SHP.label) from exc
        source = _OgrSource(shp, Format.SHP, None, encoding=encoding, tmp=tmp)
        source.encoding_source = encoding_source
        source.settle_crs(options)
        return source
    except BaseException:
        tmp.cleanup()
        raise


def _gdal_path(path: Path, fmt: Format) -> tuple[Path, TemporaryDirectory[str] | None]:
    """``path``, or a link to it named with the extension GDAL expects for ``fmt``."""
    suffix = _GDAL_SUFFIX[fmt]
    if path.suffix.lower() == suffix:
        return path, None
    tmp = TemporaryDirectory(prefix="tianfu-upload-")
    link = Path(tmp.name) / f"upload{suffix}"
    try:
        os.symlink(path.resolve(), link)
    except OSError:  # a filesystem without symbolic links
        shutil.copyfile(path, link)
    return link, tmp


def _open_ogr(path: Path, fmt: Format, options: ReadOptions) -> Source:
    gdal_path, tmp = _gdal_path(path, fmt)
    try:
        # A GeoJSON file is one layer, named after the (stored) file: nothing to choose.
        layer = None if fmt is Format.GEOJSON else _choose_layer(gdal_path, fmt, options.layer)
        source = _OgrSource(gdal_path, fmt, layer, encoding="utf-8", tmp=tmp)
        source.encoding_source = "format"
        if options.encoding not in (None, "utf-8"):
            ignored = note("encoding_ignored", format=fmt.label, encoding=options.encoding)
            source.notes.append(ignored)
        source.settle_crs(options)
        return source
    except BaseException:
        if tmp is not None:
            tmp.cleanup()
        raise


def _choose_layer(path: Path, fmt: Format, wanted: str | None) -> str | None:
    try:
        names = [str(row[0]) for row in pyogrio.list_layers(str(path))]
    except _OGR_ERRORS as exc:
        raise fail("unreadable", format=fmt.label) from exc
    if wanted is not None and wanted not in names:
        raise fail("layer", layer=wanted, layers=", ".join(names))
    if wanted is None and len(names) > 1:
        raise fail("layers", layers=", ".join(names))
    return wanted or (names[0] if names else None)


def _differs(declared: pyproj.CRS | str, found: pyproj.CRS) -> bool:
    if isinstance(declared, str):
        return True
    same_code = declared.to_epsg() is not None and declared.to_epsg() == found.to_epsg()
    return not (same_code or declared.equals(found, ignore_axis_order=True))


def _raw_label(raw: str) -> str:
    """The name in WKT text, without parsing it (a refused CRS may be unparsable)."""
    match = _WKT_NAME.match(raw)
    return match.group(1) if match else raw.strip()[:120]


_TEMPORAL: Final = {
    "OFTDate": date.fromisoformat,
    "OFTDateTime": datetime.fromisoformat,
    "OFTTime": time.fromisoformat,
}


def _temporal(ogr_type: str, value: Any) -> Any:
    if value is None or value == "NaT":
        return None
    try:
        return _TEMPORAL[ogr_type](value)
    except ValueError:
        return value  # an unusual ISO form: the text goes on for the engine to judge


def _column(values: np.ndarray, ogr_type: str, subtype: str) -> list[Any]:
    """Python values of one field. pyogrio gives integer fields with nulls as floats, NaN."""
    items = values.tolist()
    if ogr_type in ("OFTInteger", "OFTInteger64"):
        cast = bool if subtype == "OFSTBoolean" else int
        return [None if v is None or v != v else cast(v) for v in items]
    if ogr_type == "OFTReal":
        return [None if v is None or v != v else v for v in items]
    if ogr_type in _TEMPORAL:
        return [_temporal(ogr_type, v) for v in items]
    return [v.tolist() if isinstance(v, np.ndarray) else v for v in items]  # list fields


def _records(meta: dict[str, Any], columns: list[np.ndarray], count: int) -> list[dict[str, Any]]:
    names = [str(n) for n in meta["fields"]]
    types = zip(columns, meta["ogr_types"], meta["ogr_subtypes"], strict=True)
    values = [_column(array, ogr_type, subtype) for array, ogr_type, subtype in types]
    if not names:
        return [{} for _ in range(count)]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


Chunk = tuple[dict[str, Any], np.ndarray, list[np.ndarray]]


class _OgrSource(Source):
    """A layer read through pyogrio, one bounded read per chunk of features."""

    def __init__(
        self,
        path: Path,
        fmt: Format,
        layer: str | None,
        *,
        encoding: str | None,
        tmp: TemporaryDirectory[str] | None,
    ) -> None:
        self.format, self.notes, self.encoding = fmt, [], encoding
        self._path, self._layer, self._tmp = path, layer, tmp
        try:
            codec = encoding if fmt is Format.SHP else None  # the others are UTF-8 by format
            self.info: dict[str, Any] = pyogrio.read_info(str(path), layer=layer, encoding=codec)
        except _OGR_ERRORS as exc:
            raise fail("unreadable", format=fmt.label) from exc
        self.headers = [str(n) for n in self.info["fields"]]
        count = int(self.info["features"])  # -1 when counting would mean reading everything
        self.feature_count = count if count >= 0 else None
        self.has_geometry = self.info["geometry_type"] is not None
        # GeoPackages page by fid ("fid" > last): 1.7x faster than skip_features at 1,000 rows
        # a batch on 100k features, since SQLite's OFFSET walks every skipped row.
        self._fid = str(self.info.get("fid_column") or "") if fmt is Format.GPKG else ""

    def _file_crs(self) -> tuple[pyproj.CRS | CRSError | None, str]:
        """The CRS the file declares, or why it is refused, and its text for messages."""
        prj = self._path.with_suffix(".prj")
        if self.format is not Format.SHP:
            raw = self.info.get("crs") or ""
        else:
            raw = prj.read_text("utf-8", "replace") if prj.exists() else ""
        try:
            if self.format is Format.SHP:
                return declared_crs_of(self._path), raw
            # The layer's own CRS: gis.io.declared_crs_of would read the file's first layer.
            return (ensure_supported_crs(raw) if raw else None), raw
        except CRSError as exc:
            return exc, raw

    def settle_crs(self, options: ReadOptions) -> None:
        """Set the CRS: the declaration wins over the file, and the file over nothing."""
        if not self.has_geometry:
            return
        found, raw = self._file_crs()
        if isinstance(found, pyproj.CRS) and len(found.axis_info) > 2:
            # The engine drops heights, so it needs the horizontal CRS: GDAL labels 3D GeoJSON
            # EPSG:4979 (WGS 84 3D), whose horizontal part is EPSG:4326.
            found = found.to_2d()
        if options.crs is None:
            if isinstance(found, CRSError):
                raise refused_crs(_raw_label(raw), found)
            if found is None:
                raise fail("no_crs")
            self.crs, self.crs_source = found, "file"
            return
        self.crs, self.crs_source = declared_crs(options.crs), "declared"
        if isinstance(found, CRSError) or (found is not None and _differs(self.crs, found)):
            theirs = _raw_label(raw) if isinstance(found, CRSError) else crs_label(found)
            self.notes.append(note("crs_overridden", file_crs=theirs, declared=crs_label(self.crs)))

    def batches(self, size: int) -> Iterator[Batch]:
        if size < 1:
            raise ValueError(f"batch size must be positive, got {size}")
        if self._fid:
            chunks = self._by_fid(size)
        elif self.format in (Format.GEOJSON, Format.KML):  # a multiple of size: even batches
            chunks = self._by_skip(size * -(-_SLOW_FORMAT_CHUNK // size))
        else:
            chunks = self._by_skip(size)
        row = 1
        for meta, geoms, columns in chunks:
            records = _records(meta, columns, len(geoms))
            shapes = self._shapes(geoms)
            for start in range(0, len(records), size):
                part = records[start : start + size]
                rows = list(range(row, row + len(part)))
                row += len(part)
                yield Batch(rows, part, None if shapes is None else shapes[start : start + size])

    def _shapes(self, wkb: np.ndarray) -> list[Any] | None:
        if not self.has_geometry:
            return None
        try:
            return list(shapely.from_wkb(wkb))
        except shapely.errors.GEOSException as exc:
            raise fail("unreadable", format=self.format.label) from exc

    def _by_skip(self, chunk: int) -> Iterator[Chunk]:
        skip = 0
        while True:
            meta, fids, geoms, columns = self._read(skip_features=skip, max_features=chunk)
            if len(fids):
                yield meta, geoms, columns
            if len(fids) < chunk:
                return
            skip += chunk

    def _by_fid(self, chunk: int) -> Iterator[Chunk]:
        column, where = self._fid.replace('"', '""'), None
        while True:
            meta, fids, geoms, columns = self._read(where=where, max_features=chunk)
            if len(fids):
                yield meta, geoms, columns
            if len(fids) < chunk:
                return
            where = f'"{column}" > {int(fids[-1])}'

    def _read(self, **kwargs: Any) -> tuple[dict[str, Any], np.ndarray, Any, list[np.ndarray]]:
        try:
            meta, fids, geoms, columns = pyogrio.raw.read(
                str(self._path),
                layer=self._layer,
                encoding=self.encoding if self.format is Format.SHP else None,
                read_geometry=self.has_geometry,
                datetime_as_string=True,
                return_fids=True,
                **kwargs,
            )
        except (UnicodeDecodeError, LookupError) as exc:
            raise fail("encoding", encoding=self.encoding) from exc
        except _OGR_ERRORS as exc:
            raise fail("unreadable", format=self.format.label) from exc
        if geoms is None:  # a layer without geometry: placeholders keep the row count
            geoms = np.full(len(fids), None, dtype=object)
        return meta, fids, geoms, columns

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
