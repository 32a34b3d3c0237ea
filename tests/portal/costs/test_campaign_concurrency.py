"""Moves of a return and the close of its round under concurrency: each request in its own
thread and connection (transactional tests). A move waiting on a close that holds the round's
returns sees the round closed once it gets the lock, and is refused; two submissions of one
return at once make one step, the other is told the return moved meanwhile."""

import datetime as dt

import pytest
from django.db import transaction

from portal.costs.choices import CampaignStatus, ReturnAction, ReturnStatus
from portal.costs.exceptions import CostStateError
from portal.costs.models import CostCampaign, CostReturn, ReturnStep
from portal.costs.services import campaigns
from tests.concurrency import Request, race, split
from tests.portal.costs.campaign_world import make_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_cross_check_waiting_on_the_close_is_refused_after_it():
    w = make_world(fill_deadline=dt.date(2020, 1, 31), review_deadline=dt.date(2020, 2, 29))
    CostReturn.objects.filter(pk=w.returns["510104"].pk).update(
        status=ReturnStatus.REVIEWED,
        submitted_by=w.admins["510104"],
        reviewed_by=w.admins["510100"],
    )
    cross_check = Request(
        lambda: campaigns.transition_return(
            w.ret("510104"), ReturnAction.CROSS_CHECKED, by=w.province[0]
        )
    )
    with transaction.atomic():
        campaigns.close_campaign(w.campaign, by=w.province[1])
        cross_check.start()
        assert cross_check.blocked()
    cross_check.join()
    assert isinstance(cross_check.outcome, CostStateError), cross_check.outcome
    assert "the round is not open" in cross_check.outcome.user_message
    assert CostCampaign.objects.get().status == CampaignStatus.CLOSED
    assert CostReturn.objects.get(pk=w.returns["510104"].pk).status == ReturnStatus.REVIEWED
    assert not ReturnStep.objects.exists()


def test_two_submissions_at_once_make_one_step():
    w = make_world()
    outcomes = race(
        *[
            lambda: campaigns.transition_return(
                w.ret("510104"), ReturnAction.SUBMITTED, by=w.admins["510104"]
            )
        ]
        * 2
    )
    _moved, refused = split(outcomes, CostReturn)
    assert isinstance(refused, CostStateError)
    assert ReturnStep.objects.filter(action=ReturnAction.SUBMITTED).count() == 1
