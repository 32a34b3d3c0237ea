"""Tests for gis.io on real files built in a temporary directory (no database, no network)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
from shapely.geometry import Point

from gis.china import wgs84_to_bd09, wgs84_to_gcj02
from gis.crs import STORAGE_SRID, to_gk
from gis.errors import CoordinateError, CRSError, GisError, LegacyDatumError
from gis.io import (
    EncodingGuess,
    _is_utf8,
    declared_crs_of,
    decode_preview,
    detect_encoding,
    to_storage_coords,
)

NAMES = ["成都市锦江区仓库", "重庆市渝中区消防站", "绵阳应急物资储备库"]
LONLAT = np.array([[104.0665, 30.5723], [106.5516, 29.5630], [104.6796, 31.4675]])
XIAN80_GK35 = (
    'PROJCS["Xian_1980_3_Degree_GK_CM_105E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",'
    'SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def _metres(lon_a: np.ndarray, lat_a: np.ndarray, lon_b: np.ndarray, lat_b: np.ndarray) -> float:
    _, _, dist = pyproj.Geod(ellps="GRS80").inv(lon_a, lat_a, lon_b, lat_b)
    return float(np.max(np.abs(dist)))


def _write_shapefile(directory: Path, encoding: str | None) -> Path:
    frame = gpd.GeoDataFrame(
        {"name": NAMES, "code": ["510104", "500103", "510703"]},
        geometry=[Point(lon, lat) for lon, lat in LONLAT],
        crs=f"EPSG:{STORAGE_SRID}",
    )
    path = directory / "depots.shp"
    if encoding is None:
        pyogrio.write_dataframe(frame, path)
    else:
        pyogrio.write_dataframe(frame, path, encoding=encoding)
    return path


def _set_ldid(path: Path, ldid: int) -> None:
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = ldid
    dbf.write_bytes(bytes(data))


def test_gbk_shapefile_with_cpg_is_certain(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, "GBK")
    assert path.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    assert detect_encoding(path) == EncodingGuess("gbk", "cpg", True)
    assert [row["name"] for row in decode_preview(path, "gbk")] == NAMES


def test_pyogrio_leaves_language_byte_unset(tmp_path: Path) -> None:
    # pyogrio marks the encoding with a .cpg only; the LDID fallback is exercised by patching.
    path = _write_shapefile(tmp_path, "GBK")
    assert path.with_suffix(".dbf").read_bytes()[29] == 0x00


def test_gbk_shapefile_without_cpg_uses_language_byte(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, "GBK")
    path.with_suffix(".cpg").unlink()
    _set_ldid(path, 0x4D)
    assert detect_encoding(path.with_suffix(".dbf")) == EncodingGuess("gbk", "ldid", True)


@pytest.mark.parametrize("ldid", [0x00, 0x57])
def test_gbk_shapefile_without_marks_is_sniffed_as_gb18030(tmp_path: Path, ldid: int) -> None:
    path = _write_shapefile(tmp_path, "GBK")
    path.with_suffix(".cpg").unlink()
    _set_ldid(path, ldid)
    guess = detect_encoding(path)
    assert guess == EncodingGuess("gb18030", "sniffed", False)
    assert [row["name"] for row in decode_preview(path, guess.encoding, rows=2)] == NAMES[:2]


def test_unmarked_utf8_shapefile_is_sniffed(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, None)
    assert detect_encoding(path) == EncodingGuess("utf-8", "cpg", True)
    path.with_suffix(".cpg").unlink()
    assert detect_encoding(path) == EncodingGuess("utf-8", "sniffed", False)
    assert [row["name"] for row in decode_preview(path, "utf-8")] == NAMES


@pytest.mark.parametrize(
    ("cpg", "expected"),
    [("936", "gbk"), ("GB2312", "gbk"), ("65001", "utf-8"), ("GB18030", "gb18030")],
)
def test_cpg_code_page_names(tmp_path: Path, cpg: str, expected: str) -> None:
    path = _write_shapefile(tmp_path, "GBK")
    path.with_suffix(".cpg").write_text(cpg + "\n")
    assert detect_encoding(path) == EncodingGuess(expected, "cpg", True)


def test_ansi_cpg_falls_through_to_sniffing(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, "GBK")
    path.with_suffix(".cpg").write_text("ANSI")
    assert detect_encoding(path).source == "sniffed"


def test_wrong_encoding_preview_is_reported(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, "GBK")
    with pytest.raises(GisError, match="utf-8"):
        decode_preview(path, "utf-8")


def test_missing_dbf_is_reported(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, None)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(GisError, match="dbf"):
        detect_encoding(path)


def test_declared_crs_from_prj_and_geopackage(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, None)
    crs = declared_crs_of(path)
    assert crs is not None
    assert crs.equals(pyproj.CRS.from_epsg(STORAGE_SRID), ignore_axis_order=True)
    frame = gpd.read_file(path).to_crs(4544)
    gpkg = tmp_path / "depots.gpkg"
    frame.to_file(gpkg, engine="pyogrio")
    assert declared_crs_of(gpkg) == pyproj.CRS.from_epsg(4544)


def test_missing_prj_gives_none(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, None)
    path.with_suffix(".prj").unlink()
    assert declared_crs_of(path) is None


def test_xian_1980_prj_is_refused(tmp_path: Path) -> None:
    path = _write_shapefile(tmp_path, None)
    path.with_suffix(".prj").write_text(XIAN80_GK35)
    with pytest.raises(LegacyDatumError):
        declared_crs_of(path)


def test_zone_prefixed_eastings_round_trip(tmp_path: Path) -> None:
    chengdu = LONLAT[[0, 2]]
    x, y, epsg = to_gk(chengdu[:, 0], chengdu[:, 1])
    assert epsg == 4544
    lon, lat, notes = to_storage_coords(x + 35_000_000.0, y, source=4544)
    assert _metres(lon, lat, chengdu[:, 0], chengdu[:, 1]) < 0.01
    assert notes[0] == "zone-prefixed eastings: zone 35 → EPSG:4523"
    plain_lon, plain_lat, plain_notes = to_storage_coords(x, y, source=4544)
    assert _metres(plain_lon, plain_lat, chengdu[:, 0], chengdu[:, 1]) < 0.01
    assert not any("prefixed" in note for note in plain_notes)


def test_inconsistent_zone_prefix_names_the_row() -> None:
    x, y, _ = to_gk(LONLAT[[0, 2], 0], LONLAT[[0, 2], 1])
    with pytest.raises(CoordinateError, match="rows 1"):
        to_storage_coords(np.array([x[0] + 35_000_000.0, x[1]]), y, source=4544)
    with pytest.raises(CRSError, match="zone 35"):
        to_storage_coords(x + 35_000_000.0, y, source=4545)


@pytest.mark.parametrize("source", ["GCJ-02", "BD-09"])
def test_gcj02_and_bd09_convert_back(source: str) -> None:
    lon, lat = LONLAT[:, 0], LONLAT[:, 1]
    gx, gy = wgs84_to_gcj02(lon, lat) if source == "GCJ-02" else wgs84_to_bd09(lon, lat)
    # As read from a CSV: text columns parsed to floats.
    xs = np.array([float(f"{v:.9f}") for v in gx])
    ys = np.array([float(f"{v:.9f}") for v in gy])
    out_lon, out_lat, notes = to_storage_coords(xs, ys, source=source)
    assert _metres(out_lon, out_lat, lon, lat) < 0.01
    assert source in notes[0]


def test_swapped_lonlat_is_an_error_naming_the_row() -> None:
    lon, lat = LONLAT[:, 0].copy(), LONLAT[:, 1].copy()
    lon[2], lat[2] = lat[2], lon[2]
    for source in (STORAGE_SRID, 4326, "GCJ-02"):
        with pytest.raises(CoordinateError, match="rows 2"):
            to_storage_coords(lon, lat, source=source)


def test_web_mercator_and_storage_passthrough() -> None:
    to_mercator = pyproj.Transformer.from_crs(4490, 3857, always_xy=True)
    x, y = to_mercator.transform(LONLAT[:, 0], LONLAT[:, 1])
    lon, lat, notes = to_storage_coords(x, y, source="EPSG:3857")
    assert _metres(lon, lat, LONLAT[:, 0], LONLAT[:, 1]) < 0.01
    assert notes
    same_lon, same_lat, none = to_storage_coords(LONLAT[:, 0], LONLAT[:, 1], source=4490)
    assert np.array_equal(same_lon, LONLAT[:, 0])
    assert np.array_equal(same_lat, LONLAT[:, 1])
    assert none == []


def test_legacy_source_is_refused() -> None:
    with pytest.raises(LegacyDatumError):
        to_storage_coords([500000.0], [3300000.0], source=2379)


def test_utf8_sniff_tolerates_only_cut_off_full_fields() -> None:
    cut = "成都".encode()[:-1]  # a field filled to its width, last character cut by the writer
    assert _is_utf8([(cut, True)])
    assert not _is_utf8([(cut, False)])
    assert not _is_utf8([("成都".encode("gbk"), False)])


def test_prefixed_epsg_without_prefixed_eastings_is_refused() -> None:
    x, y, _ = to_gk(LONLAT[[0, 2], 0], LONLAT[[0, 2], 1])
    with pytest.raises(CoordinateError, match="EPSG:4523"):
        to_storage_coords(x, y, source=4523)
    lon, lat, _ = to_storage_coords(x + 35_000_000.0, y, source=4523)
    assert _metres(lon, lat, LONLAT[[0, 2], 0], LONLAT[[0, 2], 1]) < 0.01
