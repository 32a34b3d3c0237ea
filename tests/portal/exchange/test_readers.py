"""Readers on real files built in a temporary directory (no database, no network)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import Point

from portal.exchange import readers
from portal.exchange.problems import ProblemError, Severity
from portal.exchange.readers import open_source
from portal.exchange.sources import Batch, Format, ReadOptions, Source

NAMES = ["成都市锦江区仓库", "重庆市渝中区消防站", "绵阳应急物资储备库"]
CODES = ["510104", "500103", "010703"]
LONLAT = [(104.0665, 30.5723), (106.5516, 29.5630), (104.6796, 31.4675)]
CREDIT_CODES = ["91510100MA61R8XK3Y", "12510000450717303D", "11500000MB1616140F"]
XIAN80_GEOGRAPHIC = pyproj.CRS.from_epsg(4610).to_wkt("WKT1_ESRI")


def _frame(crs: int | str = 4490, **columns: list[Any]) -> gpd.GeoDataFrame:
    data = {"name": NAMES, "code": CODES, **columns}
    return gpd.GeoDataFrame(data, geometry=[Point(xy) for xy in LONLAT], crs=crs)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _shapefile_parts(directory: Path, encoding: str, frame: gpd.GeoDataFrame) -> dict[str, bytes]:
    directory.mkdir(exist_ok=True)
    pyogrio.write_dataframe(frame, directory / "depots.shp", encoding=encoding)
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _shapefile_zip(tmp_path: Path, encoding: str = "UTF-8", **changes: bytes | None) -> Path:
    """A zipped Shapefile; ``changes`` replace (bytes) or drop (None) parts by extension."""
    parts = _shapefile_parts(tmp_path / "parts", encoding, _frame())
    for suffix, data in changes.items():
        if data is None:
            parts.pop(f"depots.{suffix}")
        else:
            parts[f"depots.{suffix}"] = data
    return _zip(tmp_path / "upload.bin", parts)


def _with_language_byte(dbf: bytes, ldid: int) -> bytes:
    data = bytearray(dbf)
    data[29] = ldid
    return bytes(data)


def _all(source: Source, size: int = 1000) -> list[Batch]:
    return list(source.batches(size))


def _problem(excinfo: pytest.ExceptionInfo[ProblemError]) -> tuple[str, str]:
    problem = excinfo.value.problem
    return problem.code, problem.text("en")


# Shapefiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ldid", "encoding", "source"), [(0x00, "gb18030", "sniffed"), (0x4D, "gbk", "ldid")]
)
def test_gbk_shapefile_without_cpg(tmp_path: Path, ldid: int, encoding: str, source: str) -> None:
    parts = _shapefile_parts(tmp_path / "parts", "GBK", _frame())
    path = _shapefile_zip(
        tmp_path, "GBK", cpg=None, dbf=_with_language_byte(parts["depots.dbf"], ldid)
    )
    with open_source(path, name="仓库.zip") as opened:
        assert opened.format is Format.SHP
        assert (opened.encoding, opened.encoding_source) == (encoding, source)
        [batch] = _all(opened)
    assert [r["name"] for r in batch.records] == NAMES


def test_utf8_shapefile_with_cpg(tmp_path: Path) -> None:
    with open_source(_shapefile_zip(tmp_path), name="depots.zip") as opened:
        assert (opened.encoding, opened.encoding_source) == ("utf-8", "cpg")
        assert opened.headers == ["name", "code"]
        assert (opened.crs.to_epsg(), opened.crs_source) == (4490, "file")
        assert opened.feature_count == 3
        assert opened.notes == []
        [batch] = _all(opened)
    assert batch.rows == [1, 2, 3]
    assert batch.records[2] == {"name": NAMES[2], "code": "010703"}
    assert batch.geoms == [Point(xy) for xy in LONLAT]
    assert batch.problems == []


def test_declared_encoding_wins_over_the_cpg(tmp_path: Path) -> None:
    path = _shapefile_zip(tmp_path, "GBK")
    with open_source(path, name="a.zip", options=ReadOptions(encoding="GB18030")) as opened:
        assert (opened.encoding, opened.encoding_source) == ("gb18030", "declared")
        assert [r["name"] for r in opened.preview()] == NAMES


def test_unknown_encoding_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProblemError) as excinfo:
        open_source(_shapefile_zip(tmp_path), options=ReadOptions(encoding="gbk-ish"))
    code, text = _problem(excinfo)
    assert code == "unknown_encoding"
    assert "gbk-ish is not a known text encoding" in text


def test_shapefile_without_prj_needs_a_declared_crs(tmp_path: Path) -> None:
    path = _shapefile_zip(tmp_path, prj=None)
    with pytest.raises(ProblemError) as excinfo:
        open_source(path, name="depots.zip")
    code, text = _problem(excinfo)
    assert code == "no_crs"
    assert "declare the coordinate system" in text
    with open_source(path, name="depots.zip", options=ReadOptions(crs="4490")) as opened:
        assert (opened.crs.to_epsg(), opened.crs_source) == (4490, "declared")
        assert opened.notes == []


def test_xian_1980_prj_is_refused_naming_the_crs(tmp_path: Path) -> None:
    path = _shapefile_zip(tmp_path, prj=XIAN80_GEOGRAPHIC.encode())
    with pytest.raises(ProblemError) as excinfo:
        open_source(path, name="depots.zip")
    code, text = _problem(excinfo)
    assert code == "crs"
    assert "GCS_Xian_1980" in text
    assert "legacy datum (Xian 1980 or Beijing 1954)" in text


def test_declared_crs_overrides_the_prj_with_a_warning(tmp_path: Path) -> None:
    options = ReadOptions(crs="EPSG:4523")
    with open_source(_shapefile_zip(tmp_path), name="a.zip", options=options) as opened:
        assert (opened.crs.to_epsg(), opened.crs_source) == (4523, "declared")
        [warning] = opened.notes
    assert (warning.code, warning.severity) == ("crs_overridden", Severity.WARNING)
    assert "EPSG:4490" in warning.text("en")
    assert "EPSG:4523" in warning.text("en")


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("EPSG:4523", 4523),
        ("4544", 4544),
        ("GCJ-02", "GCJ-02"),
        ("gcj02", "GCJ-02"),
        ("BD-09", "BD-09"),
        ("bd09", "BD-09"),
    ],
)
def test_declarations_are_understood(tmp_path: Path, declared: str, expected: int | str) -> None:
    options = ReadOptions(crs=declared)
    with open_source(_shapefile_zip(tmp_path), options=options) as opened:
        crs = opened.crs if isinstance(opened.crs, str) else opened.crs.to_epsg()
    assert crs == expected


def test_refused_declaration_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProblemError) as excinfo:
        open_source(_shapefile_zip(tmp_path), options=ReadOptions(crs="EPSG:2380"))
    code, text = _problem(excinfo)
    assert code == "crs"
    assert text.startswith("The coordinate system EPSG:2380 cannot be used")


def test_corrupt_zip(tmp_path: Path) -> None:
    good = _shapefile_zip(tmp_path).read_bytes()
    path = tmp_path / "broken"
    path.write_bytes(good[: len(good) // 2])
    for name in ("depots.zip", None):
        with pytest.raises(ProblemError) as excinfo:
            open_source(path, name=name)
        assert _problem(excinfo)[0] == "zip"
    (tmp_path / "text").write_text("not a zip at all")
    with pytest.raises(ProblemError) as excinfo:
        open_source(tmp_path / "text", name="depots.zip")
    assert _problem(excinfo)[0] == "zip"


def test_zip_with_two_shapefiles_needs_a_layer(tmp_path: Path) -> None:
    parts = _shapefile_parts(tmp_path / "parts", "UTF-8", _frame())
    members = {
        f"{stem}/{name.replace('depots', stem)}": data
        for stem in ("仓库", "站点")
        for name, data in parts.items()
    }
    path = _zip(tmp_path / "two.zip", members)
    with pytest.raises(ProblemError) as excinfo:
        open_source(path)
    code, text = _problem(excinfo)
    assert code == "layers"
    assert "仓库, 站点" in text
    with open_source(path, options=ReadOptions(layer="站点")) as opened:
        assert len(_all(opened)[0].rows) == 3


def test_zip_entry_names_written_in_gbk_are_decoded(tmp_path: Path) -> None:
    # Chinese Windows zips store GBK names without the UTF-8 flag: write ASCII placeholders
    # of the same length, then put the GBK bytes in their place.
    parts = _shapefile_parts(tmp_path / "parts", "UTF-8", _frame())
    members = {n.replace("depots", p): d for p in ("QQQQ", "WWWW") for n, d in parts.items()}
    data = _zip(tmp_path / "a.zip", members).read_bytes()
    for placeholder, name in ((b"QQQQ", "仓库"), (b"WWWW", "站点")):
        data = data.replace(placeholder, name.encode("gbk"))
    (tmp_path / "a.zip").write_bytes(data)
    with pytest.raises(ProblemError) as excinfo:
        open_source(tmp_path / "a.zip")
    assert "仓库, 站点" in _problem(excinfo)[1]


def test_zip_without_shp_or_without_dbf(tmp_path: Path) -> None:
    with pytest.raises(ProblemError) as excinfo:
        open_source(_zip(tmp_path / "a.zip", {"readme.txt": b"hello"}))
    assert _problem(excinfo)[0] == "no_shp"
    with pytest.raises(ProblemError) as excinfo:
        open_source(_shapefile_zip(tmp_path, dbf=None, shx=None))
    code, text = _problem(excinfo)
    assert code == "shp_parts"
    assert ".shx, .dbf" in text


def test_zip_with_path_traversal_is_refused(tmp_path: Path) -> None:
    parts = _shapefile_parts(tmp_path / "parts", "UTF-8", _frame())
    path = _zip(tmp_path / "a.zip", {**parts, "../../etc/cron.d/evil": b"* * * * * root"})
    with pytest.raises(ProblemError) as excinfo:
        open_source(path)
    assert _problem(excinfo)[0] == "zip_unsafe"


def test_close_removes_the_extracted_shapefile(tmp_path: Path) -> None:
    opened = open_source(_shapefile_zip(tmp_path))
    extracted = Path(opened._path).parent  # type: ignore[attr-defined]
    assert extracted.is_dir()
    opened.close()
    assert not extracted.exists()


# GeoPackage, GeoJSON, KML ------------------------------------------------------------------


def test_geopackage_with_two_layers_needs_a_layer(tmp_path: Path) -> None:
    path = tmp_path / "upload"  # stored without an extension; GDAL would warn on it
    gpkg = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(_frame(4490), gpkg, layer="仓库")
    pyogrio.write_dataframe(_frame(4326, extra=[1, 2, 3]), gpkg, layer="站点")
    path.write_bytes(gpkg.read_bytes())
    with pytest.raises(ProblemError) as excinfo:
        open_source(path, name="data.gpkg")
    code, text = _problem(excinfo)
    assert code == "layers"
    assert "仓库, 站点" in text
    with open_source(path, options=ReadOptions(layer="站点")) as opened:
        assert opened.format is Format.GPKG
        assert opened.headers == ["name", "code", "extra"]
        assert (opened.crs.to_epsg(), opened.encoding_source) == (4326, "format")


def test_geopackage_values_nulls_and_empty_geometries(tmp_path: Path) -> None:
    frame = _frame(count=[1, None, 3], ok=[True, None, False])
    frame["count"] = frame["count"].astype("Int64")
    frame["ok"] = frame["ok"].astype("boolean")
    frame.geometry = [Point(104, 30, 512.5), None, Point()]
    path = tmp_path / "a.gpkg"
    pyogrio.write_dataframe(frame, path)
    with open_source(path) as opened:
        [batch] = _all(opened)
    assert [r["count"] for r in batch.records] == [1, None, 3]  # ints, though one is null
    assert [r["ok"] for r in batch.records] == [True, None, False]
    first, missing, empty = batch.geoms
    assert first.has_z
    assert first.z == 512.5
    assert missing is None
    assert empty.is_empty


def test_geojson_without_crs_member_is_wgs84(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"名称": n, "code": c},
            "geometry": {"type": "Point", "coordinates": [*xy, 500.0]},
        }
        for n, c, xy in zip(NAMES, CODES, LONLAT, strict=True)
    ]
    path = tmp_path / "stored"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with open_source(path) as opened:
        assert opened.format is Format.GEOJSON
        assert (opened.crs.to_epsg(), opened.crs_source) == (4326, "file")
        assert opened.headers == ["名称", "code"]
        [batch] = _all(opened)
    assert batch.records[2] == {"名称": NAMES[2], "code": "010703"}
    assert all(g.has_z for g in batch.geoms)


def test_declared_gcj02_stays_a_name(tmp_path: Path) -> None:
    path = tmp_path / "a.geojson"
    pyogrio.write_dataframe(_frame(4326), path)
    with open_source(path, options=ReadOptions(crs="gcj02")) as opened:
        assert (opened.crs, opened.crs_source) == ("GCJ-02", "declared")
        [warning] = opened.notes
    assert warning.code == "crs_overridden"
    assert "EPSG:4326" in warning.text("en")


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>应急仓库</name>
<Placemark><name>锦江仓库</name>
<ExtendedData><Data name="code"><value>510104</value></Data></ExtendedData>
<Point><coordinates>104.0665,30.5723,12</coordinates></Point></Placemark>
<Placemark><name>渝中消防站</name>
<ExtendedData><Data name="code"><value>500103</value></Data></ExtendedData>
<Point><coordinates>106.5516,29.5630</coordinates></Point></Placemark>
</Document></kml>
"""


def test_kml(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_text(KML)
    with open_source(path, name="仓库.kml") as opened:
        assert opened.format is Format.KML
        assert (opened.crs.to_epsg(), opened.crs_source) == (4326, "file")
        assert {"Name", "code"} <= set(opened.headers)
        [batch] = _all(opened)
    assert [(r["Name"], r["code"]) for r in batch.records] == [
        ("锦江仓库", "510104"),
        ("渝中消防站", "500103"),
    ]
    assert batch.geoms[0].has_z  # kept as read
    assert not batch.geoms[1].has_z


@pytest.mark.parametrize(
    ("driver", "suffix"), [("GPKG", "gpkg"), ("ESRI Shapefile", "shp"), ("GeoJSON", "geojson")]
)
def test_batches_stream(tmp_path: Path, driver: str, suffix: str) -> None:
    count = 2_500
    points = shapely.points([(104 + i / 1e4, 30.0) for i in range(count)])
    frame = gpd.GeoDataFrame({"n": range(count)}, geometry=points, crs=4490)
    directory = tmp_path / "data"
    directory.mkdir()
    pyogrio.write_dataframe(frame, directory / f"big.{suffix}", driver=driver)
    if suffix == "shp":
        members = {p.name: p.read_bytes() for p in directory.iterdir()}
        path = _zip(tmp_path / "big.zip", members)
    else:
        path = directory / f"big.{suffix}"
    with open_source(path) as opened:
        assert opened.feature_count == count
        batches = _all(opened, 1_000)
    assert [len(b.rows) for b in batches] == [1_000, 1_000, 500]
    assert [b.rows[0] for b in batches] == [1, 1_001, 2_001]
    assert [r["n"] + 1 for b in batches for r in b.records] == list(range(1, count + 1))
    assert batches[2].geoms[-1].x == pytest.approx(104.2499)


def test_geopackage_pages_by_fid_across_gaps(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"n": range(10)}, geometry=shapely.points([(104, 30)] * 10), crs=4490)
    path = tmp_path / "stored"  # no extension: recognised by its SQLite header
    pyogrio.write_dataframe(frame, tmp_path / "gaps.gpkg", layer="gaps")
    with sqlite3.connect(tmp_path / "gaps.gpkg") as db:
        db.execute("DELETE FROM gaps WHERE fid IN (2, 3, 4, 8)")
    path.write_bytes((tmp_path / "gaps.gpkg").read_bytes())
    with open_source(path) as opened:
        assert opened.format is Format.GPKG
        batches = _all(opened, 2)
    assert [b.rows for b in batches] == [[1, 2], [3, 4], [5, 6]]
    assert [r["n"] for b in batches for r in b.records] == [0, 4, 5, 6, 8, 9]


def test_geopackage_table_without_geometry(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    pyogrio.write_dataframe(_frame().drop(columns="geometry"), path, driver="GPKG")
    with open_source(path) as opened:
        assert (opened.crs, opened.crs_source, opened.headers) == (None, "", ["name", "code"])
        [batch] = _all(opened)
    assert batch.geoms is None
    assert batch.records[0] == {"name": NAMES[0], "code": CODES[0]}


def test_slow_formats_are_read_in_chunks_of_whole_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "_SLOW_FORMAT_CHUNK", 5)
    frame = gpd.GeoDataFrame({"n": range(7)}, geometry=shapely.points([(104, 30)] * 7), crs=4326)
    pyogrio.write_dataframe(frame, tmp_path / "a.geojson")
    with open_source(tmp_path / "a.geojson") as opened:
        batches = _all(opened, 2)
    assert [b.rows for b in batches] == [[1, 2], [3, 4], [5, 6], [7]]
    assert [r["n"] for b in batches for r in b.records] == list(range(7))


def test_kml_with_several_folders_needs_a_layer(tmp_path: Path) -> None:
    placemark = "<Placemark><Point><coordinates>104,30</coordinates></Point></Placemark>"
    folders = "".join(f"<Folder><name>{n}</name>{placemark}</Folder>" for n in ("仓库", "站点"))
    path = tmp_path / "a.kml"
    path.write_text(
        f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{folders}</Document></kml>'
    )
    with pytest.raises(ProblemError) as excinfo:
        open_source(path)
    assert _problem(excinfo)[0] == "layers"
    with open_source(path, options=ReadOptions(layer="站点")) as opened:
        assert len(opened.preview()) == 1


def test_wrong_declared_encoding_fails_when_read(tmp_path: Path) -> None:
    path = _shapefile_zip(tmp_path, "GBK")
    with (
        open_source(path, options=ReadOptions(encoding="utf-8")) as opened,
        pytest.raises(ProblemError) as excinfo,
    ):
        opened.preview()
    assert _problem(excinfo)[0] == "encoding"


# CSV ---------------------------------------------------------------------------------------


def _csv(path: Path, rows: list[list[str]], encoding: str, delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


LONLAT_ROWS = [
    ["名称", "代码", "经度", "纬度"],
    *[[n, c, str(x), str(y)] for n, c, (x, y) in zip(NAMES, CODES, LONLAT, strict=True)],
]


@pytest.mark.parametrize(("encoding", "codec"), [("gb18030", "gb18030"), ("utf-8-sig", "utf-8")])
def test_csv_with_longitude_latitude(tmp_path: Path, encoding: str, codec: str) -> None:
    path = _csv(tmp_path / "upload", LONLAT_ROWS, encoding)
    with open_source(path, name="仓库.csv") as opened:
        assert opened.format is Format.CSV
        assert (opened.encoding, opened.encoding_source) == (codec, "sniffed")
        assert opened.headers == ["名称", "代码"]  # no byte-order mark, no coordinate columns
        assert (opened.crs.to_epsg(), opened.crs_source) == (4490, "assumed")
        [warning] = opened.notes
        assert opened.feature_count is None
        [batch] = _all(opened)
    assert (warning.code, warning.severity) == ("crs_assumed", Severity.WARNING)
    assert "Gaode/AMap are GCJ-02" in warning.text("en")
    assert batch.rows == [2, 3, 4]
    assert batch.records[2] == {"名称": NAMES[2], "代码": "010703"}
    assert batch.geoms == [Point(xy) for xy in LONLAT]


def test_csv_declared_encoding(tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", LONLAT_ROWS, "gbk")
    with open_source(path, options=ReadOptions(encoding="GBK")) as opened:
        assert (opened.encoding, opened.encoding_source) == ("gbk", "declared")
        assert opened.preview(1) == [{"名称": NAMES[0], "代码": CODES[0]}]


def test_csv_declared_gcj02_is_not_assumed(tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", LONLAT_ROWS, "utf-8")
    with open_source(path, options=ReadOptions(crs="GCJ-02")) as opened:
        assert (opened.crs, opened.crs_source, opened.notes) == ("GCJ-02", "declared", [])


def test_csv_semicolons_blank_lines_and_bad_coordinates(tmp_path: Path) -> None:
    rows = [
        [],
        ["Name", " Longitude ", "LAT", "Note"],
        ["a", "104.1", "30.1", ""],
        [],
        ["b", "", "", "no location"],
        ["c", "104°3'", "30.2", ""],
        ["d", "104.3", "", ""],
    ]
    path = _csv(tmp_path / "a.csv", rows, "utf-8", delimiter=";")
    with open_source(path) as opened:
        assert opened.headers == ["Name", "Note"]
        [batch] = _all(opened)
    assert batch.rows == [3, 5, 6, 7]
    assert batch.records[0] == {"Name": "a", "Note": None}
    assert batch.geoms == [Point(104.1, 30.1), None, None, None]
    bad, missing = batch.problems
    assert (bad.code, bad.row, bad.column) == ("coordinates", 6, "Longitude")
    assert bad.severity is Severity.ERROR
    assert bad.text("en") == "104°3' is not a number."
    assert (missing.code, missing.row, missing.column) == ("coordinates", 7, "LAT")


def test_csv_with_wkt_and_one_bad_row(tmp_path: Path) -> None:
    rows = [
        ["编号", "WKT"],
        ["0001", "POLYGON ((104 30, 104.1 30, 104.1 30.1, 104 30))"],
        ["0002", "POLYGON ((104 30, 104.1"],
        ["0003", ""],
    ]
    with open_source(_csv(tmp_path / "a.csv", rows, "utf-8")) as opened:
        assert opened.headers == ["编号"]
        [batch] = _all(opened)
    assert [r["编号"] for r in batch.records] == ["0001", "0002", "0003"]
    assert batch.geoms[0].area > 0
    assert batch.geoms[1:] == [None, None]
    [problem] = batch.problems
    assert (problem.code, problem.row, problem.column) == ("wkt", 3, "WKT")


def test_csv_without_coordinates_has_no_geometry(tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", [["单位", "信用代码"], ["办公厅", CREDIT_CODES[0]]], "gbk")
    with open_source(path) as opened:
        assert (opened.crs, opened.crs_source, opened.notes) == (None, "", [])
        [batch] = _all(opened)
    assert batch.geoms is None
    assert batch.records == [{"单位": "办公厅", "信用代码": CREDIT_CODES[0]}]


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ProblemError) as excinfo:
        open_source(tmp_path / "empty.csv")
    assert _problem(excinfo) == ("empty", "The file is empty.")


# Excel -------------------------------------------------------------------------------------


def _workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_merged_header_cells_are_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "a.xlsx", {"资产": [["位置", None, "名称"], [104.1, 30.1, "a"]]})
    workbook = openpyxl.load_workbook(path)
    workbook["资产"].merge_cells("A1:B1")
    workbook["资产"].merge_cells("C2:C3")
    workbook.save(path)
    with pytest.raises(ProblemError) as excinfo:
        open_source(path)
    code, text = _problem(excinfo)
    assert code == "merged_header"
    assert "A1:B1" in text
    assert "Unmerge" in text
    assert "C2:C3" not in text


def test_xlsx_keeps_text_codes(tmp_path: Path) -> None:
    rows = [["单位", "区划代码", "统一社会信用代码", "面积"]]
    rows += [[n, c, cc, 12.5] for n, c, cc in zip(NAMES, CODES, CREDIT_CODES, strict=True)]
    path = tmp_path / "upload"
    _workbook(path.with_suffix(".xlsx"), {"Sheet1": rows}).rename(path)
    with open_source(path) as opened:
        assert (opened.format, opened.encoding_source) == (Format.XLSX, "format")
        [batch] = _all(opened)
    assert [r["区划代码"] for r in batch.records] == CODES
    assert [r["统一社会信用代码"] for r in batch.records] == CREDIT_CODES
    assert batch.records[0]["面积"] == 12.5


def test_xlsx_skips_the_instructions_sheet(tmp_path: Path) -> None:
    rows: list[list[Any]] = [[None], ["  名称 ", "经度", "纬度"], [" 锦江仓库 ", 104.06, 30.57]]
    rows += [[None, None, None], ["渝中", "106.55", "29.56"]]
    sheets = {"填表说明": [["请按模板填写"]], "数据": rows, "备用": [["x"]]}
    with open_source(_workbook(tmp_path / "a.xlsx", sheets)) as opened:
        assert opened.headers == ["名称"]
        assert [n.code for n in opened.notes] == ["sheet_skipped", "other_sheets", "crs_assumed"]
        [batch] = _all(opened)
    assert batch.rows == [3, 5]
    assert batch.records == [{"名称": "锦江仓库"}, {"名称": "渝中"}]
    assert batch.geoms == [Point(104.06, 30.57), Point(106.55, 29.56)]


def test_xlsx_layer_names_a_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "a.xlsx", {"A": [["a"], [1]], "B": [["b"], [2]]})
    with open_source(path, options=ReadOptions(layer="B")) as opened:
        assert opened.preview() == [{"b": 2}]
    with pytest.raises(ProblemError) as excinfo:
        open_source(path, options=ReadOptions(layer="C"))
    assert _problem(excinfo)[0] == "sheet"


def test_old_excel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stored"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    for name in ("资产.xls", None):
        with pytest.raises(ProblemError) as excinfo:
            open_source(path, name=name)
        assert _problem(excinfo)[0] == "xls"
