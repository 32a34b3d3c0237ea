"""Saving a return's figures: the unit's whole set replaces the stored one, the rules (the
monthly/yearly mix, the unit's buildings, utilities' quantities, the fleet's records) name the
offending row, who may edit follows the level, and a refusal writes nothing."""

from decimal import Decimal

import pytest
from django.utils import translation

from portal.core.choices import Confidentiality
from portal.costs.choices import (
    CampaignStatus,
    CostCategory,
    CostSource,
    ReturnAction,
    ReturnStatus,
)
from portal.costs.exceptions import CostForbiddenError, CostInputError, CostStateError
from portal.costs.models import CostBasis, CostBudget, CostRecord, ReturnStep
from portal.costs.services.records import Basis, save_unit_figures
from tests.portal.costs.factories import BudgetFactory, CostRecordFactory
from tests.portal.costs.records_world import figures, line, make_world

pytestmark = pytest.mark.django_db

E, W, P = CostCategory.ELECTRICITY, CostCategory.WATER, CostCategory.PROPERTY


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return make_world()


def stored(unit):
    return {
        (r.building_id, r.month, r.category): (r.amount_yuan, r.quantity, r.source)
        for r in CostRecord.objects.filter(unit=unit)
    }


def test_first_save_writes_the_figures_and_starts_the_return(w):
    lines = [
        line(E, "1200.50", month=1, quantity=Decimal("1500"), building=w.occupied),
        line(E, "1100.00", month=2, quantity=Decimal("1400"), building=w.occupied),
        line(P, "36000", building=w.managed),
    ]
    save_unit_figures(w.ret(), [figures(w.unit, *lines)], by=w.admin)
    assert stored(w.unit) == {
        (w.occupied.pk, 1, E): (Decimal("1200.50"), Decimal("1500.00"), CostSource.FORM),
        (w.occupied.pk, 2, E): (Decimal("1100.00"), Decimal("1400.00"), CostSource.FORM),
        (w.managed.pk, None, P): (Decimal("36000.00"), None, CostSource.FORM),
    }
    assert set(CostRecord.objects.values_list("cost_return", flat=True)) == {w.cost_return.pk}
    assert w.ret().status == ReturnStatus.FILLING
    step = ReturnStep.objects.get(cost_return=w.cost_return)
    assert (step.action, step.from_status, step.to_status, step.by) == (
        ReturnAction.STARTED,
        ReturnStatus.NOT_STARTED,
        ReturnStatus.FILLING,
        w.admin,
    )


def test_amounts_are_rounded_half_up_to_the_fen(w):
    save_unit_figures(w.ret(), [figures(w.unit, line(P, "100.005"))], by=w.admin)
    assert CostRecord.objects.get().amount_yuan == Decimal("100.01")


def test_a_second_save_updates_keeps_and_deletes(w):
    first = [line(E, "10", month=1), line(E, "20", month=2), line(P, "30")]
    save_unit_figures(w.ret(), [figures(w.unit, *first)], by=w.admin)
    kept = CostRecord.objects.get(month=1).pk
    second = [line(E, "10", month=1), line(E, "25", month=2), line(W, "5", month=2)]
    save_unit_figures(w.ret(), [figures(w.unit, *second)], by=w.admin)
    assert {k: v[0] for k, v in stored(w.unit).items()} == {
        (None, 1, E): Decimal("10.00"),
        (None, 2, E): Decimal("25.00"),
        (None, 2, W): Decimal("5.00"),
    }
    assert CostRecord.objects.get(month=1, category=E).pk == kept
    assert ReturnStep.objects.count() == 1  # started once


def test_monthly_and_yearly_rows_of_one_building_and_category_are_refused(w):
    lines = [line(E, "10", month=3, where="line 1"), line(E, "120", where="line 2")]
    with pytest.raises(CostInputError, match="line 2 is a figure for the whole year, line 1"):
        save_unit_figures(w.ret(), [figures(w.unit, *lines)], by=w.admin)
    assert not CostRecord.objects.exists()


def test_monthly_and_yearly_rows_of_different_buildings_may_coexist(w):
    lines = [line(E, "10", month=3), line(E, "120", building=w.occupied)]
    save_unit_figures(w.ret(), [figures(w.unit, *lines)], by=w.admin)
    assert CostRecord.objects.count() == 2


def test_a_repeated_line_is_refused(w):
    lines = [line(P, "10", where="line 1"), line(P, "20", where="line 4")]
    with pytest.raises(CostInputError, match="line 4 repeats line 1"):
        save_unit_figures(w.ret(), [figures(w.unit, *lines)], by=w.admin)


def test_a_building_the_unit_neither_occupies_nor_manages_is_refused(w):
    bad = line(P, "10", building=w.foreign, where="line 2")
    with pytest.raises(CostInputError, match=r"line 2: .*neither occupies nor manages .*武侯大楼"):
        save_unit_figures(w.ret(), [figures(w.unit, bad)], by=w.admin)


def test_only_utilities_carry_a_quantity(w):
    bad = line(P, "10", quantity=Decimal("3"), where="line 5")
    with pytest.raises(CostInputError, match="line 5: only utilities carry a quantity"):
        save_unit_figures(w.ret(), [figures(w.unit, bad)], by=w.admin)


def test_a_month_out_of_range_and_a_negative_amount_are_refused(w):
    with pytest.raises(CostInputError, match="line 1: the month must be 1 to 12"):
        save_unit_figures(
            w.ret(), [figures(w.unit, line(P, "1", month=13, where="line 1"))], by=w.admin
        )
    with pytest.raises(CostInputError, match="line 2: figures cannot be negative"):
        save_unit_figures(w.ret(), [figures(w.unit, line(P, "-1", where="line 2"))], by=w.admin)


def test_a_fleet_record_cannot_be_overwritten_by_hand(w):
    CostRecordFactory(unit=w.unit, month=4, category=CostCategory.VEHICLES, source=CostSource.FLEET)
    bad = line(CostCategory.VEHICLES, "99", month=4, where="line 3")
    with pytest.raises(CostInputError, match=r"line 3: .*come from the fleet"):
        save_unit_figures(w.ret(), [figures(w.unit, bad)], by=w.admin)
    yearly = line(CostCategory.VEHICLES, "99", where="line 6")
    with pytest.raises(CostInputError, match="line 6 is a figure for the whole year, the record"):
        save_unit_figures(w.ret(), [figures(w.unit, yearly)], by=w.admin)


def test_a_save_leaves_the_fleet_records_alone(w):
    fleet = CostRecordFactory(
        unit=w.unit, month=4, category=CostCategory.VEHICLES, source=CostSource.FLEET
    )
    save_unit_figures(w.ret(), [figures(w.unit, line(P, "1"))], by=w.admin)
    assert CostRecord.objects.filter(pk=fleet.pk).exists()


def test_records_on_a_building_above_the_users_clearance_are_left_alone(w):
    w.managed.confidentiality = Confidentiality.SECRET
    w.managed.save()
    hidden = CostRecordFactory(unit=w.unit, building=w.managed, category=P)
    save_unit_figures(w.ret(), [figures(w.unit, line(E, "5"))], by=w.admin)
    assert CostRecord.objects.filter(pk=hidden.pk, amount_yuan=Decimal("10000.00")).exists()
    assert CostRecord.objects.count() == 2


def test_budgets_are_replaced_and_the_basis_written(w):
    BudgetFactory(unit=w.unit, category=CostCategory.RENT)
    unit_figures = figures(
        w.unit,
        budgets={P: Decimal("40000"), E: Decimal("15000.125")},
        basis=Basis(Decimal("812.5"), 41, 2),
    )
    save_unit_figures(w.ret(), [unit_figures], by=w.admin)
    assert dict(CostBudget.objects.values_list("category", "amount_yuan")) == {
        P: Decimal("40000.00"),
        E: Decimal("15000.13"),
    }
    basis = CostBasis.objects.get(unit=w.unit, year=2025)
    assert (basis.usable_area_m2, basis.staff, basis.vehicles) == (Decimal("812.50"), 41, 2)


def test_a_unit_officer_edits_his_own_unit_only(w):
    save_unit_figures(w.ret(), [figures(w.unit, line(P, "1"))], by=w.officer)
    with pytest.raises(CostForbiddenError, match="锦江区机关事务服务中心"):
        save_unit_figures(w.ret(), [figures(w.own_unit, line(P, "1"))], by=w.officer)


def test_another_countys_administrator_may_not_fill_this_return(w):
    with pytest.raises(CostForbiddenError):
        save_unit_figures(w.ret(), [figures(w.unit, line(P, "1"))], by=w.other_admin)


def test_a_unit_of_another_division_is_refused(w):
    with pytest.raises(CostInputError, match="武侯区测试局 does not belong"):
        save_unit_figures(w.ret(), [figures(w.other_unit, line(P, "1"))], by=w.admin)


@pytest.mark.parametrize(
    "status", [ReturnStatus.SUBMITTED, ReturnStatus.REVIEWED, ReturnStatus.CROSS_CHECKED]
)
def test_figures_of_a_return_under_review_cannot_change(w, status):
    w.cost_return.status = status
    w.cost_return.save()
    with pytest.raises(CostStateError):
        save_unit_figures(w.ret(), [figures(w.unit, line(P, "1"))], by=w.admin)


def test_figures_of_a_returned_return_can_change(w):
    w.cost_return.status = ReturnStatus.RETURNED
    w.cost_return.save()
    save_unit_figures(w.ret(), [figures(w.unit, line(P, "1"))], by=w.admin)
    assert w.ret().status == ReturnStatus.RETURNED


@pytest.mark.parametrize("status", [CampaignStatus.CLOSED, CampaignStatus.PUBLISHED])
def test_figures_of_a_round_not_open_cannot_change(w, status):
    w.cost_return.campaign.status = status
    w.cost_return.campaign.save()
    with pytest.raises(CostStateError, match="not open"):
        save_unit_figures(w.ret(), [figures(w.unit, line(P, "1"))], by=w.admin)


def test_a_refusal_for_one_unit_writes_nothing_for_the_others(w):
    good = figures(w.own_unit, line(P, "1"))
    bad = figures(w.unit, line(P, "1", quantity=Decimal("1")))
    with pytest.raises(CostInputError):
        save_unit_figures(w.ret(), [good, bad], by=w.admin)
    assert not CostRecord.objects.exists()
    assert w.ret().status == ReturnStatus.NOT_STARTED
