"""The difference against last year's report: lines added, removed, changed, totals' deltas."""

from decimal import Decimal

import pytest

from portal.buildings.models import Occupancy
from portal.core.services import writing
from portal.ledgers.choices import LedgerAction, LedgerKind
from portal.ledgers.diff import difference
from portal.ledgers.services import take_report, transition_report
from portal.parcels.choices import CaseStatus
from portal.parcels.models import TitleCase
from tests.factories import BuildingFactory, UnitFactory
from tests.portal.buildings.space_data import occupy
from tests.portal.ledgers.world import YEAR, accepted_last_year, world

pytestmark = pytest.mark.django_db


def test_this_year_against_last_year():
    data = world()
    officer = data.users["officer"]
    last = accepted_last_year(data)
    b3 = BuildingFactory(name="三号楼", managing_unit=data.bureau)
    with writing(officer):
        Occupancy.objects.filter(unit=data.bureau, building=data.b2).delete()
        occupy(data.bureau, b3, "40.00", staff=4)
        Occupancy.objects.filter(unit=data.bureau, building=data.b1).update(
            usable_area_m2=Decimal("140.00")
        )
        TitleCase.objects.filter(building=data.b1).update(status=CaseStatus.FILED)
    this = take_report(YEAR, LedgerKind.SUB, data.bureau, by=officer)
    diff = difference(this)
    assert diff.previous == last
    assert [line["building"] for line in diff.added] == ["三号楼"]
    assert [line["building"] for line in diff.removed] == ["二号楼"]
    (change,) = diff.changed
    assert change.line["building"] == "一号楼"
    assert change.fields == (
        ("area_m2", "126.00", "140.00"),
        ("title_status", "registered", "filed"),
        ("over_standard", False, True),
    )
    deltas = {d.name: (d.before, d.after, d.delta) for d in diff.totals}
    # Last year 126 + 30 = 156 m², 14 staff; this year 140 + 40 = 180 m², 12 + 4 = 16 staff.
    assert deltas["area_m2"] == (Decimal("156.00"), Decimal("180.00"), Decimal("24.00"))
    assert deltas["staff"] == (14, 16, 2)
    assert deltas["lines"] == (2, 2, 0)
    # Allowance: 126 + 36 = 162 against 144; excess: 14 (B1) + 4 (B3: 40 − 36) against 12.
    assert deltas["allowance_m2"] == (Decimal("144.00"), Decimal("162.00"), Decimal("18.00"))
    assert deltas["excess_m2"] == (Decimal("12.00"), Decimal("18.00"), Decimal("6.00"))


def test_without_last_years_report_there_is_nothing_to_compare():
    data = world()
    report = take_report(YEAR, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    diff = difference(report)
    assert diff.previous is None
    assert diff.empty
    assert diff.totals == []


def test_a_master_ledger_against_last_year_matches_lines_by_unit():
    data = world()
    officer, admin = data.users["officer"], data.users["county_admin"]
    last = take_report(YEAR - 1, LedgerKind.MASTER, data.administration, by=admin)
    transition_report(last, LedgerAction.SUBMITTED, by=admin)
    transition_report(last, LedgerAction.ACCEPTED, by=data.users["city_admin"])
    sub = take_report(YEAR, LedgerKind.SUB, data.bureau, by=officer)
    transition_report(sub, LedgerAction.SUBMITTED, by=officer)
    transition_report(sub, LedgerAction.ACCEPTED, by=admin)
    newcomer = UnitFactory(name="锦江区新设局")
    this = take_report(YEAR, LedgerKind.MASTER, data.administration, by=admin)
    diff = difference(this)
    assert diff.previous == last
    assert [line["unit"] for line in diff.added] == [newcomer.name]
    assert diff.removed == []
    (change,) = diff.changed
    assert change.line["unit"] == "锦江区测试局"
    assert change.fields[:3] == (
        ("missing", True, False),
        ("area_m2", "0.00", "156.00"),
        ("staff", 0, 14),
    )
    deltas = {d.name: (d.before, d.after, d.delta) for d in diff.totals}
    assert deltas["units"] == (2, 3, 1)
    assert deltas["missing"] == (2, 2, 0)
    assert deltas["area_m2"] == (Decimal("0.00"), Decimal("156.00"), Decimal("156.00"))


def test_last_years_report_counts_only_once_accepted():
    """A draft or a submitted report of last year never went up and may still be taken again:
    the difference is against last year's accepted report only."""
    data = world()
    officer = data.users["officer"]
    last = take_report(YEAR - 1, LedgerKind.SUB, data.bureau, by=officer)
    this = take_report(YEAR, LedgerKind.SUB, data.bureau, by=officer)
    assert difference(this).previous is None
    transition_report(last, LedgerAction.SUBMITTED, by=officer)
    assert difference(this).previous is None
    transition_report(last, LedgerAction.ACCEPTED, by=data.users["county_admin"])
    diff = difference(this)
    assert diff.previous == last
    assert diff.empty
    assert {d.name: d.delta for d in diff.totals}["area_m2"] == Decimal("0.00")
