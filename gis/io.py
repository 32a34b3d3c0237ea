"""Reading officers' files honestly: text encoding, declared CRS and storage coordinates.

This is the framework-free first step of the import engine. Nothing here writes anything:
:func:`detect_encoding` and :func:`decode_preview` let a user confirm how a Shapefile's text
decodes, :func:`declared_crs_of` reads the CRS a file declares (refusing legacy datums), and
:func:`to_storage_coords` turns coordinates in a declared CRS into CGCS2000 lon/lat
(EPSG:4490), reporting what it did and refusing to guess where the data is ambiguous.
"""

from __future__ import annotations

import codecs
import re
import struct
from pathlib import Path
from typing import Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pyogrio
import pyproj

from gis.china import bd09_to_wgs84, gcj02_to_wgs84
from gis.crs import (
    CHINA_BBOX,
    STORAGE_SRID,
    detect_prefixed_easting,
    detect_swapped_lonlat,
    ensure_supported_crs,
    epsg_for_zone,
    transformer,
)
from gis.errors import CoordinateError, CRSError, GisError

__all__ = [
    "EncodingGuess",
    "declared_crs_of",
    "decode_preview",
    "detect_encoding",
    "to_storage_coords",
]

FloatArray = npt.NDArray[np.float64]
EncodingSource = Literal["cpg", "ldid", "sniffed"]

# Code-page names seen in .cpg files that Python's codec registry does not resolve itself.
# GB2312-labelled files routinely hold GBK-only characters, so they are read as GBK.
_CPG_ALIASES: Final = {"936": "gbk", "gb2312": "gbk", "65001": "utf-8", "54936": "gb18030"}
# .cpg values that name no code page: "ANSI" is the writer machine's code page, unknown here.
_AMBIGUOUS_CPG: Final = frozenset({"", "ansi", "oem", "system"})
# DBF language-driver IDs (byte 29) that name a code page unambiguously. 0x00 (unset) and
# 0x57 (ESRI "ANSI": whatever the writer's Windows used) are absent on purpose.
_LDID_CODECS: Final = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x13: "cp932",
    0x4D: "gbk",
    0x4E: "cp949",
    0x4F: "cp950",
    0x57: None,
    0x78: "cp950",
    0x79: "cp949",
    0x7A: "gbk",
    0x7B: "cp932",
}
# Bytes of text fields examined when sniffing; enough for many thousand typical records.
_SNIFF_LIMIT: Final = 4_000_000
_GCJ02: Final = "GCJ-02"
_BD09: Final = "BD-09"
_GK_EPSG: Final = range(4491, 4555)
# CGCS2000 Gauss-Krüger codes whose eastings carry the zone number (6° and 3° zones).
_PREFIXED_GK_EPSG: Final = frozenset((*range(4491, 4502), *range(4513, 4534)))


class EncodingGuess(NamedTuple):
    """How a Shapefile's attribute text is encoded, and how sure we are.

    Attributes
    ----------
    encoding : str
        A Python codec name (``"gbk"``, ``"utf-8"``, ``"gb18030"``...), also accepted by
        pyogrio's ``encoding`` argument.
    source : {"cpg", "ldid", "sniffed"}
        Where it came from: the ``.cpg`` file, the DBF language-driver byte, or the bytes.
    certain : bool
        True when the file declared it; a sniffed guess must be confirmed on a preview.
    """

    encoding: str
    source: EncodingSource
    certain: bool


def _sidecar(path: Path, suffix: str) -> Path | None:
    """Return the file next to ``path`` with ``suffix``, matching its case loosely."""
    for candidate in (path.with_suffix(suffix.lower()), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    matches = [p for p in path.parent.glob(f"{path.stem}.*") if p.suffix.lower() == suffix]
    return matches[0] if matches else None


def _codec_from_cpg(text: str) -> str | None:
    """Return the Python codec a ``.cpg`` names, or ``None`` if it names none we know."""
    name = text.strip().strip("\ufeff").lower()
    if name in _AMBIGUOUS_CPG:
        return None
    name = _CPG_ALIASES.get(name, name)
    for candidate in (name, f"cp{name}" if name.isdigit() else name):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


def _text_field_spans(header: bytes) -> list[tuple[int, int]]:
    """Return ``(offset, length)`` within a record of each character (``C``) field."""
    spans: list[tuple[int, int]] = []
    offset = 1  # the deletion flag
    for start in range(32, len(header) - 31, 32):
        if header[start] == 0x0D:
            break
        field_type, length = header[start + 11], header[start + 16]
        if field_type == ord("C"):
            spans.append((offset, length))
        offset += length
    return spans


def _text_values(dbf: Path) -> list[tuple[bytes, bool]]:
    """Return the character-field values of the first records, unpadded.

    Each value comes with whether it fills its field, i.e. may have been cut off mid-character.
    """
    with dbf.open("rb") as handle:
        prefix = handle.read(32)
        if len(prefix) < 32:
            raise GisError(f"{dbf.name} is not a DBF file", user_message="The .dbf file is empty.")
        header_length, record_length = struct.unpack("<HH", prefix[8:12])
        spans = _text_field_spans(prefix + handle.read(max(header_length - 32, 0)))
        handle.seek(header_length)
        record_length = max(record_length, 1)
        records = handle.read(max(_SNIFF_LIMIT // record_length, 1) * record_length)
    values: list[tuple[bytes, bool]] = []
    for start in range(0, len(records) - record_length + 1, record_length):
        for offset, length in spans:
            value = records[start + offset : start + offset + length].rstrip(b" \x00")
            values.append((value, len(value) == length))
    return values


def _is_utf8(values: list[tuple[bytes, bool]]) -> bool:
    """Strict UTF-8 check; only a value filling its field may end in a cut-off character."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        for value, full in values:
            decoder.decode(value, final=not full)
            decoder.reset()
    except UnicodeDecodeError:
        return False
    return True


def _dbf_of(path: str | Path) -> Path:
    path = Path(path)
    dbf = path if path.suffix.lower() == ".dbf" else _sidecar(path, ".dbf")
    if dbf is None or not dbf.is_file():
        raise GisError(
            f"no .dbf next to {path.name}",
            user_message="The Shapefile has no .dbf file; upload all its parts together.",
        )
    return dbf


def detect_encoding(path: str | Path) -> EncodingGuess:
    """Work out the text encoding of a Shapefile's attributes.

    Parameters
    ----------
    path : str or Path
        The ``.shp`` or ``.dbf`` file.

    Returns
    -------
    EncodingGuess
        From the ``.cpg`` when it names a known code page; else from the DBF language-driver
        byte when it names one (0x4D is GBK); else sniffed: strict UTF-8 if every text value
        decodes so (ArcGIS ≥ 10.2.1 writes unmarked UTF-8), otherwise GB18030. Only the
        first two are ``certain``.

    Raises
    ------
    GisError
        If the ``.dbf`` is missing or truncated.
    """
    dbf = _dbf_of(path)
    cpg = _sidecar(dbf, ".cpg")
    if cpg is not None:
        codec = _codec_from_cpg(cpg.read_bytes().decode("ascii", errors="replace"))
        if codec is not None:
            return EncodingGuess(codec, "cpg", True)
    with dbf.open("rb") as handle:
        header = handle.read(32)
    ldid_codec = _LDID_CODECS.get(header[29]) if len(header) >= 32 else None
    if ldid_codec is not None:
        return EncodingGuess(ldid_codec, "ldid", True)
    sniffed = "utf-8" if _is_utf8(_text_values(dbf)) else "gb18030"
    return EncodingGuess(sniffed, "sniffed", False)


def decode_preview(path: str | Path, encoding: str, rows: int = 5) -> list[dict[str, object]]:
    """Decode the first attribute rows of a file so a user can check the text reads right.

    Parameters
    ----------
    path : str or Path
        Any file pyogrio reads (Shapefile, GeoPackage, GeoJSON...).
    encoding : str
        The encoding to decode text with, e.g. ``detect_encoding(path).encoding``.
    rows : int
        How many rows to return.

    Returns
    -------
    list of dict
        One ``{column: value}`` mapping per row, geometry left out.

    Raises
    ------
    GisError
        If the text does not decode with ``encoding``.
    """
    try:
        frame = pyogrio.read_dataframe(
            str(path), encoding=encoding, max_features=rows, read_geometry=False
        )
    except (UnicodeDecodeError, LookupError) as exc:
        raise GisError(
            f"{Path(path).name} does not decode as {encoding}: {exc}",
            user_message=f"The file's text is not valid {encoding}; choose another encoding.",
        ) from exc
    records: list[dict[str, object]] = frame.to_dict(orient="records")
    return records


def _read_prj(prj: Path) -> str:
    raw = prj.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def declared_crs_of(path: str | Path) -> pyproj.CRS | None:
    """Return the CRS a file declares, or ``None`` when it declares none.

    Parameters
    ----------
    path : str or Path
        A Shapefile (``.shp``/``.dbf``: its ``.prj`` is read) or any other file pyogrio
        reads (the layer CRS of a GeoPackage or GeoJSON).

    Returns
    -------
    pyproj.CRS or None
        ``None`` when there is no (or an empty) ``.prj`` or layer CRS: the caller must ask the
        user, never assume.

    Raises
    ------
    LegacyDatumError
        For Xian 1980 or Beijing 1954 (see :func:`gis.crs.ensure_supported_crs`).
    CRSError
        For refused, unparsable or local CRSs.
    """
    path = Path(path)
    if path.suffix.lower() in (".shp", ".dbf", ".shx"):
        prj = _sidecar(path, ".prj")
        text = _read_prj(prj).strip() if prj is not None else ""
    else:
        text = pyogrio.read_info(str(path)).get("crs") or ""
    return ensure_supported_crs(text) if text else None


def _rows(mask: npt.NDArray[np.bool_]) -> str:
    indices = np.flatnonzero(mask)
    shown = ", ".join(str(int(i)) for i in indices[:10])
    return shown + (f" and {indices.size - 10} more" if indices.size > 10 else "")


def _check_lonlat_rows(lon: FloatArray, lat: FloatArray) -> None:
    """Raise naming the rows whose lon/lat is out of range or evidently swapped."""
    finite = np.isfinite(lon) & np.isfinite(lat)
    outside = finite & ~(
        (lon >= CHINA_BBOX.min_lon)
        & (lon <= CHINA_BBOX.max_lon)
        & (lat >= CHINA_BBOX.min_lat)
        & (lat <= CHINA_BBOX.max_lat)
    )
    swapped = np.zeros(lon.shape, dtype=np.bool_)
    for i in np.flatnonzero(outside):
        swapped[i] = detect_swapped_lonlat(float(lon[i]), float(lat[i]))
    if swapped.any():
        raise CoordinateError(
            f"latitude/longitude swapped in rows {_rows(swapped)}",
            user_message=f"Longitude and latitude look swapped in rows {_rows(swapped)}.",
        )
    bad = finite & ((np.abs(lon) > 180.0) | (np.abs(lat) > 90.0))
    if bad.any():
        raise CoordinateError(
            f"longitude/latitude out of range in rows {_rows(bad)}",
            user_message=f"Rows {_rows(bad)} are not longitude/latitude in degrees.",
        )


def _prefixed_zone(x: FloatArray, declared: int) -> int | None:
    """Return the zone prefixed to every easting, ``None`` if none is prefixed."""
    finite = x[np.isfinite(x)]
    if finite.size == 0 or not bool(np.any(finite >= 10_000_000.0)):
        return None
    zones = np.array([detect_prefixed_easting(float(v)) or -1 for v in x], dtype=np.int64)
    zones[~np.isfinite(x)] = 0
    valid = zones[zones > 0]
    wrong = (zones < 0) | ((zones > 0) & (zones != (valid[0] if valid.size else -1)))
    if wrong.any():
        raise CoordinateError(
            f"eastings without a consistent zone prefix in rows {_rows(wrong)}",
            user_message=f"Rows {_rows(wrong)} have eastings with a missing or different zone.",
        )
    zone = int(valid[0])
    if declared not in (epsg_for_zone(zone), epsg_for_zone(zone, prefixed=True)):
        raise CRSError(
            f"eastings are prefixed with zone {zone} but EPSG:{declared} was declared",
            user_message=f"The eastings carry zone {zone}, not the zone of EPSG:{declared}.",
        )
    return zone


def _transform(
    x: FloatArray, y: FloatArray, crs: pyproj.CRS, notes: list[str]
) -> tuple[FloatArray, FloatArray]:
    epsg = crs.to_epsg()
    key: int | str = epsg if epsg is not None else crs.to_wkt()
    if epsg is not None and epsg in _GK_EPSG:
        zone = _prefixed_zone(x, epsg)
        if zone is None and epsg in _PREFIXED_GK_EPSG:
            raise CoordinateError(
                f"EPSG:{epsg} declares zone-prefixed eastings but none are prefixed",
                user_message=f"EPSG:{epsg} expects eastings starting with the zone number.",
            )
        if zone is not None:
            key = epsg_for_zone(zone, prefixed=True)
            notes.append(f"zone-prefixed eastings: zone {zone} → EPSG:{key}")
    lon, lat = transformer(key, STORAGE_SRID).transform(x, y)
    notes.append(f"transformed {crs.name} to EPSG:{STORAGE_SRID}")
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _normalised_source(source: int | str | pyproj.CRS) -> str | pyproj.CRS:
    """Return ``"GCJ-02"``/``"BD-09"`` for those declared systems, else the parsed CRS."""
    if isinstance(source, str):
        folded = re.sub(r"[^A-Z0-9]", "", source.upper())
        if folded in ("GCJ02", "BD09"):
            return _GCJ02 if folded == "GCJ02" else _BD09
    return ensure_supported_crs(source)


def to_storage_coords(
    x: npt.ArrayLike, y: npt.ArrayLike, *, source: int | str | pyproj.CRS
) -> tuple[FloatArray, FloatArray, list[str]]:
    """Convert coordinates in a declared CRS to CGCS2000 lon/lat (EPSG:4490).

    Parameters
    ----------
    x, y : array_like
        Longitude/latitude for geographic sources, easting/northing for projected ones.
        NaN marks a missing coordinate and passes through.
    source : int, str or pyproj.CRS
        An EPSG code, ``"EPSG:xxxx"``, WKT or CRS, or the declared ``"GCJ-02"`` / ``"BD-09"``.

    Returns
    -------
    tuple
        ``(lon, lat, notes)``: float arrays and sentences describing what was done, e.g.
        ``"zone-prefixed eastings: zone 35 → EPSG:4523"``, for the import report.

    Raises
    ------
    CoordinateError
        Naming the rows whose lon/lat is swapped or out of range, or whose eastings carry a
        missing or inconsistent zone prefix. Nothing is fixed silently.
    CRSError
        If the source is refused (including :class:`~gis.errors.LegacyDatumError`), or a zone
        prefix contradicts the declared Gauss-Krüger zone.
    """
    xs, ys = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    xs, ys = xs.copy(), ys.copy()
    resolved = _normalised_source(source)
    notes: list[str] = []
    if isinstance(resolved, str):
        _check_lonlat_rows(xs, ys)
        convert = gcj02_to_wgs84 if resolved == _GCJ02 else bd09_to_wgs84
        lon, lat = convert(xs, ys)
        notes.append(f"converted {resolved} to WGS84/CGCS2000 with gis.china")
        return lon, lat, notes
    if resolved.is_geographic:
        _check_lonlat_rows(xs, ys)
    if resolved.is_geographic and resolved.to_epsg() == STORAGE_SRID:
        return xs, ys, notes
    lon, lat = _transform(xs, ys, resolved, notes)
    return lon, lat, notes
