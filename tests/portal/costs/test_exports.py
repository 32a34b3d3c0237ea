"""The dashboard's XLSX and PDF: read back with openpyxl and pdftotext, totals equal the sum of
their parts, scoped like the page, attachments audited as downloads, no fetch outside the
app's static files."""

import io
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.audits.choices import AuditAction
from portal.audits.models import AuditEvent
from portal.costs.exports.pdf import fetcher
from portal.parcels.reports.pdf import FetchRefusedError
from tests.portal.costs.dashboard_world import YEAR, build_world

pytestmark = pytest.mark.django_db

FORMULA_NAME = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture
def w():
    return build_world()


def download(client, user, view, **params):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.get(reverse(f"costs:{view}"), {"year": YEAR, **params})


def decimal(value):
    return None if value is None else Decimal(str(value))


def test_xlsx_sheets_and_totals(client, w):
    response = download(client, w.province_admin, "export_xlsx")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"running-costs-{YEAR}-per_m2_yuan-city" in disposition
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Divisions", "Units", "Outliers"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    categories = [decimal(row[1]) for row in summary[1:12]]
    total = next(row for row in summary if row[0] == "Total")
    assert decimal(total[1]) == sum(categories) == Decimal("70000.00")
    assert "provisional" in next(row[1] for row in summary if row[0] == "Figures")


def test_xlsx_divisions_add_up(client, w):
    response = download(client, w.province_admin, "export_xlsx")
    rows = list(
        load_workbook(io.BytesIO(response.content))["Divisions"].iter_rows(values_only=True)
    )
    body, total = rows[1:-1], rows[-1]
    assert total[0] == "Total"
    assert sum(decimal(row[3]) for row in body) == decimal(total[3]) == Decimal("70000.00")
    chengdu = next(row for row in body if row[0] == "510100")
    assert (chengdu[2], decimal(chengdu[4])) == (3, Decimal("142.50"))
    assert decimal(total[4]) == Decimal("137.78")


def test_xlsx_units_sheet(client, w):
    w.yi.name = FORMULA_NAME
    w.yi.save()
    response = download(client, w.province_admin, "export_xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["Units"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("Rank", "Unit", "Division code")
    assert len(body) == 5
    assert sum(decimal(row[5]) for row in body) == Decimal("70000.00")
    # Each unit's categories add up to its total.
    for row in body:
        assert sum(decimal(v) for v in row[7:18]) == decimal(row[5])
    names = [row[1] for row in body]
    assert "'" + FORMULA_NAME in names or FORMULA_NAME in names
    cell = next(c for c in sheet["B"] if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"  # text, never a formula


def test_xlsx_is_scoped(client, w):
    response = download(client, w.county_admin, "export_xlsx")
    rows = list(load_workbook(io.BytesIO(response.content))["Units"].iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["甲单位"]


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def test_pdf_report(client, w):
    response = download(client, w.province_admin, "export_pdf", level="county")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    text = pdf_text(response.content)
    assert "Running costs of the units" in text
    assert "137.78" in text
    assert "70,000.00" in text or "70000.00" in text
    for name in ("甲单位", "乙单位", "丙单位", "丁单位", "戊单位"):
        assert name in text
    assert "provisional" in text


def test_pdf_is_scoped(client, w):
    text = pdf_text(download(client, w.county_admin, "export_pdf").content)
    assert "甲单位" in text
    assert "乙单位" not in text


def test_downloads_are_audited(client, w):
    before = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()
    download(client, w.province_admin, "export_xlsx")
    download(client, w.province_admin, "export_pdf")
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("pk")
    assert events.count() == before + 2
    assert events.last().target == reverse("costs:export_pdf")


def test_pdf_fetcher_refuses_other_hosts():
    with pytest.raises(FetchRefusedError):
        fetcher().fetch("http://example.invalid/x.css")
    with pytest.raises(FetchRefusedError):
        fetcher().fetch("file:///etc/passwd")


def test_bad_query_answers_400_not_a_file(client, w):
    response = download(client, w.province_admin, "export_xlsx", indicator="nonsense")
    assert response.status_code == 400
    assert "Content-Disposition" not in response


def test_files_agree_with_the_page_on_the_execution_rate_and_the_units_above(client, w):
    # Counties: 丁 (12000 / 100 m²) and 戊 (5000 / 50 m²) lie above the level: 17000 / 150.
    page = download(client, w.province_admin, "dashboard", level="county").context["dashboard"]
    assert (page.unplaced_text, page.execution_text) == ("113.33", "90.0%")
    book = load_workbook(io.BytesIO(download(client, w.province_admin, "export_xlsx").content))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert decimal(summary["Budget execution rate"]) == Decimal("0.9")
    text = pdf_text(download(client, w.province_admin, "export_pdf", level="county").content)
    assert "113.33" in text
    assert "90.0%" in text
