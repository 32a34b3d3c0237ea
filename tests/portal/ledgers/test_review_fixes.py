"""Wave-2 review: what the first cut missed. Changes during the year name foreign keys; a
classified building is withheld in its changes and when classified after the snapshot, in every
channel (page, XLSX, PDF, admin); the reviewer never took the report himself; only this year's
and last year's reports are taken; the master ledger's files add up; the demo's batch lines."""

import io
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.core.choices import Confidentiality
from portal.core.services import writing
from portal.ledgers import snapshot
from portal.ledgers.choices import LedgerAction, LedgerKind
from portal.ledgers.exceptions import LedgerForbiddenError, LedgerInputError
from portal.ledgers.services import take_report, transition_report
from portal.ledgers.workflow import available_actions
from portal.org.choices import Role
from portal.org.models import Unit
from tests.factories import UserFactory
from tests.portal.ledgers.world import YEAR, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def as_user(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def workbook_text(response) -> str:
    book = load_workbook(io.BytesIO(response.content))
    cells = (c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row)
    return " ".join(str(c) for c in cells if c is not None)


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


def test_a_change_of_managing_unit_is_reported_by_name(w):
    officer = w.users["officer"]
    with writing(officer):
        w.b1.managing_unit = w.wuhou
        w.b1.save()
    report = take_report(YEAR, LedgerKind.SUB, w.bureau, by=officer)
    fields = [(c["building"], *f) for c in report.changes for f in c["fields"]]
    assert ("一号楼", "managing_unit_id", w.bureau.name, w.wuhou.name) in fields
    with_staff = [f for f in fields if f[1] == "staff_by_rank"]
    assert ("二号楼", "staff_by_rank", None, {"staff": 2}) in with_staff


def test_changes_are_shown_with_labels_in_the_readers_language(client, w):
    officer = w.users["officer"]
    with writing(officer):
        w.b1.managing_unit = w.wuhou
        w.b1.save()
    report = take_report(YEAR, LedgerKind.SUB, w.bureau, by=officer)
    page = as_user(client, officer).get(reverse("ledgers:report_detail", args=[report.pk]))
    table = next(t for t in page.context["document"].tables if t.key == "changes")
    cells = [tuple(row[3:7]) for row in table.rows]
    assert ("一号楼", "managing unit", w.bureau.name, w.wuhou.name) in cells
    staff = [row[6] for row in table.rows if row[3] == "二号楼" and row[4] == "staff by rank"]
    assert staff == ["below section level 2"]  # the rank's label, not its JSON


@pytest.fixture
def classified(w):
    """二号楼 is secret and its address changed this year; the officer has no clearance."""
    with writing(w.users["officer"]):
        w.b2.confidentiality = Confidentiality.SECRET
        w.b2.address = "秘密地址9号"
        w.b2.save()
    w.report = take_report(YEAR, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    w.cleared = UserFactory(
        unit=w.bureau, role=Role.UNIT_OFFICER, clearance=Confidentiality.CONFIDENTIAL
    )
    return w


@pytest.mark.parametrize("view", ["report_detail", "report_xlsx", "report_pdf"])
def test_a_classified_buildings_changes_are_withheld_in_every_channel(
    client, classified, view, tmp_path
):
    w = classified
    url = reverse(f"ledgers:{view}", args=[w.report.pk])
    response = as_user(client, w.users["officer"]).get(url)
    text = {
        "report_detail": lambda r: r.content.decode(),
        "report_xlsx": workbook_text,
        "report_pdf": lambda r: pdf_text(r.content, tmp_path),
    }[view](response)
    for secret in ("二号楼", "秘密地址9号", "武侯祠大街2号"):
        assert secret not in text
    assert "classified building" in text
    assert "一号楼" in text
    response = as_user(client, w.cleared).get(url)
    if view == "report_xlsx":
        assert "秘密地址9号" in workbook_text(response)


def test_a_building_classified_after_the_snapshot_is_withheld_too(client, w):
    report = take_report(YEAR, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    assert Confidentiality.SECRET not in {line["confidentiality"] for line in report.rows}
    w.b2.confidentiality = Confidentiality.SECRET
    w.b2.save()
    url = reverse("ledgers:report_xlsx", args=[report.pk])
    text = workbook_text(as_user(client, w.users["officer"]).get(url))
    assert "二号楼" not in text
    assert "武侯祠大街2号" not in text


def test_the_admin_shows_no_lines_and_no_history_without_full_clearance(client, classified):
    w = classified
    client = as_user(client, w.users["officer"])
    page = client.get(reverse("admin:ledgers_spacereport_change", args=[w.report.pk]))
    assert page.status_code == 200
    assert "二号楼" not in page.content.decode()
    history = client.get(reverse("admin:ledgers_spacereport_history", args=[w.report.pk]))
    assert history.status_code == 403
    cleared = UserFactory(
        unit=w.bureau, role=Role.UNIT_OFFICER, clearance=Confidentiality.CONFIDENTIAL
    )
    history = as_user(client, cleared).get(
        reverse("admin:ledgers_spacereport_history", args=[w.report.pk])
    )
    assert history.status_code == 200


def test_nobody_reviews_a_report_he_took(w):
    """The district's administrator may take his own unit's sub-ledger; if a colleague submits
    it, he still may not accept it: another reviewer (the province) does."""
    admin = w.users["county_admin"]
    colleague = UserFactory(unit=w.administration, role=Role.UNIT_OFFICER)
    report = take_report(YEAR, LedgerKind.SUB, w.administration, by=admin)
    transition_report(report, LedgerAction.SUBMITTED, by=colleague)
    assert available_actions(admin, report) == []
    with pytest.raises(LedgerForbiddenError):
        transition_report(report, LedgerAction.ACCEPTED, by=admin)
    transition_report(report, LedgerAction.ACCEPTED, by=w.users["province_admin"])


def test_a_report_older_than_last_year_is_not_taken(w):
    with pytest.raises(LedgerInputError, match=str(YEAR - 2)):
        take_report(YEAR - 2, LedgerKind.SUB, w.bureau, by=w.users["officer"])


def test_sub_rows_by_unit_gives_each_units_lines_in_one_statement(w, django_assert_max_num_queries):
    occupy_units = Unit.objects.filter(pk__in=[w.bureau.pk, w.wuhou.pk])
    with django_assert_max_num_queries(2):  # the space standard, then the lines
        lines = snapshot.sub_rows_by_unit(occupy_units)
    assert lines == {w.bureau.pk: snapshot.sub_rows(w.bureau)}
    assert [line["building"] for line in lines[w.bureau.pk]] == ["一号楼", "二号楼"]


def master_with_one_accepted(w):
    officer, admin = w.users["officer"], w.users["county_admin"]
    sub = take_report(YEAR, LedgerKind.SUB, w.bureau, by=officer)
    transition_report(sub, LedgerAction.SUBMITTED, by=officer)
    transition_report(sub, LedgerAction.ACCEPTED, by=admin)
    return take_report(YEAR, LedgerKind.MASTER, w.administration, by=admin)


def test_master_ledger_files_total_the_lines_and_list_the_missing(client, w, tmp_path):
    master = master_with_one_accepted(w)
    client = as_user(client, w.users["city_admin"])
    response = client.get(reverse("ledgers:report_xlsx", args=[master.pk]))
    book = load_workbook(io.BytesIO(response.content))
    header, *lines, total = list(book["Units"].iter_rows(values_only=True))
    assert header[0] == "Unit"
    assert {line[0]: line[2] for line in lines} == {
        w.administration.name: "missing",
        w.bureau.name: "accepted",
    }
    for column in (3, 4, 5, 6, 7, 8):
        assert sum(Decimal(str(line[column])) for line in lines) == Decimal(str(total[column]))
    assert (total[0], total[2], Decimal(str(total[4]))) == ("Total", 1, Decimal("156.00"))
    notes = [row[0] for row in book["Difference vs last year"].iter_rows(values_only=True)]
    assert "No accepted report of last year to compare with." in notes
    pdf = client.get(reverse("ledgers:report_pdf", args=[master.pk]))
    text = pdf_text(pdf.content, tmp_path)
    assert "156.00" in text
    assert "No accepted report of last year to compare with." in text
    assert w.administration.name in text


@pytest.mark.parametrize(
    ("value", "text"), [("0.125", "0.13"), ("2.675", "2.68"), ("-0.005", "-0.01")]
)
def test_money_rounds_half_up(value, text):
    assert snapshot.money(Decimal(value)) == text
