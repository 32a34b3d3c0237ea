"""The import engine on real files: classification, all-or-nothing commits, scope, geometry."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import pghistory.models
import pytest
from django.core.management import call_command
from shapely.geometry import Point, Polygon

from gis.china import wgs84_to_gcj02
from portal.assets.models import Asset
from portal.buildings.models import Building
from portal.exchange import services
from portal.exchange.models import ImportStatus
from portal.exchange.sources import ReadOptions
from portal.org.choices import Role
from portal.org.models import Unit
from portal.parcels.models import Parcel
from tests.factories import AssetFactory, UserFactory, credit_code

pytestmark = pytest.mark.django_db(databases="__all__")

ASSET_HEADERS = [
    "holder",
    "资产卡片编号",
    "名称",
    "资产分类代码",
    "原值（元）",
    "净值（元）",
    "取得日期",
    "lon",
    "lat",
]


def write_csv(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def asset_rows(holder: Unit, n: int = 3) -> list[list[object]]:
    code = holder.credit_code
    return [
        [code, f"ZC-{i}", f"计算机{i}", "2010100", "6000", "3000.50", "2021-03-01", 104.08, 30.63]
        for i in range(n)
    ]


def test_dry_run_counts_and_writes_nothing(tmp_path, admin, holder):
    path = write_csv(tmp_path / "a.csv", ASSET_HEADERS, asset_rows(holder))
    report = services.import_file("assets", path, by=admin)
    assert (report.counts.total, report.counts.create, report.counts.reject) == (3, 3, 0)
    assert report.ok
    assert not report.committed
    assert not Asset.objects.exists()


def test_commit_records_import_and_history_then_round_trip_is_unchanged(tmp_path, admin, holder):
    path = write_csv(tmp_path / "a.csv", ASSET_HEADERS, asset_rows(holder))
    job = services.import_path("assets", path, by=admin)
    assert job.status == ImportStatus.COMMITTED
    assert job.report["counts"]["create"] == 3
    asset = Asset.objects.get(ledger_code="ZC-1")
    assert asset.net_value == Decimal("3000.50")
    assert asset.source_crs == "EPSG:4490"
    events = pghistory.models.Events.objects.tracks(asset)
    assert [e.pgh_label for e in events] == ["insert"]
    assert events[0].pgh_context["import_job"] == job.pk
    again = services.import_file("assets", path, by=admin)
    assert (again.counts.unchanged, again.counts.create, again.counts.update) == (3, 0, 0)


def test_changed_row_updates_only_that_record(tmp_path, admin, holder):
    rows = asset_rows(holder)
    services.import_path("assets", write_csv(tmp_path / "a.csv", ASSET_HEADERS, rows), by=admin)
    rows[1][5] = "2000"
    report = services.import_path(
        "assets", write_csv(tmp_path / "b.csv", ASSET_HEADERS, rows), by=admin
    ).report
    assert (report["counts"]["update"], report["counts"]["unchanged"]) == (1, 2)
    assert Asset.objects.get(ledger_code="ZC-1").net_value == Decimal("2000")


def test_bad_rows_are_named_and_nothing_is_written(tmp_path, admin, holder):
    rows = asset_rows(holder, 6)
    rows[1][3] = "9999999"  # unknown category
    rows[2][5] = "7000"  # net above original
    rows[3][1] = "ZC-0"  # duplicate of row 2
    rows[4][6] = "三月"  # not a date
    rows[5][2] = ""  # name missing
    path = write_csv(tmp_path / "bad.csv", ASSET_HEADERS, rows)
    job = services.import_path("assets", path, by=admin)
    assert job.status == ImportStatus.FAILED
    assert not Asset.objects.exists()
    found = {(p["row"], p["code"]) for p in job.report["problems"]}
    assert found == {
        (3, "unknown_ref"),
        (4, "net_value"),
        (5, "duplicate"),
        (6, "type"),
        (7, "required"),
    }
    by_row = {p["row"]: p for p in job.report["problems"]}
    assert by_row[3]["field"] == "资产分类代码"
    assert "9999999" in by_row[3]["message_en"]
    assert by_row[7]["message_zh"] != by_row[7]["message_en"]
    assert job.report["counts"]["reject"] == 5


def test_unit_officer_cannot_import_for_another_unit(tmp_path, holder):
    officer = UserFactory(role=Role.UNIT_OFFICER)
    path = write_csv(tmp_path / "a.csv", ASSET_HEADERS, asset_rows(holder, 1))
    report = services.import_file("assets", path, by=officer)
    assert report.counts.reject == 1
    assert report.problems[0]["code"] == "scope"


def test_existing_record_above_clearance_is_not_overwritten(tmp_path, holder):
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=holder, clearance="internal")
    AssetFactory(holder=holder, ledger_code="ZC-0", confidentiality="secret")
    path = write_csv(tmp_path / "a.csv", ASSET_HEADERS, asset_rows(holder, 1))
    report = services.import_file("assets", path, by=officer)
    assert report.problems[0]["code"] == "scope"


def test_missing_required_column_stops_before_reading(tmp_path, admin, holder):
    headers = [h for h in ASSET_HEADERS if h != "净值（元）"]
    rows = [r[:5] + r[6:] for r in asset_rows(holder)]
    report = services.import_file("assets", write_csv(tmp_path / "a.csv", headers, rows), by=admin)
    assert not report.ok
    assert report.counts.total == 0
    assert "missing_column" in {p["code"] for p in report.file_problems}


def test_units_with_parent_listed_after_child(tmp_path, admin):
    parent, child = credit_code("510104"), credit_code("510104")
    headers = ["uscc", "name", "kind", "level", "division", "parent"]
    rows = [
        [child, "子单位", "government_organ", "county", "510104", parent],
        [parent, "上级单位", "行政机关", "county", "510104", ""],
    ]
    from tests.factories import division

    division("510104")
    job = services.import_path("units", write_csv(tmp_path / "u.csv", headers, rows), by=admin)
    assert job.status == ImportStatus.COMMITTED, job.report
    assert Unit.objects.get(credit_code=child).parent.credit_code == parent


def test_gcj02_declared_is_converted_once_and_recorded(tmp_path, admin, holder):
    lon, lat = wgs84_to_gcj02(104.08, 30.63)
    rows = asset_rows(holder, 1)
    rows[0][7:9] = [float(lon), float(lat)]
    path = write_csv(tmp_path / "gcj.csv", ASSET_HEADERS, rows)
    services.import_path("assets", path, by=admin, options=ReadOptions(crs="GCJ-02"))
    asset = Asset.objects.get()
    assert asset.source_crs == "GCJ-02"
    assert abs(asset.geom.x - 104.08) < 2e-5
    assert abs(asset.geom.y - 30.63) < 2e-5


def test_swapped_and_outside_coordinates_are_rejected(tmp_path, admin, holder):
    rows = asset_rows(holder, 2)
    rows[0][7:9] = [30.63, 104.08]
    rows[1][7:9] = [116.4, 39.9]  # Beijing
    report = services.import_file(
        "assets", write_csv(tmp_path / "s.csv", ASSET_HEADERS, rows), by=admin
    )
    assert {p["code"] for p in report.problems} == {"swapped", "extent"}


def parcel_frame(geom: Polygon, holder: Unit) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "reg_no": ["ZD-1"],
            "holder": [holder.credit_code],
            "division": ["510104"],
            "right_type": ["allocated"],
            "land_use": ["organ"],
        },
        geometry=[geom],
        crs="EPSG:4490",
    )


BOWTIE = Polygon([(104.08, 30.63), (104.081, 30.631), (104.081, 30.63), (104.08, 30.631)])


def test_self_intersection_rejected_unless_repair_ticked(tmp_path, admin, holder):
    path = tmp_path / "p.gpkg"
    parcel_frame(BOWTIE, holder).to_file(path)
    report = services.import_file("parcels", path, by=admin)
    assert report.problems[0]["code"] == "invalid"
    assert "Self-intersection" in report.problems[0]["message_en"]
    job = services.import_path("parcels", path, by=admin, repair=True)
    assert job.status == ImportStatus.COMMITTED
    assert job.report["problems"][0]["code"] == "repaired"
    assert Parcel.objects.get().geom.valid


def test_building_polygon_becomes_footprint_and_point(tmp_path, admin, holder):
    square = Point(104.08, 30.63).buffer(0.0003, cap_style="square")
    frame = gpd.GeoDataFrame(
        {"unit": [holder.credit_code], "name": ["一号楼"], "division": ["510104"]},
        geometry=[square],
        crs="EPSG:4490",
    )
    frame.to_file(tmp_path / "b.gpkg")
    services.import_path("buildings", tmp_path / "b.gpkg", by=admin)
    building = Building.objects.get()
    assert building.footprint.contains(building.geom)


def test_3d_points_are_flattened_with_a_warning(tmp_path, admin, holder):
    frame = gpd.GeoDataFrame(
        {
            "holder": [holder.credit_code],
            "ledger": ["Z3"],
            "name": ["x"],
            "category": ["2010100"],
            "orig_value": [1.0],
            "net_value": [1.0],
        },
        geometry=[Point(104.08, 30.63, 512.0)],
        crs="EPSG:4490",
    )  # fmt: skip
    frame.to_file(tmp_path / "z.gpkg")
    report = services.import_file("assets", tmp_path / "z.gpkg", by=admin)
    assert report.ok
    assert report.file_problems[-1]["code"] == "flattened"


def test_command_prints_json_with_every_error(tmp_path, admin, holder, capsys):
    rows = asset_rows(holder, 2)
    rows[1][4] = "abc"
    path = write_csv(tmp_path / "a.csv", ASSET_HEADERS, rows)
    with pytest.raises(SystemExit):
        call_command("import_data", "assets", str(path), "--dry-run", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert (out["created"], out["rejected"]) == (1, 1)
    assert out["errors"][0]["row"] == 3
    assert out["errors"][0]["field"] == "原值（元）"
