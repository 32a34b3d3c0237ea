"""The statement's XLSX and PDF: read back with openpyxl and pdftotext, totals found, scoped like
the page, audited as exports, no fetch outside the app's static files."""

import datetime as dt
import io
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.audits.choices import AuditAction
from portal.audits.models import AuditEvent
from portal.fleet.choices import RegionClass
from portal.fleet.statements.pdf import fetcher
from portal.parcels.reports.pdf import FetchRefusedError
from tests.portal.fleet.trip_data import local, trip, world

pytestmark = pytest.mark.django_db

FORMULA_NAME = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture
def w():
    w = world()
    w.holder.name = FORMULA_NAME
    w.holder.save()
    trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="100.05",
        ended=local(dt.date(2026, 9, 2), 12),
        km="42.5",
    )
    trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="33.33",
        ended=local(dt.date(2026, 9, 3), 12),
        region_class=RegionClass.COOPERATION,
    )
    trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="0.01",
        ended=local(dt.date(2026, 9, 4), 12),
        region_class=RegionClass.CROSS_PROVINCE,
    )
    return w


def download(client, user, view, **params):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.get(reverse(f"fleet:{view}"), {"month": "2026-09", **params})


def test_xlsx_summary_and_lines(client, w):
    response = download(client, w.requester, "statement_xlsx")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "2026-09" in disposition
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Lines"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[0] == ("Section", "Trips", "Payable (yuan)", "Receivable (yuan)", "Net (yuan)")
    total = next(row for row in summary if row[0] == "Total")
    assert total[1] == 3
    assert Decimal(str(total[2])) == Decimal("133.39")
    assert Decimal(str(total[4])) == Decimal("-133.39")
    assert w.requester_unit.credit_code in [row[1] for row in summary if row]
    lines = list(book["Lines"].iter_rows(values_only=True))[1:]
    assert len(lines) == 3
    assert sum(Decimal(str(row[-1])) for row in lines) == Decimal("133.39")
    assert lines[0][4] == FORMULA_NAME  # the counterparty's typed name, as text
    cell = book["Lines"]["E2"]
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_xlsx_is_scoped(client, w):
    response = download(client, w.requester, "statement_xlsx", unit=w.holder.pk)
    assert response.status_code == 400
    assert not response.get("Content-Disposition")


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return done.stdout


def test_pdf_has_unit_month_sections_and_totals(client, w, tmp_path):
    response = download(client, w.requester, "statement_pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Official vehicle settlement statement" in text
    assert "甲单位" in text
    assert "2026-09" in text
    assert "133.39" in text
    assert "-133.39" in text
    assert "100.05" in text
    assert "Trips inside a cooperation region" in text
    assert "Sichuan–Chongqing cross-border trips" in text


def test_pdf_embeds_noto_sans_cjk(client, w, tmp_path):
    response = download(client, w.requester, "statement_pdf")
    path = tmp_path / "statement.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    assert "Noto-Sans-CJK-SC" in fonts.stdout


def test_downloads_are_audited(client, w):
    before = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()
    download(client, w.requester, "statement_xlsx")
    download(client, w.requester, "statement_pdf")
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("pk")
    assert events.count() == before + 2
    assert events.last().target == reverse("fleet:statement_pdf")


def test_fetcher_refuses_everything_but_static_files(tmp_path):
    local = fetcher()
    with pytest.raises(FetchRefusedError):
        local.local_path("http://example.invalid/font.woff")
    outside = tmp_path / "secret.css"
    outside.write_text("x")
    with pytest.raises(FetchRefusedError):
        local.local_path(outside.as_uri())


def test_pool_xlsx_matrix(client, w):
    client.force_login(w.manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("fleet:pool_statement_xlsx", args=[w.pool.pk])
    response = client.get(url, {"month": "2026-09"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Who owes whom", "By section"]
    matrix = book["Who owes whom"]
    rows = list(matrix.iter_rows(values_only=True))
    assert rows[0] == ("Paying unit", FORMULA_NAME, "Total")
    assert matrix["B1"].data_type == "s"  # the payee named "=…" heads its column as text
    assert rows[1][0] == w.requester_unit.name
    assert Decimal(str(rows[1][1])) == Decimal("133.39")
    assert Decimal(str(rows[-1][-1])) == Decimal("133.39")
    sections = list(book["By section"].iter_rows(values_only=True))[1:4]
    assert [Decimal(str(row[2])) for row in sections] == [
        Decimal("100.05"),
        Decimal("33.33"),
        Decimal("0.01"),
    ]
    client.force_login(w.requester)
    assert client.get(url, {"month": "2026-09"}).status_code == 404


PARTIAL = "Trips of pools you manage only"


def test_a_managers_files_of_another_unit_say_they_are_partial(client, w, tmp_path):
    response = download(client, w.manager, "statement_xlsx", unit=w.requester_unit.pk)
    summary = list(load_workbook(io.BytesIO(response.content))["Summary"].values)
    assert any(row[0] == "Scope" and PARTIAL in row[1] for row in summary if row and row[1])
    response = download(client, w.manager, "statement_pdf", unit=w.requester_unit.pk)
    assert PARTIAL in " ".join(pdf_text(response.content, tmp_path).split())
    own = download(client, w.requester, "statement_xlsx")
    rows = list(load_workbook(io.BytesIO(own.content))["Summary"].values)
    assert not any(row and row[0] == "Scope" for row in rows)
    own_pdf = download(client, w.requester, "statement_pdf")
    assert PARTIAL not in " ".join(pdf_text(own_pdf.content, tmp_path).split())
