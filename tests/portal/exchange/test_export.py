"""Exports: every format re-reads to the stored values, within the reader's scope and filters."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.http import QueryDict

from portal.assets.choices import AssetStatus
from portal.assets.models import Asset
from portal.buildings.models import Occupancy
from portal.core.choices import Confidentiality
from portal.depots.models import StockItem, SupplyCategory
from portal.exchange import export
from portal.exchange.entities import ASSETS, BUILDINGS, ENTITIES, PARCELS, STOCK, UNITS, Entity
from portal.exchange.export import ExportError, ExportFormat, export_queryset
from portal.org.choices import Role
from portal.org.models import User
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    DepotFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
    square,
)

pytestmark = pytest.mark.django_db

FORMULA = "=1+2"
REUC = "510104001001GB00001F00010001"  # a 28-character real-estate unit code
GIS_FORMATS = ["gpkg", "geojson", "shp"]


@pytest.fixture
def world():
    """锦江 (in scope of its officer) and 涪城 records, one of each kind, plus classified ones."""
    jinjiang = UnitFactory(division_code="510104", staff_by_rank={"staff": 8, "division_chief": 1})
    fucheng = UnitFactory(division_code="510703")
    lon, lat = jinjiang.location.x, jinjiang.location.y
    building = BuildingFactory(
        managing_unit=jinjiang,
        footprint=square(lon + 0.00012345678901, lat, 0.0002),
        gross_area_m2=Decimal("1234567890.12"),
        year_built=1998,
    )
    secret_building = BuildingFactory(
        managing_unit=jinjiang, name="涉密楼", confidentiality=Confidentiality.SECRET
    )
    elsewhere = BuildingFactory(managing_unit=fucheng, name="绵阳办公楼")
    assets = {
        "main": AssetFactory(
            holder=jinjiang,
            building=building,
            name=FORMULA,
            model_spec="-1+2",
            status=AssetStatus.IDLE,
            acquired_on=dt.date(2021, 3, 1),
            original_value=Decimal("123456789012.34"),
            net_value=Decimal("0.01"),
            geom=Point(104.08123456789012, 30.63987654321098, srid=4490),
        ),
        "in_secret_building": AssetFactory(holder=jinjiang, building=secret_building),
        "in_fucheng_building": AssetFactory(holder=jinjiang, building=elsewhere),
        "secret": AssetFactory(holder=jinjiang, confidentiality=Confidentiality.SECRET),
        "no_geometry": AssetFactory(holder=jinjiang, geom=None),
        "foreign": AssetFactory(holder=fucheng, building=elsewhere),
    }
    depot = DepotFactory(managing_unit=jinjiang)
    category = SupplyCategory.objects.get(code="1010100")
    StockItem.objects.create(
        depot=depot,
        category=category,
        name="棉帐篷",
        batch_no="B-1",
        quantity=Decimal("500.50"),
        unit_of_measure="顶",
        expires_on=dt.date(2027, 5, 1),
        dual_use=True,
    )
    Occupancy.objects.create(
        unit=jinjiang, building=elsewhere, usable_area_m2=Decimal("320.00"), staff_by_rank={}
    )
    ParcelFactory(holder=jinjiang, real_estate_unit_code=REUC)
    VehicleFactory(holder=jinjiang, base_depot=depot)
    return {"jinjiang": jinjiang, "fucheng": fucheng, "building": building, **assets}


@pytest.fixture
def admin(world):
    """Reads everything, every classification level."""
    return UserFactory(
        role=Role.PROVINCE_ADMIN,
        unit=UnitFactory(division_code="510100"),
        clearance=Confidentiality.CONFIDENTIAL,
    )


@pytest.fixture
def officer(world):
    """锦江's unit asset officer, cleared to internal."""
    return UserFactory(role=Role.UNIT_OFFICER, unit=world["jinjiang"])


def run(entity: Entity, user: User, fmt: str, tmp_path: Path, params=None, **kwargs):
    suffix = "zip" if fmt == "shp" else fmt
    out = tmp_path / f"{entity.name}.{suffix}"
    return export_queryset(entity, user, params or {}, fmt, out=out, **kwargs)


def stored(entity: Entity, queryset=None) -> list[tuple]:
    queryset = queryset if queryset is not None else entity.model.objects.all()
    return list(queryset.order_by("pk").values_list(*(c.value_path() for c in entity.columns)))


def normal(value):
    """A value as comparable across formats: empty is None, numbers floats, dates ISO."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str):
        return value or None
    if value is None or pd.isna(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return round(float(value), 6)


def gis_frame(result) -> pd.DataFrame:
    path = f"/vsizip/{result.path}" if result.path.suffix == ".zip" else result.path
    return pyogrio.read_dataframe(path)


def sheet_rows(path: Path) -> tuple[list[str], list[list]]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:]


def csv_rows(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], list[list[str]]]:
    with path.open(encoding=encoding, newline="") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


# Round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", GIS_FORMATS)
def test_gis_formats_reread_to_the_stored_values(tmp_path, admin, fmt):
    result = run(ASSETS, admin, fmt, tmp_path)
    frame = gis_frame(result)
    expected = stored(ASSETS)
    assert result.rows == len(frame) == len(expected) == 6
    for index, row in enumerate(expected):
        for column, value in zip(ASSETS.columns, row, strict=True):
            assert normal(frame[column.key].iloc[index]) == normal(value), column.key
    assert list(frame["status"]).count("idle") == 1, "choices are written as stored values"
    points = Asset.objects.order_by("pk").values_list("geom", flat=True)
    for geom, point in zip(frame.geometry, points, strict=True):
        if point is None:
            assert geom is None
        else:
            assert (geom.x, geom.y) == pytest.approx((point.x, point.y), abs=1e-7)


def test_gpkg_keeps_full_coordinate_precision(tmp_path, admin, world):
    frame = gis_frame(run(ASSETS, admin, "gpkg", tmp_path))
    main = frame[frame["ledger"] == world["main"].ledger_code].geometry.iloc[0]
    assert (main.x, main.y) == (104.08123456789012, 30.63987654321098)


def test_xlsx_keeps_codes_as_text_and_every_digit(tmp_path, admin, world):
    result = run(ASSETS, admin, "xlsx", tmp_path)
    sheet = openpyxl.load_workbook(result.path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == [c.title(Asset, "zh-hans") for c in ASSETS.columns] + ["lon", "lat"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 6
    main = next(r for r in rows if r[1].value == world["main"].ledger_code)
    holder = main[header.index(ASSETS.column("holder").title(Asset, "zh-hans"))]
    assert holder.value == world["jinjiang"].credit_code
    assert len(holder.value) == 18
    assert (holder.data_type, holder.number_format) == ("s", "@")
    values = {c.key: cell.value for c, cell in zip(ASSETS.columns, main, strict=False)}
    assert Decimal(repr(values["orig_value"])) == Decimal("123456789012.34")
    assert Decimal(repr(values["net_value"])) == Decimal("0.01")
    assert values["acquired"].date() == dt.date(2021, 3, 1)
    assert values["status"] == "idle"
    lon, lat = (cell.value for cell in main[-2:])
    assert (lon, lat) == pytest.approx((104.08123456789012, 30.63987654321098), abs=1e-12)


def test_xlsx_rereads_every_column(tmp_path, admin):
    _, rows = sheet_rows(run(ASSETS, admin, "xlsx", tmp_path).path)
    for row, expected in zip(rows, stored(ASSETS), strict=True):
        assert [normal(v) for v in row[: len(ASSETS.columns)]] == [normal(v) for v in expected]


def test_xlsx_keeps_a_28_character_real_estate_unit_code(tmp_path, admin):
    result = run(PARCELS, admin, "xlsx", tmp_path)
    sheet = openpyxl.load_workbook(result.path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[-1] == "wkt"
    code = sheet.cell(2, 2)
    assert (code.value, code.data_type, code.number_format) == (REUC, "s", "@")
    parcel = shapely.from_wkt(sheet.cell(2, len(header)).value)
    assert parcel.geom_type == "MultiPolygon"


def test_csv_has_a_bom_and_exact_text(tmp_path, admin, world):
    result = run(ASSETS, admin, "csv", tmp_path)
    assert result.path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert result.content_type == "text/csv; charset=utf-8"
    header, rows = csv_rows(result.path)
    assert header[:2] == [c.title(Asset, "zh-hans") for c in ASSETS.columns[:2]]
    main = dict(
        zip(header, next(r for r in rows if r[1] == world["main"].ledger_code), strict=True)
    )

    def cell(key):
        return main[ASSETS.column(key).title(Asset, "zh-hans")]

    assert cell("holder") == world["jinjiang"].credit_code
    assert (cell("orig_value"), cell("net_value")) == ("123456789012.34", "0.01")
    assert (cell("acquired"), cell("status"), cell("quantity")) == ("2021-03-01", "idle", "1.00")
    assert (float(main["lon"]), float(main["lat"])) == (104.08123456789012, 30.63987654321098)


def test_formula_like_text_is_neutralised(tmp_path, admin, world):
    sheet = openpyxl.load_workbook(run(ASSETS, admin, "xlsx", tmp_path).path).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    formula = next(cell for cell in cells if cell.value == FORMULA)
    assert (formula.data_type, formula.quotePrefix) == ("s", True)
    assert next(cell for cell in cells if cell.value == "-1+2").quotePrefix
    _, rows = csv_rows(run(ASSETS, admin, "csv", tmp_path).path)
    texts = {text for row in rows for text in row}
    assert "'=1+2" in texts
    assert "'-1+2" in texts
    assert FORMULA not in texts


def test_json_is_compact_text(tmp_path, admin, world):
    frame = gis_frame(run(UNITS, admin, "gpkg", tmp_path))
    staff = frame[frame["uscc"] == world["jinjiang"].credit_code]["staff"].iloc[0]
    assert json.loads(staff) == {"staff": 8, "division_chief": 1}
    assert " " not in staff


# Shapefile and encodings --------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "cpg"), [("utf-8", "UTF-8"), ("gbk", "GBK")])
def test_shapefile_zip_declares_its_crs_and_encoding(tmp_path, admin, encoding, cpg):
    result = run(ASSETS, admin, "shp", tmp_path, encoding=encoding)
    assert result.filename.endswith(".shp.zip")
    assert result.content_type == "application/zip"
    with zipfile.ZipFile(result.path) as archive:
        names = sorted(archive.namelist())
        assert names == [f"assets.{ext}" for ext in ("cpg", "dbf", "prj", "shp", "shx")]
        assert archive.read("assets.cpg").decode() == cpg
        prj = archive.read("assets.prj").decode()
    assert prj.startswith("GEOGCS[")
    assert "China_2000" in prj
    frame = gis_frame(result)
    assert set(frame["name"]) >= {FORMULA, "台式计算机"}
    assert all(len(name) <= 10 for name in frame.columns)


def test_gbk_shapefile_names_text_it_cannot_hold(tmp_path, admin, world):
    Asset.objects.filter(pk=world["main"].pk).update(model_spec="𠮷野家")
    with pytest.raises(ExportError) as raised:
        run(ASSETS, admin, "shp", tmp_path, encoding="gbk")
    message = str(raised.value)
    assert "𠮷" in message
    assert "GBK" in message
    assert world["main"].ledger_code in message
    assert "(spec)" in message
    assert not list(tmp_path.iterdir()), "no partial file is left"


def test_shapefile_refuses_text_longer_than_its_fields(tmp_path, admin, world):
    Asset.objects.filter(pk=world["main"].pk).update(model_spec="成" * 100)
    with pytest.raises(ExportError, match="254"):
        run(ASSETS, admin, "shp", tmp_path)
    frame = gis_frame(run(ASSETS, admin, "shp", tmp_path, encoding="gbk"))
    assert "成" * 100 in set(frame["spec"]), "100 characters take 200 bytes in GBK"


def test_gbk_csv(tmp_path, admin, world):
    result = run(ASSETS, admin, "csv", tmp_path, encoding="gbk")
    assert not result.path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert result.content_type == "text/csv; charset=gbk"
    header, _ = csv_rows(result.path, encoding="gbk")
    assert header[2] == ASSETS.column("name").title(Asset, "zh-hans")
    Asset.objects.filter(pk=world["main"].pk).update(name="😀")
    with pytest.raises(ExportError, match=world["main"].ledger_code):
        run(ASSETS, admin, "csv", tmp_path, encoding="gbk")


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "xlsx"])
def test_gbk_only_for_shapefile_and_csv(tmp_path, admin, fmt):
    with pytest.raises(ExportError, match="GBK"):
        run(ASSETS, admin, fmt, tmp_path, encoding="gbk")


# Scope, clearance, references ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gpkg", "xlsx", "csv"])
def test_unit_officer_exports_only_readable_records(tmp_path, officer, world, fmt):
    result = run(ASSETS, officer, fmt, tmp_path)
    ledgers = _ledgers(result, fmt)
    readable = ("main", "in_fucheng_building", "no_geometry")
    assert sorted(ledgers) == sorted(world[k].ledger_code for k in readable)
    assert world["secret"].ledger_code not in ledgers, "above the officer's clearance"
    # An asset stands where its building stands: in a secret building it is hidden like it.
    assert world["in_secret_building"].ledger_code not in ledgers, "in a building above clearance"
    assert world["foreign"].ledger_code not in ledgers, "outside the officer's scope"


def _ledgers(result, fmt) -> list[str]:
    if fmt == "xlsx":
        return [row[1] for row in sheet_rows(result.path)[1]]
    if fmt == "csv":
        return [row[1] for row in csv_rows(result.path)[1]]
    return list(gis_frame(result)["ledger"])


def test_county_administrator_exports_only_the_county(tmp_path, world):
    admin = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510703"))
    frame = gis_frame(run(ASSETS, admin, "gpkg", tmp_path))
    assert list(frame["ledger"]) == [world["foreign"].ledger_code]
    assert list(frame["building"]) == ["绵阳办公楼"]


def test_references_to_unreadable_buildings_are_blank(tmp_path, officer, admin, world):
    def row(user, key):
        frame = gis_frame(run(ASSETS, user, "gpkg", tmp_path))
        found = frame[frame["ledger"] == world[key].ledger_code].iloc[0]
        return normal(found["bldg_unit"]), normal(found["building"])

    fucheng_code = world["fucheng"].credit_code
    assert row(officer, "main") == (world["jinjiang"].credit_code, world["building"].name)
    assert row(officer, "in_fucheng_building") == (None, None), "outside scope"
    assert row(admin, "in_secret_building") == (world["jinjiang"].credit_code, "涉密楼")
    assert row(admin, "in_fucheng_building") == (fucheng_code, "绵阳办公楼")


def test_occupancy_of_an_unreadable_building_is_exported_without_it(tmp_path, officer, world):
    _, rows = csv_rows(run(ENTITIES["occupancies"], officer, "csv", tmp_path).path)
    assert [row[:3] for row in rows] == [[world["jinjiang"].credit_code, "", ""]]


# Filters ------------------------------------------------------------------------------------


def test_filter_params_are_applied(tmp_path, admin, world):
    frame = gis_frame(run(ASSETS, admin, "gpkg", tmp_path, {"status": "idle"}))
    assert list(frame["ledger"]) == [world["main"].ledger_code]
    query = QueryDict(mutable=True)
    query.setlist("status", ["idle", "in_use"])
    query["unit"] = world["fucheng"].credit_code
    frame = gis_frame(run(ASSETS, admin, "gpkg", tmp_path, query))
    assert list(frame["ledger"]) == [world["foreign"].ledger_code]


def test_scope_holds_whatever_the_filter(tmp_path, officer, world):
    result = run(ASSETS, officer, "csv", tmp_path, {"unit": world["fucheng"].credit_code})
    assert result.rows == 0
    assert len(csv_rows(result.path)[0]) == len(ASSETS.columns) + 2, "the header is written"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "lost"}, "status"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_filters_are_refused(tmp_path, admin, params, message):
    with pytest.raises(ExportError, match=message):
        run(ASSETS, admin, "gpkg", tmp_path, params)


# Coordinate systems -------------------------------------------------------------------------


def test_gauss_kruger_export_is_in_metres(tmp_path, admin, world):
    to_gk = pyproj.Transformer.from_crs(4490, 4523, always_xy=True)
    x, y = to_gk.transform(104.08123456789012, 30.63987654321098)
    assert 35_000_000 < x < 36_000_000
    assert 3_000_000 < y < 4_000_000
    result = run(ASSETS, admin, "gpkg", tmp_path, crs="EPSG:4523")
    assert pyogrio.read_info(result.path)["crs"] == "EPSG:4523"
    frame = gis_frame(result)
    main = frame[frame["ledger"] == world["main"].ledger_code].geometry.iloc[0]
    assert (main.x, main.y) == pytest.approx((x, y), abs=1e-3)
    header, rows = csv_rows(run(ASSETS, admin, "csv", tmp_path, crs="EPSG:4523").path)
    assert header[-2:] == ["x", "y"]
    row = next(r for r in rows if r[1] == world["main"].ledger_code)
    assert (float(row[-2]), float(row[-1])) == pytest.approx((x, y), abs=1e-3)
    with zipfile.ZipFile(run(ASSETS, admin, "shp", tmp_path, crs="EPSG:4523").path) as archive:
        prj = archive.read("assets.prj").decode()
    assert prj.startswith('PROJCS["CGCS2000_3_Degree_GK_Zone_35"')


@pytest.mark.parametrize("crs", ["GCJ-02", "gcj02", "BD-09", "bd09"])
def test_obfuscated_systems_are_refused(tmp_path, admin, crs):
    with pytest.raises(ExportError, match="obfuscated"):
        run(ASSETS, admin, "gpkg", tmp_path, crs=crs)


@pytest.mark.parametrize("crs", ["EPSG:2383", "EPSG:4214", "+proj=longlat +init=/etc/passwd"])
def test_legacy_datums_and_proj_strings_are_refused(tmp_path, admin, crs):
    with pytest.raises(ExportError, match="cannot be used"):
        run(ASSETS, admin, "gpkg", tmp_path, crs=crs)


def test_geojson_follows_rfc_7946(tmp_path, admin, world):
    result = run(PARCELS, admin, "geojson", tmp_path, crs="EPSG:4326")
    assert result.content_type == "application/geo+json"
    document = json.loads(result.path.read_text(encoding="utf-8"))
    assert "crs" not in document
    ring = document["features"][0]["geometry"]["coordinates"][0][0]
    assert shapely.Polygon(ring).exterior.is_ccw, "exterior rings counter-clockwise"
    frame = gis_frame(run(ASSETS, admin, "geojson", tmp_path))
    main = frame[frame["ledger"] == world["main"].ledger_code].geometry.iloc[0]
    assert (main.x, main.y) == (104.0812346, 30.6398765)
    with pytest.raises(ExportError, match="GeoJSON"):
        run(ASSETS, admin, "geojson", tmp_path, crs="EPSG:4523")


# Buildings, attribute tables, chunks --------------------------------------------------------


def test_buildings_carry_their_point_and_the_footprint_as_wkt(tmp_path, admin, world):
    building = world["building"]
    frame = gis_frame(run(BUILDINGS, admin, "gpkg", tmp_path))
    found = frame[frame["name"] == building.name].iloc[0]
    assert (found.geometry.x, found.geometry.y) == (building.geom.x, building.geom.y)
    footprint = shapely.from_wkt(found["footprint"])
    assert footprint.equals_exact(shapely.from_wkb(bytes(building.footprint.wkb)), 0)
    assert normal(found["gross_m2"]) == 1234567890.12
    header, rows = sheet_rows(run(BUILDINGS, admin, "xlsx", tmp_path).path)
    assert header[-3:] == ["lon", "lat", "footprint"]
    row = next(r for r in rows if r[1] == building.name)
    assert shapely.from_wkt(row[-1]).equals_exact(footprint, 0)
    assert "footprint" not in gis_frame(run(BUILDINGS, admin, "shp", tmp_path)).columns


def test_buildings_in_gauss_kruger_project_the_footprint_too(tmp_path, admin, world):
    frame = gis_frame(run(BUILDINGS, admin, "gpkg", tmp_path, crs="EPSG:4544"))
    found = frame[frame["name"] == world["building"].name].iloc[0]
    footprint = shapely.from_wkt(found["footprint"])
    assert footprint.contains(found.geometry)
    assert 1_600 < footprint.area < 1_800, "0.0004° by 0.0004° near 30.6°N: 38 m by 44 m"


def test_an_entity_without_geometry_is_an_attribute_table(tmp_path, admin):
    result = run(STOCK, admin, "gpkg", tmp_path)
    info = pyogrio.read_info(result.path)
    assert info["geometry_type"] is None
    assert info["features"] == 1
    row = gis_frame(result).iloc[0]
    assert (row["depot"], row["category"], row["dual_use"]) == (
        StockItem.objects.get().depot.code,
        "1010100",
        True,
    )
    with zipfile.ZipFile(run(STOCK, admin, "shp", tmp_path).path) as archive:
        assert sorted(archive.namelist()) == ["stock.cpg", "stock.dbf"]


@pytest.mark.parametrize("fmt", ExportFormat.values)
def test_chunks_are_appended(tmp_path, admin, monkeypatch, fmt):
    monkeypatch.setattr(export, "CHUNK", 2)
    result = run(ASSETS, admin, fmt, tmp_path)
    assert result.rows == 6
    if fmt in GIS_FORMATS:
        assert len(gis_frame(result)) == 6
    else:
        reader = sheet_rows if fmt == "xlsx" else csv_rows
        assert len(reader(result.path)[1]) == 6


@pytest.mark.parametrize("fmt", ExportFormat.values)
@pytest.mark.parametrize("name", ENTITIES)
def test_every_entity_exports_in_every_format(tmp_path, admin, name, fmt):
    entity = ENTITIES[name]
    result = run(entity, admin, fmt, tmp_path)
    assert result.rows == entity.model.objects.count() > 0
    assert result.path.is_file()
    assert result.filename.startswith(f"{name}-")


def test_result_names_the_download(tmp_path, admin):
    result = export_queryset(ASSETS, admin, {}, out=tmp_path)
    assert result.filename == f"assets-{dt.date.today():%Y%m%d}.gpkg"
    assert result.path == tmp_path / result.filename
    assert result.content_type == "application/geopackage+sqlite3"
    with pytest.raises(ExportError, match="kml"):
        export_queryset(ASSETS, admin, {}, "kml", out=tmp_path)


def test_xlsx_refuses_more_rows_than_a_sheet_holds(tmp_path, admin, monkeypatch):
    monkeypatch.setattr("portal.exchange.writers.EXCEL_ROWS", 5)
    with pytest.raises(ExportError, match="worksheet"):
        run(ASSETS, admin, "xlsx", tmp_path)


# Command ------------------------------------------------------------------------------------


def test_export_data_command(tmp_path, admin, world, capsys):
    path = tmp_path / "idle.xlsx"
    call_command("export_data", "assets", str(path), "--filter", "status=idle")
    assert "1 rows written" in capsys.readouterr().out
    assert [row[1] for row in sheet_rows(path)[1]] == [world["main"].ledger_code]


def test_export_data_command_options(tmp_path, officer, world, capsys):
    path = tmp_path / "assets-gk.zip"
    call_command(
        "export_data",
        "assets",
        str(path),
        "--format=shp",
        "--crs=EPSG:4523",
        "--encoding=gbk",
        f"--user={officer.username}",
    )
    assert "3 rows written" in capsys.readouterr().out
    with zipfile.ZipFile(path) as archive:
        assert archive.read("assets.cpg") == b"GBK"
    frame = pyogrio.read_dataframe(f"/vsizip/{path}/assets.shp")
    assert world["secret"].ledger_code not in set(frame["ledger"])
    assert not math.isnan(frame.geometry.iloc[0].x)


def test_export_data_command_defaults_to_geopackage(tmp_path, admin):
    call_command("export_data", "units", str(tmp_path / "units"))
    assert pyogrio.read_info(tmp_path / "units.gpkg")["driver"] == "GPKG"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["things", "x.gpkg"], "assets"),
        (["assets", "x.gpkg", "--filter", "status"], "key=value"),
        (["assets", "x.gpkg", "--filter", "status=lost"], "status"),
        (["assets", "x.gpkg", "--crs", "GCJ-02"], "obfuscated"),
        (["assets", "x.gpkg", "--user", "nobody"], "nobody"),
    ],
)
def test_export_data_command_errors(tmp_path, admin, args, message):
    args[1] = str(tmp_path / args[1])
    with pytest.raises(CommandError, match=message):
        call_command("export_data", *args)
