"""The files officers really bring, end to end: each gives its documented result, and a file
that fails leaves the database exactly as it was."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pyproj
import pytest
from openpyxl import Workbook
from shapely.geometry import LineString, Point, Polygon

from portal.assets.models import Asset
from portal.buildings.models import Building
from portal.exchange import services
from portal.exchange.models import ImportStatus
from portal.exchange.sources import ReadOptions
from portal.org.models import Unit
from tests.factories import credit_code, division

pytestmark = pytest.mark.django_db(databases="__all__")


def codes(report: dict) -> set[str]:  # type: ignore[type-arg]
    return {p["code"] for p in [*report["file_problems"], *report["problems"]]}


def assert_failed_and_untouched(job, before: int) -> None:
    assert job.status == ImportStatus.FAILED, job.report
    assert Asset.objects.count() + Building.objects.count() + Unit.objects.count() == before


def registry_size() -> int:
    return Asset.objects.count() + Building.objects.count() + Unit.objects.count()


def asset_frame(holder: Unit, geoms: list, crs: str = "EPSG:4490") -> gpd.GeoDataFrame:  # type: ignore[type-arg]
    n = len(geoms)
    return gpd.GeoDataFrame(
        {
            "holder": [holder.credit_code] * n,
            "ledger": [f"ZC{i}" for i in range(n)],
            "name": ["台式计算机"] * n,
            "category": ["2010100"] * n,
            "orig_value": [6000.0] * n,
            "net_value": [3000.0] * n,
        },
        geometry=geoms,
        crs=crs,
    )


def test_gbk_shapefile_without_cpg_imports_chinese_names(tmp_path, admin):
    division("510104")
    code = credit_code("510104")
    frame = gpd.GeoDataFrame(
        {"uscc": [code], "name": ["锦江区机关事务服务中心"], "kind": ["public_institution"],
         "level": ["county"], "division": ["510104"]},
        geometry=[Point(104.08, 30.63)],
        crs="EPSG:4490",
    )  # fmt: skip
    frame.to_file(tmp_path / "units.shp", encoding="gbk")
    (tmp_path / "units.cpg").unlink(missing_ok=True)
    archive = tmp_path / "units.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("units.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    job = services.import_path("units", archive, by=admin)
    assert job.status == ImportStatus.COMMITTED, job.report
    assert job.report["encoding"].lower() in {"gbk", "gb18030"}
    assert Unit.objects.get(credit_code=code).name == "锦江区机关事务服务中心"


def test_zone_prefixed_gauss_kruger_eastings_land_in_place(tmp_path, admin, holder):
    to_gk = pyproj.Transformer.from_crs(4490, 4523, always_xy=True)  # 3° zone 35, prefixed
    x, y = to_gk.transform(104.08, 30.63)
    assert str(int(x)).startswith("35")
    # The file declares the unprefixed zone (CM 105°E) as many ArcGIS exports do.
    asset_frame(holder, [Point(x, y)], crs="EPSG:4544").to_file(tmp_path / "gk.gpkg")
    job = services.import_path("assets", tmp_path / "gk.gpkg", by=admin)
    assert job.status == ImportStatus.COMMITTED, (
        job.report["file_problems"],
        job.report["problems"],
    )
    geom = Asset.objects.get().geom
    assert abs(geom.x - 104.08) < 1e-6
    assert abs(geom.y - 30.63) < 1e-6
    assert any("zone 35" in note for note in job.report["notes"])


def test_missing_prj_needs_a_declared_crs(tmp_path, admin, holder):
    asset_frame(holder, [Point(104.08, 30.63)]).to_file(tmp_path / "a.shp")
    (tmp_path / "a.prj").unlink()
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("a.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    before = registry_size()
    assert_failed_and_untouched(services.import_path("assets", archive, by=admin), before)
    job = services.import_path("assets", archive, by=admin, options=ReadOptions(crs="EPSG:4490"))
    assert job.status == ImportStatus.COMMITTED


def test_corrupt_zip_is_refused_with_a_reason(tmp_path, admin):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    before = registry_size()
    job = services.import_path("assets", path, by=admin)
    assert_failed_and_untouched(job, before)
    assert job.report["file_problems"][0]["message_zh"]


def test_mixed_geometry_types_reject_the_odd_rows(tmp_path, admin, holder):
    geoms = [Point(104.08, 30.63), LineString([(104.08, 30.63), (104.09, 30.64)])]
    asset_frame(holder, geoms).to_file(tmp_path / "mixed.geojson", driver="GeoJSON")
    before = registry_size()
    job = services.import_path("assets", tmp_path / "mixed.geojson", by=admin)
    assert_failed_and_untouched(job, before)
    assert [(p["row"], p["code"]) for p in job.report["problems"]] == [(2, "geometry_type")]


def test_empty_required_geometry_is_rejected(tmp_path, admin, holder):
    frame = gpd.GeoDataFrame(
        {
            "unit": [holder.credit_code] * 2,
            "name": ["一号楼", "二号楼"],
            "division": ["510104"] * 2,
        },
        geometry=[Point(104.08, 30.63), Polygon()],
        crs="EPSG:4490",
    )
    frame.to_file(tmp_path / "b.gpkg")
    before = registry_size()
    job = services.import_path("buildings", tmp_path / "b.gpkg", by=admin)
    assert_failed_and_untouched(job, before)
    assert codes(job.report) >= {"geometry_missing"}


def test_measured_geometries_are_flattened(tmp_path, admin, holder):
    path = tmp_path / "m.csv"
    path.write_text(
        "holder,ledger,name,category,orig_value,net_value,wkt\n"
        f"{holder.credit_code},M1,仪器,2010100,10,5,POINT M (104.08 30.63 7)\n",
        encoding="utf-8",
    )
    job = services.import_path("assets", path, by=admin)
    assert job.status == ImportStatus.COMMITTED, job.report
    assert "flattened" in codes(job.report)
    assert not Asset.objects.get().geom.hasz


def test_wrong_column_types_name_the_cell(tmp_path, admin, holder):
    frame = asset_frame(holder, [Point(104.08, 30.63), Point(104.08, 30.63)])
    frame["ledger"] = [1.5e18, 2.0]  # a code Excel already turned into a rounded number
    frame["net_value"] = frame["net_value"].astype(object)
    frame.loc[1, "net_value"] = "三千"
    frame.to_file(tmp_path / "types.gpkg")
    before = registry_size()
    job = services.import_path("assets", tmp_path / "types.gpkg", by=admin)
    assert_failed_and_untouched(job, before)
    found = {(p["row"], p["field"], p["code"]) for p in job.report["problems"]}
    assert found == {(1, "ledger", "number_code"), (2, "net_value", "type")}


def test_xlsx_with_merged_header_cells_is_refused(tmp_path, admin):
    book = Workbook()
    sheet = book.active
    sheet.append(["资产卡片编号", None, "名称"])
    sheet.merge_cells("A1:B1")
    sheet.append(["ZC1", "x", "y"])
    book.save(tmp_path / "merged.xlsx")
    before = registry_size()
    job = services.import_path("assets", tmp_path / "merged.xlsx", by=admin)
    assert_failed_and_untouched(job, before)
    assert "A1:B1" in job.report["file_problems"][0]["message_en"]


def test_xian_1980_is_refused_not_passed_through(tmp_path, admin, holder):
    asset_frame(holder, [Point(104.08, 30.63)], crs="EPSG:4610").to_file(tmp_path / "x.gpkg")
    before = registry_size()
    job = services.import_path("assets", tmp_path / "x.gpkg", by=admin)
    assert_failed_and_untouched(job, before)
    assert "1980" in job.report["file_problems"][0]["message_en"]
