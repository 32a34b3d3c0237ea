"""The import and export pages: upload → queued check → report → confirm → commit, who may see
what, the downloads, and one run through the real procrastinate worker."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pyogrio
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from procrastinate.contrib.django.models import ProcrastinateJob

from portal.assets.models import Asset
from portal.exchange import display, services
from portal.exchange.entities import ASSETS
from portal.exchange.models import ImportJob, ImportStatus
from portal.org.choices import Role
from tests.factories import AssetFactory, UserFactory
from tests.worker import run_worker

# Progress is written on the "progress" alias, a mirror of the default database in tests.
pytestmark = pytest.mark.django_db(databases="__all__")

COLUMNS = ("holder", "ledger", "name", "category", "orig_value", "net_value")
# The Chinese titles the import template writes (e.g. 资产卡片编号), plus coordinate columns.
HEADERS = [*(ASSETS.column(key).title(Asset, "zh-hans") for key in COLUMNS), "lon", "lat"]


def zh(text: str) -> str:
    """The Chinese a new interface string will have once translated (its msgid until then)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def asset_csv_row(holder, i: int = 0, net: str = "3000.50") -> list[object]:
    return [holder.credit_code, f"ZC-{i}", f"计算机{i}", "2010100", "6000", net, 104.08, 30.63]


def asset_csv(holder, rows: int = 3, *, bad_row: int | None = None) -> bytes:
    """A small asset ledger; ``bad_row`` (0-based) gets a net value above its original value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(rows):
        net = "7000" if i == bad_row else "3000.50"
        writer.writerow(asset_csv_row(holder, i, net))
    return out.getvalue().encode("utf-8-sig")


def upload(client, user, content: bytes, **fields):
    client.force_login(user)
    data = {"entity": "assets", "crs": "", "encoding": "", "layer": "", **fields}
    data["file"] = SimpleUploadedFile("台账.csv", content, content_type="text/csv")
    return client.post(reverse("exchange:import_new"), data)


@pytest.fixture
def checked(client, officer, holder):
    upload(client, officer, asset_csv(holder))
    return services.check_job(ImportJob.objects.get().pk)


def test_upload_page_renders_in_chinese(client, officer):
    client.force_login(officer)
    response = client.get(reverse("exchange:import_new"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert zh("Upload a file") in page
    assert zh("Repair invalid geometries (self-intersections) and report each repair") in page
    assert ">资产<" in page
    assert ">办公用房<" in page
    for code in (
        "EPSG:4490",
        "EPSG:4544",
        "EPSG:4523",
        "EPSG:4497",
        "EPSG:3857",
        "GCJ-02",
        "BD-09",
    ):
        assert f'value="{code}"' in page
    assert 'value="gb18030"' in page
    assert reverse("exchange:import_template", args=["assets"]) in page
    assert reverse("exchange:import_list") in page, "the navigation offers imports"


def test_upload_stores_the_file_and_queues_its_check(client, officer, holder):
    response = upload(client, officer, asset_csv(holder), crs="EPSG:4490", repair="on")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.user, job.entity, job.status) == (officer, "assets", ImportStatus.QUEUED)
    assert (job.original_name, job.declared_crs, job.repair) == ("台账.csv", "EPSG:4490", True)
    assert Path(job.file.path).read_bytes() == asset_csv(holder)
    queued = ProcrastinateJob.objects.get()
    assert (queued.task_name, queued.queue_name, queued.status) == (
        "exchange.check_import",
        "imports",
        "todo",
    )
    assert queued.args == {"job_id": job.pk}


def test_queued_job_page_polls_its_status(client, officer, holder):
    upload(client, officer, asset_csv(holder))
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "<progress" in page
    assert 'data-running="true"' in page
    assert "core/js/progress.js" in page
    assert "<script>" not in page.replace("</script>", "")
    assert reverse("exchange:import_status", args=[job.pk]) in page
    assert "计算机0" in page, "the preview decodes the file before the check has run"


def test_checked_job_shows_report_and_confirm_commits(client, officer, checked):
    assert checked.status == ImportStatus.CHECKED, json.dumps(checked.report, ensure_ascii=False)
    response = client.get(checked.get_absolute_url())
    counts = {key: value for key, _, value in response.context["report_view"]["counts"]}
    assert counts == {"total": 3, "create": 3, "update": 0, "unchanged": 0, "reject": 0}
    page = response.content.decode()
    assert "<progress" not in page
    assert "import.js" not in page
    assert "计算机2" in page
    assert "UTF-8" in page.upper()
    assert "EPSG:4490" in page
    assert reverse("exchange:import_confirm", args=[checked.pk]) in page
    confirmed = client.post(reverse("exchange:import_confirm", args=[checked.pk]))
    assert confirmed.status_code == 302
    assert ImportJob.objects.get().status == ImportStatus.CONFIRMED
    assert ProcrastinateJob.objects.filter(task_name="exchange.commit_import").count() == 1
    assert not Asset.objects.exists(), "nothing is written before the worker commits"
    services.commit_job(checked.pk)
    assert Asset.objects.count() == 3
    page = client.get(checked.get_absolute_url()).content.decode()
    assert zh("imported") in page


def test_confirming_twice_is_refused_with_a_message(client, officer, checked):
    url = reverse("exchange:import_confirm", args=[checked.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert zh("This import cannot be confirmed in its present state.") in response.content.decode()
    assert ProcrastinateJob.objects.filter(task_name="exchange.commit_import").count() == 1


def test_rejected_rows_are_listed_with_row_field_and_reason(client, officer, holder):
    upload(client, officer, asset_csv(holder, 3, bad_row=1))
    job = services.check_job(ImportJob.objects.get().pk)
    assert job.status == ImportStatus.REJECTED
    response = client.get(job.get_absolute_url())
    problems = [p for p in response.context["report_view"]["problems"] if p["row"] is not None]
    assert [(p["row"], p["severity"]) for p in problems] == [(3, "error")]
    page = response.content.decode()
    assert job.report["problems"][0]["message_zh"] in page
    assert zh("error") in page
    assert '<td class="num">3</td>' in page
    assert reverse("exchange:import_confirm", args=[job.pk]) not in page


def test_status_json_reports_progress_and_counts(client, officer, checked):
    response = client.get(reverse("exchange:import_status", args=[checked.pk]))
    body = response.json()
    assert body["status"] == "checked"
    assert body["running"] is False
    # rows_done is written on its own connection; the worker test sees it move (not this one,
    # whose job row is still inside the test's transaction).
    assert {"rows_done", "rows_total"} <= set(body)
    assert body["counts"]["create"] == 3
    assert body["label"] == zh("checked: ready to import")


def test_status_json_gives_the_fraction_and_the_rows_read(checked):
    """What core/js/progress.js shows: a fraction once the file says how many rows it holds."""
    checked.rows_done, checked.rows_total = 500, 2000
    with translation.override("en"):
        body = display.status_payload(checked)
        assert (body["progress"], body["message"]) == (0.25, "500 of 2000 rows read")
        checked.rows_total = None  # a CSV: the total is known once it is read
        body = display.status_payload(checked)
    assert (body["progress"], body["message"]) == (None, "500 rows read")


def test_report_downloads_as_xlsx(client, officer, checked):
    response = client.get(reverse("exchange:import_report", args=[checked.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert summary["新增 To create"] == 3


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR])
def test_roles_that_cannot_edit_get_403_with_the_reason(client, holder, role):
    user = UserFactory(role=role, unit=holder)
    client.force_login(user)
    assert client.get(reverse("exchange:import_new")).status_code == 403
    response = upload(client, user, asset_csv(holder))
    assert response.status_code == 403
    assert zh("Your role may not import records.") in response.content.decode()
    assert not ImportJob.objects.exists()
    page = client.get(reverse("exchange:import_list")).content.decode()
    assert reverse("exchange:import_new") not in page, "neither the nav nor the list offers it"


def test_another_users_job_is_not_found(client, checked, holder):
    stranger = UserFactory(role=Role.UNIT_OFFICER, unit=holder)
    client.force_login(stranger)
    for name in ("import_detail", "import_status", "import_report"):
        assert client.get(reverse(f"exchange:{name}", args=[checked.pk])).status_code == 404
    assert client.post(reverse("exchange:import_confirm", args=[checked.pk])).status_code == 404
    assert checked.original_name not in client.get(reverse("exchange:import_list")).content.decode()


def test_province_admin_sees_every_import_but_cannot_confirm_it(client, checked):
    admin = UserFactory(role=Role.PROVINCE_ADMIN)
    client.force_login(admin)
    assert checked.original_name in client.get(reverse("exchange:import_list")).content.decode()
    page = client.get(checked.get_absolute_url()).content.decode()
    assert reverse("exchange:import_confirm", args=[checked.pk]) not in page
    client.post(reverse("exchange:import_confirm", args=[checked.pk]))
    assert ImportJob.objects.get().status == ImportStatus.CHECKED


def test_a_file_above_the_limit_is_refused(client, officer, holder, settings):
    settings.TIANFU_IMPORT_MAX_MB = 1
    response = upload(client, officer, asset_csv(holder) + b"x" * (1024 * 1024))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


@pytest.fixture
def ledger(holder):
    AssetFactory(holder=holder, ledger_code="ZC-IDLE", status="idle")
    AssetFactory(holder=holder, ledger_code="ZC-USED", status="in_use")
    AssetFactory(ledger_code="ZC-ELSEWHERE", status="idle")  # another unit: not the officer's
    return holder


def test_export_writes_a_geopackage_of_the_filtered_visible_records(
    client, officer, ledger, tmp_path
):
    client.force_login(officer)
    url = reverse("exchange:export", args=["assets"])
    response = client.get(url, {"format": "gpkg", "status": "idle"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert 'filename="assets-' in response["Content-Disposition"]
    path = tmp_path / "out.gpkg"
    path.write_bytes(b"".join(response.streaming_content))
    frame = pyogrio.read_dataframe(path)
    assert list(frame["ledger"]) == ["ZC-IDLE"]  # GIS formats name fields by column key


def test_export_as_xlsx_and_bad_parameters_say_why(client, officer, ledger):
    client.force_login(officer)
    url = reverse("exchange:export", args=["assets"])
    response = client.get(url, {"format": "xlsx", "crs": "EPSG:4544"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    codes = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["ZC-IDLE", "ZC-USED"]
    refused = client.get(url, {"format": "dwg"})
    assert refused.status_code == 400
    assert "dwg" in refused.content.decode()
    assert client.get(reverse("exchange:export", args=["nothing"])).status_code == 404


def test_list_offers_an_export_and_a_template_per_record_type(client, officer, checked):
    page = client.get(reverse("exchange:import_list")).content.decode()
    assert checked.original_name in page
    assert zh("checked: ready to import") in page
    for name in ("units", "assets", "vehicles"):
        assert reverse("exchange:export", args=[name]) in page
        assert reverse("exchange:import_template", args=[name]) in page


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_procrastinate_worker_checks_a_queued_upload(officer, holder, empty_queue):
    content = SimpleUploadedFile("台账.csv", asset_csv(holder), content_type="text/csv")
    job = services.create_import(content, by=officer, entity="assets")
    run_worker("imports", timeout=60)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, json.dumps(job.report, ensure_ascii=False)
    assert job.rows_done == 3
    assert job.report["counts"]["create"] == 3
    assert ProcrastinateJob.objects.get().status == "succeeded"


def test_template_downloads_and_comes_back_as_an_import(client, officer, holder, tmp_path):
    client.force_login(officer)
    response = client.get(reverse("exchange:import_template", args=["assets"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "filled.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [str(cell.value).rstrip("*") for cell in sheet[1]]
    values = dict(zip(HEADERS, asset_csv_row(holder), strict=True))
    assert set(values) <= set(headers)
    for number, header in enumerate(headers, start=1):
        sheet.cell(2, number, values.get(header))
    book.save(path)
    with path.open("rb") as stream:
        client.post(
            reverse("exchange:import_new"),
            {"entity": "assets", "file": SimpleUploadedFile("filled.xlsx", stream.read())},
        )
    job = services.check_job(ImportJob.objects.get().pk)
    assert job.status == ImportStatus.CHECKED, json.dumps(job.report, ensure_ascii=False)
    assert job.report["counts"]["create"] == 1
