"""The demo's running costs, statistics rounds and office-space reports at the "tiny" scale
(one load shared by the module, rolled back at its end)."""

import statistics
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.test import override_settings
from django.utils import timezone

from portal.buildings.models import Building, Occupancy
from portal.costs.choices import UTILITIES, CampaignStatus, CostSource, ReturnStatus
from portal.costs.models import CostBasis, CostBudget, CostCampaign, CostRecord, CostReturn
from portal.costs.services.fleet_feed import monthly_vehicle_costs
from portal.demo.data import costs as data
from portal.demo.generators.accounts import ACCOUNTS
from portal.demo.services import load_demo
from portal.demo.synthetic import count_rows, delete_synthetic
from portal.fleet.models import Trip
from portal.ledgers import snapshot
from portal.ledgers.choices import LedgerKind, LedgerStatus
from portal.ledgers.diff import difference
from portal.ledgers.models import SpaceReport
from portal.org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=media),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield load_demo(scale="tiny", allow_outside_demo=True)
        transaction.set_rollback(True)


def reporting():
    """The demo units of Sichuan's rounds and ledgers (Chongqing's report to Chongqing)."""
    return Unit.objects.filter(synthetic=True, division__code__startswith=data.REPORTING_PROVINCE)


def test_chongqing_units_are_outside_sichuans_rounds_and_ledgers(tiny):
    chongqing = Unit.objects.filter(synthetic=True, division__code__startswith="50")
    assert chongqing.exists()
    assert not CostReturn.objects.filter(division__code__startswith="50").exists()
    assert not CostRecord.objects.filter(unit__in=chongqing).exists()
    assert not SpaceReport.objects.filter(unit__in=chongqing).exists()


def not_started_units() -> set[int]:
    codes = CostReturn.objects.filter(
        campaign__year=data.LAST_YEAR, status=ReturnStatus.NOT_STARTED
    ).values_list("division__code", flat=True)
    return set(Unit.objects.filter(division__code__in=codes).values_list("pk", flat=True))


def test_the_stages_run_after_what_they_read(tiny):
    names = [s.name for s in tiny.stages]
    assert names.index("costs") == names.index("fleet") + 1
    assert names.index("ledgers") == names.index("titles") + 1
    for label in ("costs.CostRecord", "costs.CostBudget", "costs.CostBasis", "costs.CostCampaign"):
        assert tiny.counts[label] > 0, label
    assert tiny.counts["ledgers.SpaceReport"] > 0


def test_ten_years_for_every_unit_and_synthetic(tiny):
    units = set(reporting().values_list("pk", flat=True))
    late = not_started_units()
    assert late, "the open round has returns not started"
    years = CostRecord.objects.filter(source=CostSource.FORM).values_list("unit", "year")
    seen = defaultdict(set)
    for unit, year in years.distinct():
        seen[unit].add(year)
    for unit in units:
        expected = set(data.YEARS) - ({data.LAST_YEAR} if unit in late else set())
        assert seen[unit] == expected, unit
    for model in (CostRecord, CostBudget, CostBasis, CostCampaign, CostReturn, SpaceReport):
        assert not model.objects.filter(synthetic=False).exists(), model


def test_utilities_are_monthly_with_quantities_at_plausible_prices(tiny):
    utilities = CostRecord.objects.filter(category__in=UTILITIES)
    assert not utilities.filter(quantity=None).exists()
    assert not utilities.filter(month=None, year__gte=data.MONTHLY_SINCE).exists()
    assert not utilities.filter(month__isnull=False, year__lt=data.MONTHLY_SINCE).exists()
    assert not CostRecord.objects.exclude(category__in=UTILITIES).exclude(quantity=None).exists()
    present = set(utilities.values_list("category", flat=True))
    # Heating only where offices are heated: the tiny scale has none of those prefectures.
    assert present == {"electricity", "water", "gas"}
    for category in present:
        first = data.PRICES[category]
        rows = utilities.filter(category=category, quantity__gt=10)
        for amount, quantity, year in rows.values_list("amount_yuan", "quantity", "year"):
            price = float(amount / quantity)
            top = first * (1 + data.PRICE_GROWTH) ** (year - data.FIRST_YEAR)
            assert first * 0.98 <= price <= top * 1.02, (category, price)


def test_never_monthly_and_whole_year_rows_for_one_figure(tiny):
    keys = CostRecord.objects.values("unit", "building", "year", "category")
    mixed = keys.annotate(
        months=Count("pk", filter=Q(month__isnull=False)),
        whole=Count("pk", filter=Q(month__isnull=True)),
    ).filter(months__gt=0, whole__gt=0)
    assert not mixed.exists()


def test_records_name_buildings_their_unit_occupies_or_manages(tiny):
    occupied = set(Occupancy.objects.values_list("unit", "building"))
    managed = set(Building.objects.values_list("managing_unit", "pk"))
    pairs = set(CostRecord.objects.exclude(building=None).values_list("unit", "building"))
    assert pairs
    assert pairs <= occupied | managed
    assert not CostRecord.objects.filter(category="vehicles").exclude(building=None).exists()


def totals(queryset) -> dict:
    """(unit, year) → Σ amount_yuan."""
    rows = queryset.values_list("unit", "year").annotate(total=Sum("amount_yuan")).order_by()
    return {(unit, year): total for unit, year, total in rows}


def test_budgets_are_executed_at_85_to_105_percent(tiny):
    actual = totals(CostRecord.objects.filter(year__in=data.YEARS))
    budget = totals(CostBudget.objects.all())
    assert actual
    for key, total in actual.items():
        assert Decimal("0.85") <= total / budget[key] <= Decimal("1.05"), key


def test_bases_drift_to_the_registry_figures(tiny):
    units = reporting()
    bases = CostBasis.objects.filter(year=data.LAST_YEAR)
    assert bases.count() == units.count()
    assert CostBasis.objects.count() == units.count() * len(data.YEARS)
    areas = dict(Occupancy.objects.values_list("unit").annotate(a=Sum("usable_area_m2")).order_by())
    for basis in bases.select_related("unit"):
        assert basis.usable_area_m2 == areas[basis.unit_id], basis.unit
        assert basis.staff == sum(basis.unit.staff_by_rank.values())
    first = CostBasis.objects.filter(year=data.FIRST_YEAR)
    assert first.exclude(usable_area_m2__in=[b.usable_area_m2 for b in bases]).exists()


def per_person(year: int) -> dict[tuple[str, str], list[tuple[int, Decimal]]]:
    """Per (level, kind): each unit's total per person in ``year``."""
    staff = dict(CostBasis.objects.filter(year=year).values_list("unit", "staff"))
    kinds = dict(
        (pk, (level, kind)) for pk, level, kind in Unit.objects.values_list("pk", "level", "kind")
    )
    groups = defaultdict(list)
    for (unit, _year), total in totals(CostRecord.objects.filter(year=year)).items():
        groups[kinds[unit]].append((unit, total / staff[unit]))
    return groups


def flagged(year: int) -> tuple[int, int, int]:
    """Units above 1.5 × and below 1/1.5 of their peer median per person, and units judged."""
    above = below = judged = 0
    for values in per_person(year).values():
        if len(values) < 5:
            continue
        median = statistics.median(v for _unit, v in values)
        judged += len(values)
        above += sum(1 for _unit, v in values if v > median * Decimal("1.5"))
        below += sum(1 for _unit, v in values if v < median / Decimal("1.5"))
    return above, below, judged


def test_deliberate_outliers_stand_out_and_the_others_do_not(tiny):
    above, below, judged = flagged(data.OUTLIER_SINCE + 1)
    assert above >= 1
    assert below >= 1
    assert (above + below) / judged < 0.2, (above, below, judged)
    before = flagged(data.FIRST_YEAR)
    assert before[1] < below  # the lean units appear with the deliberate outliers
    assert (before[0] + before[1]) / before[2] < 0.2, before


def test_vehicle_costs_of_the_fleet_months_come_from_the_fleet(tiny):
    fed = CostRecord.objects.filter(source=CostSource.FLEET)
    assert fed.exists()
    years = set(fed.values_list("year", flat=True))
    units = reporting().values_list("pk", flat=True)
    expected = monthly_vehicle_costs(units, years)
    stored = {(r.unit_id, r.year, r.month): r.amount_yuan for r in fed}
    assert stored == expected
    assert not fed.exclude(category="vehicles").exists()
    assert Trip.objects.count() > 0
    form = CostRecord.objects.filter(source=CostSource.FORM, category="vehicles")
    assert not set(form.values_list("unit", "year")) & set(fed.values_list("unit", "year"))


def chain_ok(cost_return: CostReturn) -> bool:
    """The steps lead from not started to the return's status, each from where the last left."""
    state = ReturnStatus.NOT_STARTED
    for step in cost_return.steps.all():
        if step.from_status != state:
            return False
        state = step.to_status
    return state == cost_return.status


def test_past_rounds_are_published_and_fully_cross_checked(tiny):
    past = CostCampaign.objects.filter(year__in=data.PUBLISHED_YEARS)
    assert past.count() == len(data.PUBLISHED_YEARS)
    assert set(past.values_list("status", flat=True)) == {CampaignStatus.PUBLISHED}
    codes = set(reporting().values_list("division__code", flat=True))
    for campaign in past:
        returns = campaign.returns.prefetch_related("steps")
        assert set(returns.values_list("division__code", flat=True)) == codes
        for cost_return in returns:
            assert cost_return.status == ReturnStatus.CROSS_CHECKED
            assert chain_ok(cost_return), cost_return
            people = {cost_return.submitted_by_id, cost_return.reviewed_by_id}
            assert cost_return.cross_checked_by_id not in people
            assert cost_return.submitted_at.date() <= campaign.fill_deadline
    resubmitted = CostReturn.objects.filter(steps__action="returned", campaign__in=past)
    assert resubmitted.exists()


def test_the_open_round_has_every_state_and_some_overdue(tiny):
    campaign = CostCampaign.objects.get(year=data.LAST_YEAR)
    assert campaign.status == CampaignStatus.OPEN
    assert campaign.fill_deadline < timezone.localdate() < campaign.review_deadline
    statuses = Counter(campaign.returns.values_list("status", flat=True))
    assert set(statuses) == set(ReturnStatus.values)
    assert statuses[ReturnStatus.RETURNED] == 1
    returned = campaign.returns.get(status=ReturnStatus.RETURNED)
    assert returned.steps.last().comment
    for cost_return in campaign.returns.prefetch_related("steps"):
        assert chain_ok(cost_return), cost_return
    editable = (ReturnStatus.NOT_STARTED, ReturnStatus.FILLING, ReturnStatus.RETURNED)
    assert campaign.returns.filter(status__in=editable).exists()  # overdue: filling closed
    county = campaign.returns.get(division__code="510107")
    assert county.status == ReturnStatus.FILLING
    assert (
        CostReturn.objects.get(campaign=campaign, division__code="510000").submitted_by.username
        == "province-admin"
    )


def test_records_belong_to_their_divisions_returns(tiny):
    mismatched = CostRecord.objects.exclude(cost_return=None).exclude(
        cost_return__division=F("unit__division")
    )
    assert not mismatched.exists()
    assert not CostRecord.objects.filter(year__in=data.YEARS, cost_return=None).exists()


def test_sub_ledgers_of_last_year_accepted_this_years_in_every_state(tiny):
    units = reporting()
    subs = SpaceReport.objects.filter(kind=LedgerKind.SUB)
    last = subs.filter(year=2024)
    assert last.count() == units.count()
    assert set(last.values_list("status", flat=True)) == {LedgerStatus.ACCEPTED}
    this = subs.filter(year=2025)
    assert this.count() == units.count()
    assert set(this.values_list("status", flat=True)) == set(LedgerStatus.values)
    officer = next(a for a in ACCOUNTS if a.username == "unit-officer")
    mine = this.get(unit__users__username=officer.username)
    assert mine.status == LedgerStatus.DRAFT
    for report in subs:
        assert report.totals == snapshot.sub_totals(report.rows)
        assert report.steps.count() >= 1
        assert report.steps.last().to_status == report.status


def test_master_ledgers_sum_their_units_and_the_difference_shows_changes(tiny):
    masters = SpaceReport.objects.filter(kind=LedgerKind.MASTER, year=2024)
    offices = reporting().filter(offices_administration=True)
    assert masters.count() == offices.count()
    for master in masters:
        assert master.status == LedgerStatus.ACCEPTED
        assert master.totals == snapshot.master_totals(master.rows)
        area = sum((Decimal(row["area_m2"]) for row in master.rows), Decimal(0))
        assert Decimal(master.totals["area_m2"]) == area
        assert not master.totals["missing"]
    draft = SpaceReport.objects.get(kind=LedgerKind.MASTER, year=2025)
    assert draft.status == LedgerStatus.DRAFT
    assert draft.division.code == "510107"
    assert draft.totals["missing"] >= 1
    diffs = [difference(r) for r in SpaceReport.objects.filter(kind=LedgerKind.SUB, year=2025)]
    assert any(d.changed for d in diffs)
    assert sum(1 for d in diffs if not d.empty) < len(diffs) / 2  # most units did not change


def test_a_reset_deletes_the_cost_and_ledger_rows(tiny):
    with transaction.atomic():
        delete_synthetic()
        counts = count_rows()
        for label in ("costs.CostRecord", "costs.CostCampaign", "ledgers.SpaceReport"):
            assert counts[label] == 0, label
        assert not CostReturn.objects.exists()
        assert not CostBasis.objects.exists()
        transaction.set_rollback(True)
