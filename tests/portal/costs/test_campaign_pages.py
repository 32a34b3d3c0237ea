"""The round and return pages: who sees which rounds and returns, the moves posted from them
with their refusals (status and message, nothing written), overdue and incomplete lists, the
return's units with their scoped totals and its history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.costs.choices import CampaignStatus, ReturnAction, ReturnStatus
from portal.costs.models import CostCampaign, CostReturn, ReturnStep
from portal.costs.services.campaigns import transition_return
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.costs.campaign_world import World, admin_of, make_world, unit_in
from tests.portal.costs.factories import CampaignFactory, CostRecordFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world() -> World:
    return make_world()


def page(client, user, name: str, *args, method: str = "get", **data):
    client.force_login(user)
    return getattr(client, method)(reverse(f"costs:{name}", args=args), data, **EN)


def test_a_draft_round_is_listed_for_province_administrators_only(client, world: World) -> None:
    draft = CampaignFactory(year=2026, status=CampaignStatus.DRAFT)
    listed = page(client, world.province[0], "campaign_list")
    assert draft in listed.context["campaigns"]
    assert b'id="campaign-new-link"' in listed.content
    city = page(client, world.admins["510100"], "campaign_list")
    assert list(city.context["campaigns"]) == [world.campaign]
    assert b'id="campaign-new-link"' not in city.content
    assert page(client, world.admins["510100"], "campaign_detail", draft.pk).status_code == 404


def test_a_province_administrator_prepares_a_round(client) -> None:
    prov = admin_of("510000")
    form = {"year": 2026, "title": "2026年度", "fill_deadline": "2027-03-31"}
    answer = page(
        client, prov, "campaign_create", method="post", review_deadline="2027-04-30", **form
    )
    created = CostCampaign.objects.get(year=2026)
    assert answer.status_code == 302
    assert answer.url == reverse("costs:campaign_detail", args=[created.pk])
    assert created.status == CampaignStatus.DRAFT
    again = page(
        client, prov, "campaign_create", method="post", review_deadline="2027-04-30", **form
    )
    assert again.status_code == 400
    inverted = page(
        client,
        prov,
        "campaign_create",
        method="post",
        review_deadline="2027-01-01",
        **{**form, "year": 2027},
    )
    assert inverted.status_code == 400
    assert not CostCampaign.objects.filter(year=2027).exists()


def test_others_cannot_prepare_a_round(client) -> None:
    answer = page(client, admin_of("510100"), "campaign_create")
    assert answer.status_code == 403
    assert b"Only province administrators" in answer.content


def test_opening_from_the_page_files_the_returns(client) -> None:
    prov = admin_of("510000")
    unit_in("510104")
    draft = CampaignFactory(status=CampaignStatus.DRAFT)
    refused = page(
        client, admin_of("510100"), "campaign_detail", draft.pk, method="post", action="open"
    )
    assert refused.status_code == 404
    answer = page(client, prov, "campaign_detail", draft.pk, method="post", action="open")
    assert answer.status_code == 302
    assert CostReturn.objects.filter(campaign=draft).count() == 3
    twice = page(client, prov, "campaign_detail", draft.pk, method="post", action="open")
    assert twice.status_code == 409
    assert b'id="campaign-error"' in twice.content
    unknown = page(client, prov, "campaign_detail", draft.pk, method="post", action="explode")
    assert unknown.status_code == 409


def test_a_city_administrator_cannot_close_the_round(client, world: World) -> None:
    answer = page(
        client,
        world.admins["510100"],
        "campaign_detail",
        world.campaign.pk,
        method="post",
        action="close",
    )
    assert answer.status_code == 403
    assert CostCampaign.objects.get(pk=world.campaign.pk).status == CampaignStatus.OPEN
    assert (
        b'id="campaign-close"'
        not in page(client, world.admins["510100"], "campaign_detail", world.campaign.pk).content
    )


def test_overdue_and_late_returns_are_shown(client) -> None:
    world = make_world(fill_deadline=dt.date(2020, 3, 31), review_deadline=dt.date(2099, 4, 30))
    transition_return(world.ret("510104"), ReturnAction.SUBMITTED, by=world.admins["510104"])
    answer = page(client, world.province[0], "campaign_detail", world.campaign.pk)
    overdue = [row["ret"].division.code for row in answer.context["overdue"]]
    assert overdue == ["510000", "510100", "510107", "510700"]
    assert b"not submitted by the filling deadline 2020-03-31" in answer.content
    assert b'data-late="1"' in answer.content
    detail = page(client, world.province[0], "return_detail", world.returns["510104"].pk)
    assert b'id="return-late"' in detail.content
    assert b"[Late: the filling deadline was 2020-03-31]" in detail.content


def test_a_closed_round_lists_the_returns_left_incomplete(client) -> None:
    world = make_world(fill_deadline=dt.date(2020, 3, 31), review_deadline=dt.date(2020, 4, 30))
    answer = page(
        client,
        world.province[0],
        "campaign_detail",
        world.campaign.pk,
        method="post",
        action="close",
    )
    assert answer.status_code == 302
    closed = page(client, world.province[0], "campaign_detail", world.campaign.pk)
    assert len(closed.context["incomplete"]) == 5
    assert closed.context["overdue"] == []
    assert b'id="campaign-incomplete"' in closed.content


def test_returns_of_other_counties_are_not_found(client, world: World) -> None:
    other = world.returns["510107"].pk
    assert page(client, world.admins["510104"], "return_detail", other).status_code == 404
    assert page(client, world.officer, "return_detail", other).status_code == 404
    assert page(client, world.admins["510100"], "return_detail", other).status_code == 200
    security = UserFactory(role=Role.SECURITY_ADMIN, unit=world.officer.unit)
    assert page(client, security, "return_detail", other).status_code == 404


def test_the_return_shows_its_units_totals_within_the_readers_scope(client, world: World) -> None:
    own, other = world.officer.unit, unit_in("510104")
    CostRecordFactory(unit=own, amount_yuan=Decimal("100.50"))
    CostRecordFactory(unit=own, amount_yuan=Decimal("0.25"), category="rent")
    CostRecordFactory(unit=other, amount_yuan=Decimal("7.00"))
    CostRecordFactory(unit=other, amount_yuan=Decimal("99.00"), year=2024)
    r = world.returns["510104"].pk
    admin = page(client, world.admins["510104"], "return_detail", r)
    totals = {row["unit"].pk: (row["total"], row["records"]) for row in admin.context["units"]}
    assert totals[own.pk] == (Decimal("100.75"), 2)
    assert totals[other.pk] == (Decimal("7.00"), 1)
    assert admin.context["grand_total"] == Decimal("107.75")
    assert b'id="return-fill-link"' in admin.content
    officer = page(client, world.officer, "return_detail", r)
    assert [row["unit"] for row in officer.context["units"]] == [own]
    assert officer.context["actions"] == []
    assert b'id="return-fill-link"' in officer.content
    city = page(client, world.admins["510100"], "return_detail", r)
    assert b'id="return-fill-link"' not in city.content


def test_moves_are_posted_from_the_return_page(client, world: World) -> None:
    r = world.returns["510104"].pk
    county, city = world.admins["510104"], world.admins["510100"]
    assert b'id="return-submitted"' in page(client, county, "return_detail", r).content
    assert (
        page(client, county, "return_detail", r, method="post", action="submitted").status_code
        == 302
    )
    refused = page(client, county, "return_detail", r, method="post", action="reviewed")
    assert refused.status_code == 403
    bare = page(client, city, "return_detail", r, method="post", action="returned", comment=" ")
    assert bare.status_code == 400
    assert b"needs a comment" in bare.content
    assert CostReturn.objects.get(pk=r).status == ReturnStatus.SUBMITTED
    back = page(
        client, city, "return_detail", r, method="post", action="returned", comment="缺电费"
    )
    assert back.status_code == 302
    shown = page(client, county, "return_detail", r)
    assert [s.action for s in shown.context["steps"]] == [
        ReturnAction.SUBMITTED,
        ReturnAction.RETURNED,
    ]
    assert "缺电费" in shown.content.decode()
    assert ReturnStep.objects.filter(cost_return_id=r).count() == 2
