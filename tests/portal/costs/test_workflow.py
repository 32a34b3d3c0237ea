"""The return's rules by level: who fills, submits, reviews, cross-checks, returns and reopens,
and who may change figures; the moves through the service, with their steps."""

import datetime as dt

import pytest
from django.utils import translation

from portal.costs import workflow
from portal.costs.choices import CampaignStatus, ReturnAction, ReturnStatus
from portal.costs.exceptions import CostForbiddenError, CostInputError, CostStateError
from portal.costs.models import ReturnStep
from portal.costs.services.campaigns import transition_return
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.costs.campaign_world import World, make_world, unit_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def move(world: World, code: str, action: str, user, comment: str = ""):
    return transition_return(world.ret(code), action, by=user, comment=comment)


def test_a_county_return_goes_through_its_city_and_the_province(world: World) -> None:
    county, city, prov = world.admins["510104"], world.admins["510100"], world.province[0]
    move(world, "510104", ReturnAction.SUBMITTED, county)
    move(world, "510104", ReturnAction.REVIEWED, city)
    done = move(world, "510104", ReturnAction.CROSS_CHECKED, prov)
    assert done.status == ReturnStatus.CROSS_CHECKED
    assert (done.submitted_by, done.reviewed_by, done.cross_checked_by) == (county, city, prov)
    steps = list(
        ReturnStep.objects.filter(cost_return=done).values_list(
            "action", "from_status", "to_status", "by"
        )
    )
    assert steps == [
        (ReturnAction.SUBMITTED, ReturnStatus.FILLING, ReturnStatus.SUBMITTED, county.pk),
        (ReturnAction.REVIEWED, ReturnStatus.SUBMITTED, ReturnStatus.REVIEWED, city.pk),
        (ReturnAction.CROSS_CHECKED, ReturnStatus.REVIEWED, ReturnStatus.CROSS_CHECKED, prov.pk),
    ]


def test_only_the_divisions_own_administrator_submits(world: World) -> None:
    r = world.ret("510104")
    assert workflow.may_submit(world.admins["510104"], r)
    for user in (world.admins["510100"], world.admins["510107"], world.province[0], world.officer):
        assert not workflow.may_submit(user, r)
    with pytest.raises(CostForbiddenError):
        move(world, "510104", ReturnAction.SUBMITTED, world.officer)


def test_the_level_above_reviews_and_nobody_reviews_his_own_or_a_neighbour(world: World) -> None:
    move(world, "510104", ReturnAction.SUBMITTED, world.admins["510104"])
    r = world.ret("510104")
    assert workflow.may_review(world.admins["510100"], r)
    assert workflow.may_review(world.province[0], r)
    for user in (world.admins["510104"], world.admins["510107"], world.admins["510700"]):
        assert not workflow.may_review(user, r)
    move(world, "510100", ReturnAction.SUBMITTED, world.admins["510100"])
    city = world.ret("510100")
    assert workflow.may_review(world.province[0], city)
    assert not workflow.may_review(world.admins["510100"], city)
    assert not workflow.may_review(world.admins["510104"], city)


def test_the_cross_checker_is_neither_the_reviewer_nor_the_submitter(world: World) -> None:
    move(world, "510104", ReturnAction.SUBMITTED, world.admins["510104"])
    move(world, "510104", ReturnAction.REVIEWED, world.admins["510100"])
    r = world.ret("510104")
    assert not workflow.may_cross_check(world.admins["510100"], r)
    assert not workflow.may_cross_check(world.admins["510104"], r)
    assert workflow.may_cross_check(world.province[1], r)
    with pytest.raises(CostForbiddenError):
        move(world, "510104", ReturnAction.CROSS_CHECKED, world.admins["510100"])


def test_the_province_return_is_reviewed_by_another_province_administrator(world: World) -> None:
    first, second, third = world.province
    assert workflow.may_submit(first, world.ret("510000"))
    assert not workflow.may_submit(world.admins["510100"], world.ret("510000"))
    move(world, "510000", ReturnAction.SUBMITTED, first)
    assert not workflow.may_review(first, world.ret("510000"))
    assert not workflow.may_review(world.admins["510100"], world.ret("510000"))
    move(world, "510000", ReturnAction.REVIEWED, second)
    r = world.ret("510000")
    assert [workflow.may_cross_check(u, r) for u in world.province] == [False, False, True]
    assert move(world, "510000", ReturnAction.CROSS_CHECKED, third).status == (
        ReturnStatus.CROSS_CHECKED
    )


def test_returning_needs_a_comment_and_the_return_comes_back(world: World) -> None:
    county, city = world.admins["510104"], world.admins["510100"]
    move(world, "510104", ReturnAction.SUBMITTED, county)
    with translation.override("en"), pytest.raises(CostInputError, match="needs a comment"):
        move(world, "510104", ReturnAction.RETURNED, city, "  ")
    back = move(world, "510104", ReturnAction.RETURNED, city, "电费缺12月")
    assert back.status == ReturnStatus.RETURNED
    assert ReturnStep.objects.filter(cost_return=back).last().comment == "电费缺12月"
    assert move(world, "510104", ReturnAction.SUBMITTED, county).status == ReturnStatus.SUBMITTED


def test_the_cross_checker_may_return_a_reviewed_return_but_not_the_reviewer(world: World) -> None:
    move(world, "510104", ReturnAction.SUBMITTED, world.admins["510104"])
    move(world, "510104", ReturnAction.REVIEWED, world.admins["510100"])
    with pytest.raises(CostForbiddenError):
        move(world, "510104", ReturnAction.RETURNED, world.admins["510100"], "再看看")
    back = move(world, "510104", ReturnAction.RETURNED, world.province[0], "面积不符")
    assert back.status == ReturnStatus.RETURNED


def test_a_province_administrator_reopens_a_cross_checked_return(world: World) -> None:
    move(world, "510104", ReturnAction.SUBMITTED, world.admins["510104"])
    move(world, "510104", ReturnAction.REVIEWED, world.admins["510100"])
    move(world, "510104", ReturnAction.CROSS_CHECKED, world.province[0])
    with pytest.raises(CostForbiddenError):
        move(world, "510104", ReturnAction.REOPENED, world.admins["510100"], "重开")
    with pytest.raises(CostInputError):
        move(world, "510104", ReturnAction.REOPENED, world.province[1], "")
    assert move(world, "510104", ReturnAction.REOPENED, world.province[1], "重开").status == (
        ReturnStatus.RETURNED
    )


def test_a_move_from_the_wrong_state_is_refused(world: World) -> None:
    with pytest.raises(CostStateError):
        move(world, "510104", ReturnAction.REVIEWED, world.admins["510100"])
    with pytest.raises(CostStateError):
        move(world, "510104", "approve", world.admins["510100"])


@pytest.mark.parametrize("status", [CampaignStatus.DRAFT, CampaignStatus.CLOSED])
def test_nobody_acts_on_a_return_of_a_round_that_is_not_open(world: World, status) -> None:
    world.campaign.status = status
    world.campaign.save()
    assert not workflow.may_submit(world.admins["510104"], world.ret("510104"))
    assert workflow.available_actions(world.admins["510104"], world.ret("510104")) == []
    with pytest.raises(CostStateError):
        move(world, "510104", ReturnAction.SUBMITTED, world.admins["510104"])


def test_figures_are_changed_by_the_filer_and_the_units_own_officer_only(world: World) -> None:
    r = world.ret("510104")
    own, other = world.officer.unit, unit_in("510104")
    assert workflow.may_edit_figures(world.officer, r, own)
    assert not workflow.may_edit_figures(world.officer, r, other)
    assert workflow.may_edit_figures(world.admins["510104"], r, other)
    assert not workflow.may_edit_figures(world.admins["510100"], r, other)
    assert not workflow.may_edit_figures(world.province[0], r, other)
    viewer = UserFactory(role=Role.VIEWER, unit=own)
    assert not workflow.may_edit_figures(viewer, r, own)
    assert not workflow.may_edit_figures(world.admins["510107"], r, unit_in("510107"))


def test_figures_freeze_once_submitted_and_when_the_round_closes(world: World) -> None:
    own = world.officer.unit
    move(world, "510104", ReturnAction.SUBMITTED, world.admins["510104"])
    assert not workflow.may_edit_figures(world.admins["510104"], world.ret("510104"), own)
    move(world, "510104", ReturnAction.RETURNED, world.admins["510100"], "补充")
    assert workflow.may_edit_figures(world.officer, world.ret("510104"), own)
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    assert not workflow.may_edit_figures(world.officer, world.ret("510104"), own)


def test_available_actions_follow_state_and_person(world: World) -> None:
    def names(user, code: str) -> list[str]:
        return [str(t.name) for t in workflow.available_actions(user, world.ret(code))]

    assert names(world.admins["510104"], "510104") == [ReturnAction.SUBMITTED]
    assert names(world.admins["510100"], "510104") == []
    move(world, "510104", ReturnAction.SUBMITTED, world.admins["510104"])
    assert names(world.admins["510100"], "510104") == [ReturnAction.REVIEWED, ReturnAction.RETURNED]
    assert names(world.officer, "510104") == []


def test_a_late_submission_is_allowed_and_marked(world: World) -> None:
    world.campaign.fill_deadline = dt.date(2020, 1, 31)
    world.campaign.review_deadline = dt.date(2020, 2, 28)
    world.campaign.save()
    with translation.override("en"):
        done = move(world, "510104", ReturnAction.SUBMITTED, world.admins["510104"], "补报")
    step = ReturnStep.objects.get(cost_return=done)
    assert step.comment == "[Late: the filling deadline was 2020-01-31] 补报"
    assert workflow.is_late(done)
    today = dt.date(2020, 3, 1)
    with translation.override("en"):
        assert workflow.overdue_reason(world.ret("510107"), today).startswith("not submitted")
        assert workflow.overdue_reason(done, today).startswith("not cross-checked")
        assert workflow.overdue_reason(done, dt.date(2020, 2, 1)) == ""


def test_filling_starts_by_someone_who_may_change_figures(world: World) -> None:
    r = world.ret("510107")
    r.status = ReturnStatus.NOT_STARTED
    r.save()
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit_in("510107"))
    with pytest.raises(CostForbiddenError):
        move(world, "510107", ReturnAction.STARTED, world.officer)
    assert move(world, "510107", ReturnAction.STARTED, officer).status == ReturnStatus.FILLING
    with pytest.raises(CostStateError):
        move(world, "510107", ReturnAction.STARTED, officer)
    assert workflow.available_actions(world.admins["510107"], world.ret("510107"))[0].name == (
        ReturnAction.SUBMITTED
    )


def test_year_is_final_only_when_published(world: World) -> None:
    assert not workflow.year_is_final(2025)
    world.campaign.status = CampaignStatus.PUBLISHED
    world.campaign.save()
    assert workflow.year_is_final(2025)
