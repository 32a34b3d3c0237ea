"""Imports and exports over the API: upload (201), state and report, confirm (202, 409), files."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob

from portal.assets.models import Asset
from portal.exchange import services
from portal.exchange.entities import ASSETS
from portal.exchange.models import ImportJob, ImportStatus
from portal.org.choices import Role
from tests.factories import AssetFactory, UserFactory

pytestmark = pytest.mark.django_db(databases="__all__")

COLUMNS = ("holder", "ledger", "name", "category", "orig_value", "net_value")
HEADERS = [*(ASSETS.column(key).title(Asset, "zh-hans") for key in COLUMNS), "lon", "lat"]
IMPORTS = "/api/imports/"


def asset_csv(holder, rows: int = 2) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(rows):
        code, name = f"ZC-{i}", f"计算机{i}"
        writer.writerow([holder.credit_code, code, name, "2010100", "6000", "3000", 104.08, 30.63])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def api():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def post_file(api, user, content: bytes, **fields):
    api.force_login(user)
    data = {"entity": "assets", "file": SimpleUploadedFile("ledger.csv", content), **fields}
    return api.post(IMPORTS, data)


def test_upload_answers_201_with_the_queued_job(api, officer, holder):
    response = post_file(api, officer, asset_csv(holder), crs="EPSG:4490", encoding="utf-8")
    assert response.status_code == 201, response.content
    body = response.json()
    job = ImportJob.objects.get()
    assert body["id"] == job.pk
    assert body["status"] == "queued"
    assert body["running"] is True
    assert body["url"].endswith(f"/api/imports/{job.pk}/")
    assert response["Location"] == body["url"]
    assert body["report_url"] is None
    assert body["counts"] == {}
    assert (job.declared_crs, job.declared_encoding) == ("EPSG:4490", "utf-8")
    assert ProcrastinateJob.objects.get().task_name == "exchange.check_import"


def test_detail_has_progress_and_the_full_report_then_confirm_answers_202(api, officer, holder):
    job_id = post_file(api, officer, asset_csv(holder)).json()["id"]
    services.check_job(job_id)
    body = api.get(f"{IMPORTS}{job_id}/").json()
    assert body["status"] == "checked"
    assert body["status_label"] == "checked: ready to import"
    assert body["counts"]["create"] == 2
    assert body["report"]["counts"]["total"] == 2
    assert body["report"]["crs"] == "EPSG:4490"
    assert "rows_done" in body
    assert "progress" in body  # percent of rows read, once the file says how many it holds
    assert body["report_url"].endswith(f"/imports/{job_id}/report.xlsx")
    confirmed = api.post(f"{IMPORTS}{job_id}/confirm/")
    assert confirmed.status_code == 202
    assert confirmed.json()["status"] == "confirmed"
    again = api.post(f"{IMPORTS}{job_id}/confirm/")
    assert again.status_code == 409
    assert again.json()["detail"] == "This import cannot be confirmed in its present state."
    services.commit_job(job_id)
    assert Asset.objects.count() == 2
    assert api.get(f"{IMPORTS}{job_id}/").json()["status"] == "committed"


def test_confirm_before_the_check_is_409(api, officer, holder):
    job_id = post_file(api, officer, asset_csv(holder)).json()["id"]
    assert api.post(f"{IMPORTS}{job_id}/confirm/").status_code == 409


def test_bad_declarations_are_400_naming_the_field(api, officer, holder):
    response = post_file(
        api, officer, asset_csv(holder), entity="spaceships", crs="+proj=longlat +init=x"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"entity", "crs"}
    legacy = post_file(api, officer, asset_csv(holder), crs="EPSG:2383")  # Xian 1980 GK
    assert legacy.status_code == 400
    assert "crs" in legacy.json()["errors"]
    assert not ImportJob.objects.exists()


def test_viewer_is_refused_403_and_sees_no_one_elses_jobs(api, officer, holder):
    job_id = post_file(api, officer, asset_csv(holder)).json()["id"]
    viewer = UserFactory(role=Role.VIEWER, unit=holder)
    response = post_file(api, viewer, asset_csv(holder))
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role may not import records."
    assert api.get(f"{IMPORTS}{job_id}/").status_code == 404
    assert api.get(IMPORTS).json()["results"] == []


def test_list_shows_own_jobs_and_everything_to_the_province(api, officer, holder):
    post_file(api, officer, asset_csv(holder))
    assert [j["original_name"] for j in api.get(IMPORTS).json()["results"]] == ["ledger.csv"]
    api.force_login(UserFactory(role=Role.PROVINCE_ADMIN))
    assert len(api.get(IMPORTS).json()["results"]) == 1


def test_export_answers_a_file_with_filters_applied(api, officer, holder):
    AssetFactory(holder=holder, ledger_code="ZC-IDLE", status="idle")
    AssetFactory(holder=holder, ledger_code="ZC-USED", status="in_use")
    api.force_login(officer)
    response = api.get("/api/exports/assets/", {"format": "xlsx", "status": "idle"})
    assert response.status_code == 200
    assert 'filename="assets-' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    codes = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert codes == ["ZC-IDLE"]
    geojson = api.get("/api/exports/assets/", {"format": "geojson"})
    assert geojson["Content-Type"] == "application/geo+json"


def test_export_errors_are_json_400_and_unknown_types_404(api, officer):
    api.force_login(officer)
    refused = api.get("/api/exports/assets/", {"format": "gpkg", "crs": "GCJ-02"})
    assert refused.status_code == 400
    assert "GCJ-02" in refused.json()["detail"]
    unknown = api.get("/api/exports/assets/", {"format": "xlsx", "colour": "red"})
    assert unknown.status_code == 400
    assert "colour" in unknown.json()["detail"]
    assert api.get("/api/exports/spaceships/").status_code == 404
    api.logout()
    assert api.get("/api/exports/assets/").status_code in (401, 403)


def test_status_of_a_finished_job_stops_the_poll(api, officer, holder):
    job_id = post_file(api, officer, asset_csv(holder, 1)).json()["id"]
    services.check_job(job_id)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.CHECKED
    assert not job.running
    assert api.get(f"{IMPORTS}{job_id}/").json()["running"] is False
