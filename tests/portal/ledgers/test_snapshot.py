"""The sub-ledger and master ledger snapshots: lines, totals = Σ lines, changes during the year."""

from decimal import Decimal

import pytest

from portal.buildings.models import Occupancy
from portal.core.services import writing
from portal.ledgers.choices import LedgerKind, LedgerStatus
from portal.ledgers.services import take_report, transition_report
from tests.portal.ledgers.world import YEAR, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return world()


def test_a_sub_ledger_has_one_line_per_occupied_building_with_its_figures(data):
    report = take_report(YEAR, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    assert report.status == LedgerStatus.DRAFT
    lines = {line["building"]: line for line in report.rows}
    assert set(lines) == {"一号楼", "二号楼"}
    b1, b2 = lines["一号楼"], lines["二号楼"]
    assert b1["title_status"] == "registered"
    assert b2["title_status"] == "none"
    assert (b1["area_m2"], b1["staff"], b1["allowance_m2"], b1["excess_m2"]) == (
        "126.00",
        12,
        "126.00",
        "0.00",
    )
    assert b1["over_standard"] is False
    assert b1["per_person_m2"] == "10.50"
    assert (b2["area_m2"], b2["allowance_m2"], b2["excess_m2"]) == ("30.00", "18.00", "12.00")
    assert b2["over_standard"] is True
    assert b2["address"] == "武侯祠大街2号"
    assert b2["division_code"] == "510107"


def test_sub_ledger_totals_are_the_sums_of_the_lines(data):
    report = take_report(YEAR, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    assert report.totals == {
        "area_m2": "156.00",
        "allowance_m2": "144.00",
        "excess_m2": "12.00",
        "lines": 2,
        "staff": 14,
        "over_standard_lines": 1,
    }
    for name in ("area_m2", "allowance_m2", "excess_m2"):
        assert sum(Decimal(line[name]) for line in report.rows) == Decimal(report.totals[name])
    assert sum(line["staff"] for line in report.rows) == report.totals["staff"]


def test_changes_during_the_year_come_from_the_history_of_occupancies_and_buildings(data):
    officer = data.users["officer"]
    with writing(officer):
        Occupancy.objects.filter(unit=data.bureau, building=data.b2).update(
            usable_area_m2=Decimal("28.50")
        )
        data.b1.address = "红星路一段1号"
        data.b1.save()
    report = take_report(YEAR, LedgerKind.SUB, data.bureau, by=officer)
    fields = [
        (c["object"], c["action"], c["building"], f[0], f[2])
        for c in report.changes
        for f in c["fields"]
    ]
    assert ("occupancy", "update", "二号楼", "usable_area_m2", "28.50") in fields
    assert ("building", "update", "一号楼", "address", "红星路一段1号") in fields
    # The occupancies were created this year too: their insertion is a change.
    assert ("occupancy", "insert", "一号楼", "usable_area_m2", "126.00") in fields
    by_user = [c["user"] for c in report.changes if c["action"] == "update"]
    assert by_user
    assert set(by_user) == {officer.username}


def test_last_year_snapshot_has_no_changes_from_this_year(data):
    report = take_report(YEAR - 1, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    assert str(report.as_of) == f"{YEAR - 1}-12-31"
    assert report.changes == []


def test_a_master_ledger_lists_every_unit_of_its_division_and_marks_the_missing(data):
    officer, admin = data.users["officer"], data.users["county_admin"]
    sub = take_report(YEAR, LedgerKind.SUB, data.bureau, by=officer)
    transition_report(sub, "submitted", by=officer)
    transition_report(sub, "accepted", by=admin)
    master = take_report(YEAR, LedgerKind.MASTER, data.administration, by=admin)
    lines = {line["unit"]: line for line in master.rows}
    # The 武侯区 unit is in another county: not in 锦江区's master ledger.
    assert set(lines) == {"锦江区测试局", "锦江区机关事务管理局"}
    assert lines["锦江区测试局"]["missing"] is False
    assert lines["锦江区测试局"]["report_id"] == sub.pk
    assert lines["锦江区机关事务管理局"]["missing"] is True
    assert master.totals == {
        "area_m2": "156.00",
        "allowance_m2": "144.00",
        "excess_m2": "12.00",
        "lines": 2,
        "staff": 14,
        "over_standard_lines": 1,
        "units": 2,
        "missing": 1,
    }
    assert master.division == data.administration.division


def test_a_sub_ledger_not_accepted_counts_as_missing(data):
    officer = data.users["officer"]
    sub = take_report(YEAR, LedgerKind.SUB, data.bureau, by=officer)
    transition_report(sub, "submitted", by=officer)
    master = take_report(
        YEAR, LedgerKind.MASTER, data.administration, by=data.users["county_admin"]
    )
    assert master.totals["missing"] == 2
    assert master.totals["area_m2"] == "0.00"
