"""The report's XLSX and PDF in the upward report format: read back with openpyxl and
pdftotext; the totals row equals the sum of the lines; scoped and audited like every download."""

import io
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.audits.choices import AuditAction
from portal.audits.models import AuditEvent
from portal.buildings.models import Occupancy
from portal.core.choices import Confidentiality
from portal.core.services import writing
from portal.ledgers.choices import LedgerKind
from portal.ledgers.services import take_report
from tests.portal.ledgers.world import YEAR, accepted_last_year, world

pytestmark = pytest.mark.django_db

SHEETS = [
    "Summary",
    "Report",
    "Buildings",
    "Over standard",
    "Changes during the year",
    "Difference vs last year",
    "Totals against last year",
]


@pytest.fixture
def w():
    data = world()
    officer = data.users["officer"]
    accepted_last_year(data)
    with writing(officer):
        Occupancy.objects.filter(building=data.b2).update(usable_area_m2=Decimal("33.00"))
    data.report = take_report(YEAR, LedgerKind.SUB, data.bureau, by=officer)
    return data


def download(client, user, view, report):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.get(reverse(f"ledgers:{view}", args=[report.pk]))


def rows(book, sheet):
    return list(book[sheet].iter_rows(values_only=True))


def test_xlsx_sheets_and_totals_equal_the_sum_of_the_lines(client, w):
    response = download(client, w.users["officer"], "report_xlsx", w.report)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert f"office-space-{YEAR}-sub-{w.bureau.pk}.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == SHEETS
    header, *lines, total = rows(book, "Buildings")
    assert header[0] == "Building"
    assert total[0] == "Total"
    assert [line[0] for line in lines] == ["一号楼", "二号楼"]
    for column in (4, 5, 6, 8):  # area, staff, allowance, excess
        assert sum(Decimal(str(line[column])) for line in lines) == Decimal(str(total[column]))
    assert Decimal(str(total[4])) == Decimal("159.00")
    assert Decimal(str(total[8])) == Decimal("15.00")
    over = rows(book, "Over standard")
    assert [row[0] for row in over] == ["Building", "二号楼", "Total"]
    summary = dict(rows(book, "Summary")[1:])
    assert Decimal(str(summary["Usable area allocated (m²)"])) == Decimal("159.00")
    changes = rows(book, "Changes during the year")
    assert ("二号楼", "usable area allocated (m²)", "30.00", "33.00") in [r[3:7] for r in changes]
    diff = rows(book, "Difference vs last year")
    assert ("changed", "二号楼", "Usable area allocated (m²)", 30, 33) in [
        (r[0], r[1], r[2], r[3], r[4]) for r in diff
    ]
    deltas = {r[0]: r[1:] for r in rows(book, "Totals against last year")[1:]}
    assert tuple(Decimal(str(v)) for v in deltas["Usable area allocated (m²)"]) == (
        Decimal("156.00"),
        Decimal("159.00"),
        Decimal("3.00"),
    )


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return done.stdout


def test_pdf_has_the_same_sections_and_totals(client, w, tmp_path):
    response = download(client, w.users["officer"], "report_pdf", w.report)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    text = pdf_text(response.content, tmp_path)
    assert f"Annual office-space report {YEAR}: 锦江区测试局" in text
    for title in SHEETS[2:]:
        assert title in text
    assert "一号楼" in text
    assert "二号楼" in text
    assert "159.00" in text
    assert "15.00" in text
    assert "156.00" in text


def test_a_classified_building_keeps_its_figures_but_not_its_name(client, w):
    w.b2.confidentiality = Confidentiality.SECRET
    w.b2.save()
    w.report.rows[1]["confidentiality"] = Confidentiality.SECRET
    w.report.save()
    response = download(client, w.users["wuhou_admin"], "report_xlsx", w.report)
    assert response.status_code == 404  # another county: not even the report
    response = download(client, w.users["officer"], "report_xlsx", w.report)
    book = load_workbook(io.BytesIO(response.content))
    names = [row[0] for row in rows(book, "Buildings")]
    assert "二号楼" not in names
    assert "classified building" in names
    assert Decimal(str(rows(book, "Buildings")[-1][4])) == Decimal("159.00")


def test_downloads_are_audited(client, w):
    before = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()
    download(client, w.users["officer"], "report_xlsx", w.report)
    download(client, w.users["officer"], "report_pdf", w.report)
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("pk")
    assert events.count() == before + 2
    assert events.last().target == reverse("ledgers:report_pdf", args=[w.report.pk])
