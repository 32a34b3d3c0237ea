"""A round's own moves: prepared and run by province administrators only; opening files one
return per division with units and prefills the bases from the registry; closing waits for the
cross-checks until the review deadline; publishing makes the year final."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from portal.buildings.models import Occupancy
from portal.costs.choices import CampaignStatus, ReturnAction, ReturnStatus
from portal.costs.exceptions import CostForbiddenError, CostInputError, CostStateError
from portal.costs.models import CostBasis, CostCampaign, CostReturn
from portal.costs.services import campaigns
from portal.costs.services.bases import headcount
from portal.fleet.choices import VehicleStatus
from portal.org.choices import DivisionLevel
from portal.org.models import AdminDivision
from tests.factories import BuildingFactory, UnitFactory, VehicleFactory, square
from tests.portal.costs.campaign_world import admin_of, make_world, unit_in
from tests.portal.costs.factories import BasisFactory, CampaignFactory

pytestmark = pytest.mark.django_db


def occupy(unit, area: str, **staff: int) -> Occupancy:
    building = BuildingFactory(managing_unit=unit)
    return Occupancy.objects.create(
        unit=unit, building=building, usable_area_m2=Decimal(area), staff_by_rank=staff
    )


def new_round(by, year: int = 2025) -> CostCampaign:
    return campaigns.create_campaign(
        year=year,
        title=f"{year}年度运行成本统计",
        fill_deadline=dt.date(year + 1, 3, 31),
        review_deadline=dt.date(year + 1, 4, 30),
        by=by,
    )


def test_only_province_administrators_prepare_and_open_rounds() -> None:
    city = admin_of("510100")
    with pytest.raises(CostForbiddenError):
        new_round(city)
    draft = new_round(admin_of("510000"))
    assert draft.status == CampaignStatus.DRAFT
    with pytest.raises(CostForbiddenError):
        campaigns.open_campaign(draft, by=city)


def test_a_second_round_for_a_year_and_inverted_deadlines_are_refused() -> None:
    prov = admin_of("510000")
    new_round(prov)
    with (
        translation.override("en"),
        pytest.raises(CostInputError, match="already a round for 2025"),
    ):
        new_round(prov)
    with pytest.raises(CostInputError):
        campaigns.create_campaign(
            year=2026,
            title="x",
            fill_deadline=dt.date(2027, 3, 1),
            review_deadline=dt.date(2027, 2, 1),
            by=prov,
        )


def test_opening_files_one_return_per_division_with_units() -> None:
    prov = admin_of("510000")
    unit_in("510104")
    unit_in("510104")
    unit_in("510700")
    opened = campaigns.open_campaign(new_round(prov), by=prov)
    assert opened.status == CampaignStatus.OPEN
    assert (opened.opened_by, opened.opened_at is not None) == (prov, True)
    codes = list(
        CostReturn.objects.filter(campaign=opened).values_list("division__code", flat=True)
    )
    assert codes == ["510000", "510104", "510700"]
    assert set(CostReturn.objects.values_list("status", flat=True)) == {ReturnStatus.NOT_STARTED}
    with pytest.raises(CostStateError):
        campaigns.open_campaign(opened, by=prov)


def test_a_round_covers_the_openers_province_only() -> None:
    # Chongqing's units are in the registry for the shared vehicle pool; they report to
    # Chongqing's administration, not to Sichuan's round.
    chongqing = AdminDivision.objects.create(
        code="500000", name="重庆市", level=DivisionLevel.PROVINCE, geom=square(106.5, 29.5, 1)
    )
    UnitFactory(division=chongqing, division_code="510104")
    unit_in("510104")
    prov = admin_of("510000")
    opened = campaigns.open_campaign(new_round(prov), by=prov)
    codes = set(opened.returns.values_list("division__code", flat=True))
    assert codes == {"510000", "510104"}


def test_opening_prefills_the_bases_from_the_registry_and_keeps_existing_ones() -> None:
    prov = admin_of("510000")
    occupied = unit_in("510104", staff_by_rank={"section_chief": 99})
    occupy(occupied, "300.50", section_chief=2, below_section=10)
    occupy(occupied, "99.50", deputy_section_chief="3", below_section=4)
    VehicleFactory(holder=occupied)
    VehicleFactory(holder=occupied, status=VehicleStatus.MAINTENANCE)
    VehicleFactory(holder=occupied, status=VehicleStatus.RETIRED)
    bare = unit_in("510107", staff_by_rank={"section_chief": 1, "below_section": 6})
    kept = unit_in("510700")
    BasisFactory(unit=kept, year=2025, usable_area_m2=Decimal("1.00"), staff=1, vehicles=0)
    campaigns.open_campaign(new_round(prov), by=prov)
    bases = {b.unit_id: (b.usable_area_m2, b.staff, b.vehicles) for b in CostBasis.objects.all()}
    assert bases[occupied.pk] == (Decimal("400.00"), 16, 2)
    assert bases[bare.pk] == (Decimal("0.00"), 7, 0)
    assert bases[kept.pk] == (Decimal("1.00"), 1, 0)


def test_headcount_ignores_what_is_not_a_count() -> None:
    assert headcount({"a": 2, "b": 3.0, "c": "4", "d": -1, "e": None}) == 5
    assert headcount(None) == 0


def cross_check_all(world) -> None:
    for code, _r in world.returns.items():
        if code == "510000":
            people = world.province
        else:
            reviewer = world.admins["510100"] if code in ("510104", "510107") else world.province[0]
            people = [world.admins[code], reviewer, world.province[1]]
        for action, user in zip(
            (ReturnAction.SUBMITTED, ReturnAction.REVIEWED, ReturnAction.CROSS_CHECKED),
            people,
            strict=True,
        ):
            campaigns.transition_return(world.ret(code), action, by=user)


def test_closing_waits_for_every_cross_check_before_the_review_deadline() -> None:
    world = make_world(review_deadline=dt.date(2099, 4, 30))
    prov = world.province[0]
    with translation.override("en"), pytest.raises(CostStateError, match="5 returns"):
        campaigns.close_campaign(world.campaign, by=prov)
    cross_check_all(world)
    closed = campaigns.close_campaign(world.campaign, by=prov)
    assert closed.status == CampaignStatus.CLOSED
    assert closed.closed_at is not None
    assert campaigns.incomplete_returns(closed) == []


def test_after_the_review_deadline_a_round_closes_with_its_incomplete_returns() -> None:
    world = make_world(fill_deadline=dt.date(2020, 3, 31), review_deadline=dt.date(2020, 4, 30))
    with pytest.raises(CostForbiddenError):
        campaigns.close_campaign(world.campaign, by=world.admins["510100"])
    closed = campaigns.close_campaign(world.campaign, by=world.province[0])
    assert closed.status == CampaignStatus.CLOSED
    left = [r.division.code for r in campaigns.incomplete_returns(closed)]
    assert left == ["510000", "510100", "510104", "510107", "510700"]
    event = CostCampaign.pgh_event_model.objects.filter(pgh_obj=closed).last()
    assert event.pgh_context.metadata["left_incomplete"] == left


def test_publishing_follows_closing() -> None:
    campaign = CampaignFactory(
        status=CampaignStatus.OPEN,
        review_deadline=dt.date(2020, 4, 30),
        fill_deadline=dt.date(2020, 3, 31),
    )
    prov = admin_of("510000")
    with pytest.raises(CostStateError):
        campaigns.publish_campaign(campaign, by=prov)
    campaigns.close_campaign(campaign, by=prov)
    published = campaigns.publish_campaign(campaign, by=prov)
    assert published.status == CampaignStatus.PUBLISHED
    assert published.published_at is not None
