"""Review level by level: who takes, submits, accepts and returns, and from which states."""

import pytest

from portal.ledgers.choices import LedgerAction, LedgerKind, LedgerStatus
from portal.ledgers.exceptions import LedgerForbiddenError, LedgerInputError, LedgerStateError
from portal.ledgers.models import LedgerStep, SpaceReport
from portal.ledgers.services import take_report, transition_report
from portal.ledgers.workflow import available_actions
from portal.org.choices import Role
from tests.factories import UnitFactory, UserFactory
from tests.portal.ledgers.world import YEAR, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return world()


def submitted_sub(data):
    report = take_report(YEAR, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    transition_report(report, LedgerAction.SUBMITTED, by=data.users["officer"])
    return report


def test_the_unit_officer_takes_and_submits_and_every_move_is_a_step(data):
    report = submitted_sub(data)
    assert report.status == LedgerStatus.SUBMITTED
    assert report.submitted_by == data.users["officer"]
    steps = list(report.steps.values_list("action", "from_status", "to_status"))
    assert steps == [("taken", "", "draft"), ("submitted", "draft", "submitted")]


@pytest.mark.parametrize("who", ["wuhou_officer", "wuhou_admin", "auditor", "county_admin"])
def test_only_the_units_own_people_take_its_sub_ledger(data, who):
    with pytest.raises(LedgerForbiddenError):
        take_report(YEAR, LedgerKind.SUB, data.bureau, by=data.users[who])
    assert not SpaceReport.objects.exists()


@pytest.mark.parametrize("who", ["county_admin", "province_admin"])
def test_the_division_administrator_or_the_province_accepts_a_sub_ledger(data, who):
    report = submitted_sub(data)
    transition_report(report, LedgerAction.ACCEPTED, by=data.users[who])
    assert report.status == LedgerStatus.ACCEPTED
    assert report.reviewed_by == data.users[who]


@pytest.mark.parametrize("who", ["officer", "wuhou_admin", "city_admin", "auditor"])
def test_others_may_not_review_a_sub_ledger(data, who):
    report = submitted_sub(data)
    with pytest.raises(LedgerForbiddenError):
        transition_report(report, LedgerAction.ACCEPTED, by=data.users[who])
    report.refresh_from_db()
    assert report.status == LedgerStatus.SUBMITTED


def test_a_return_needs_a_comment_and_a_returned_report_is_taken_again(data):
    report = submitted_sub(data)
    admin = data.users["county_admin"]
    with pytest.raises(LedgerInputError, match="comment"):
        transition_report(report, LedgerAction.RETURNED, by=admin, comment="  ")
    transition_report(report, LedgerAction.RETURNED, by=admin, comment="二号楼面积有误")
    assert report.status == LedgerStatus.RETURNED
    step = LedgerStep.objects.filter(report=report).last()
    assert (step.action, step.comment, step.by) == ("returned", "二号楼面积有误", admin)
    again = take_report(YEAR, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    assert again.pk == report.pk
    assert again.status == LedgerStatus.DRAFT
    transition_report(again, LedgerAction.SUBMITTED, by=data.users["officer"])
    assert again.status == LedgerStatus.SUBMITTED


def test_a_submitted_or_accepted_report_is_not_taken_again(data):
    report = submitted_sub(data)
    with pytest.raises(LedgerStateError):
        take_report(YEAR, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    transition_report(report, LedgerAction.ACCEPTED, by=data.users["county_admin"])
    with pytest.raises(LedgerStateError):
        take_report(YEAR, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    with pytest.raises(LedgerStateError):
        transition_report(report, LedgerAction.RETURNED, by=data.users["county_admin"], comment="x")


def test_a_future_year_and_a_master_ledger_of_an_ordinary_unit_are_refused(data):
    with pytest.raises(LedgerInputError):
        take_report(YEAR + 1, LedgerKind.SUB, data.bureau, by=data.users["officer"])
    with pytest.raises(LedgerInputError):
        take_report(YEAR, LedgerKind.MASTER, data.bureau, by=data.users["county_admin"])


def test_a_county_master_ledger_goes_to_the_city_or_the_province(data):
    admin = data.users["county_admin"]
    with pytest.raises(LedgerForbiddenError):
        take_report(YEAR, LedgerKind.MASTER, data.administration, by=data.users["officer"])
    master = take_report(YEAR, LedgerKind.MASTER, data.administration, by=admin)
    transition_report(master, LedgerAction.SUBMITTED, by=admin)
    for refused in ("county_admin", "wuhou_admin", "officer"):
        assert available_actions(data.users[refused], master) == []
    moves = [move.action for move in available_actions(data.users["city_admin"], master)]
    assert moves == [LedgerAction.ACCEPTED, LedgerAction.RETURNED]
    transition_report(master, LedgerAction.ACCEPTED, by=data.users["city_admin"])
    assert master.status == LedgerStatus.ACCEPTED


def test_a_city_master_ledger_goes_to_the_province_only(data):
    city_admin = data.users["city_admin"]
    administration = UnitFactory(division_code="510100", offices_administration=True)
    city_admin.unit = administration
    city_admin.save()
    master = take_report(YEAR, LedgerKind.MASTER, administration, by=city_admin)
    transition_report(master, LedgerAction.SUBMITTED, by=city_admin)
    other_city_admin = UserFactory(
        unit=UnitFactory(division_code="510100"), role=Role.DIVISION_ADMIN
    )
    with pytest.raises(LedgerForbiddenError):
        transition_report(master, LedgerAction.ACCEPTED, by=other_city_admin)
    transition_report(master, LedgerAction.ACCEPTED, by=data.users["province_admin"])
    assert master.status == LedgerStatus.ACCEPTED


def test_the_provinces_own_master_ledger_is_accepted_by_another_province_admin(data):
    first, second = data.users["province_admin"], data.users["province_admin_2"]
    administration = UnitFactory(division_code="510000", offices_administration=True)
    master = take_report(YEAR, LedgerKind.MASTER, administration, by=first)
    transition_report(master, LedgerAction.SUBMITTED, by=first)
    with pytest.raises(LedgerForbiddenError):
        transition_report(master, LedgerAction.ACCEPTED, by=first)
    transition_report(master, LedgerAction.ACCEPTED, by=second)
    assert master.status == LedgerStatus.ACCEPTED
