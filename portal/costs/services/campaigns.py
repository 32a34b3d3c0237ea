"""Writes of the statistics rounds: create, open (one return per division with units, bases
prefilled), close, publish; and the moves of a return with their history (ReturnStep). The
rules live in :mod:`portal.costs.workflow`; this module checks them on locked rows and applies
them."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.services import writing
from portal.costs import workflow
from portal.costs.choices import ReturnAction, ReturnStatus
from portal.costs.exceptions import CostForbiddenError, CostInputError, CostStateError
from portal.costs.models import CostCampaign, CostReturn, ReturnStep
from portal.costs.services.bases import prefill_bases
from portal.org.models import AdminDivision, Unit

if TYPE_CHECKING:
    from portal.org.models import User


def create_campaign(
    *,
    year: int,
    title: str,
    fill_deadline: datetime.date,
    review_deadline: datetime.date,
    instructions: str = "",
    by: User,
) -> CostCampaign:
    """A round in draft for ``year``; only province administrators prepare rounds."""
    if not workflow.runs_campaigns(by):
        raise CostForbiddenError(_("Only province administrators may prepare a round."))
    if review_deadline < fill_deadline:
        raise CostInputError(_("The review deadline cannot come before the filling deadline."))
    if not title.strip():
        raise CostInputError(_("Give the round a title."))
    try:
        with writing(by):
            return CostCampaign.objects.create(
                year=year,
                title=title.strip(),
                fill_deadline=fill_deadline,
                review_deadline=review_deadline,
                instructions=instructions,
            )
    except IntegrityError:
        raise CostInputError(_("There is already a round for %(year)s.") % {"year": year}) from None


def _lock_campaign(campaign: CostCampaign) -> CostCampaign:
    return CostCampaign.objects.select_for_update().get(pk=campaign.pk)


def _move_campaign(campaign: CostCampaign, name: str, by: User) -> CostCampaign:
    """Lock, check and apply the round's move ``name``; the caller's ``writing`` block holds."""
    move = workflow.CAMPAIGN_MOVES[name]
    locked = _lock_campaign(campaign)
    workflow.check_campaign_move(locked, move, by)
    locked.status = move.target
    return locked


def open_campaign(campaign: CostCampaign, *, by: User) -> CostCampaign:
    """Open the round: one return per division of the opener's province that has units
    (province, cities, counties), and each of their units' bases for the year prefilled from
    the registry when absent."""
    with writing(by):
        locked = _move_campaign(campaign, "open", by)
        locked.opened_by = by
        locked.opened_at = timezone.now()
        locked.save()
        divisions = AdminDivision.objects.filter(
            units__isnull=False, code__startswith=_province_prefix(by)
        ).distinct()
        CostReturn.objects.bulk_create(
            (CostReturn(campaign=locked, division=division) for division in divisions),
            ignore_conflicts=True,
        )
        prefill_bases(Unit.objects.filter(division__in=divisions), locked.year)
    return locked


def _province_prefix(user: User) -> str:
    """The code prefix of the opener's province: a round covers its own province only. The
    registry also holds Chongqing's units (for the shared vehicle pool), but they report to
    Chongqing's administration, not to Sichuan's round."""
    if user.unit is None:
        raise CostForbiddenError(_("Only an administrator of a province opens its rounds."))
    return user.unit.division.code[:2]


def incomplete_returns(campaign: CostCampaign) -> list[CostReturn]:
    """The round's returns not cross-checked (after closing: those it was closed without)."""
    return list(
        campaign.returns.exclude(status=ReturnStatus.CROSS_CHECKED).select_related("division")
    )


def close_campaign(campaign: CostCampaign, *, by: User) -> CostCampaign:
    """Close the round once every return is cross-checked, or, after the review deadline,
    with the returns left incomplete, which stay in their state (nobody acts on a closed
    round) and are named in the history's context."""
    with writing(by):
        locked = _move_campaign(campaign, "close", by)
        # Hold every return: a move under way finishes first and is counted, a later one
        # waits and then finds the round closed (see lock_return).
        list(CostReturn.objects.select_for_update().filter(campaign=locked).values_list("pk"))
        left = incomplete_returns(locked)
        if left and timezone.localdate() <= locked.review_deadline:
            raise CostStateError(
                _(
                    "“%(campaign)s” cannot close before its review deadline %(date)s: "
                    "%(count)s returns are not cross-checked yet (%(names)s)."
                )
                % {
                    "campaign": locked,
                    "date": locked.review_deadline.isoformat(),
                    "count": len(left),
                    "names": "、".join(r.division.name for r in left[:5]),
                }
            )
        locked.closed_at = timezone.now()
        with writing(by, left_incomplete=[r.division.code for r in left]):
            locked.save()
    return locked


def publish_campaign(campaign: CostCampaign, *, by: User) -> CostCampaign:
    """Publish a closed round: dashboards then treat its year as final."""
    with writing(by):
        locked = _move_campaign(campaign, "publish", by)
        locked.published_at = timezone.now()
        locked.save()
    return locked


def lock_return(cost_return: CostReturn) -> CostReturn:
    """The return under a row lock, its round read only once the lock is held: a close that
    held the round's returns meanwhile is seen committed, so nobody acts on a closed round."""
    locked = (
        CostReturn.objects.select_for_update(of=("self",))
        .select_related("division")
        .get(pk=cost_return.pk)
    )
    locked.campaign = CostCampaign.objects.get(pk=locked.campaign_id)
    return locked


def _stamp(locked: CostReturn, action: str, by: User) -> None:
    """Who did the move and when, on the return itself (the steps keep every move)."""
    now = timezone.now()
    if action == ReturnAction.SUBMITTED:
        locked.submitted_by, locked.submitted_at = by, now
    elif action == ReturnAction.REVIEWED:
        locked.reviewed_by, locked.reviewed_at = by, now
    elif action == ReturnAction.CROSS_CHECKED:
        locked.cross_checked_by, locked.cross_checked_at = by, now


def _step_comment(locked: CostReturn, action: str, comment: str) -> str:
    """A submission after the filling deadline is allowed but marked late in its step."""
    comment = comment.strip()
    if action == ReturnAction.SUBMITTED and timezone.localdate() > locked.campaign.fill_deadline:
        late = _("[Late: the filling deadline was %(date)s]") % {
            "date": locked.campaign.fill_deadline.isoformat()
        }
        return f"{late} {comment}".strip()
    return comment


def transition_return(
    cost_return: CostReturn, action: str, *, by: User, comment: str = ""
) -> CostReturn:
    """Move ``cost_return`` by ``action`` (a key of :data:`workflow.TRANSITIONS`) and write the
    step; raises a cost error naming the return when the move is not allowed."""
    transition = workflow.get_transition(action)
    with writing(by):
        locked = lock_return(cost_return)
        workflow.check_transition(locked, transition, by, comment)
        source = locked.status
        locked.status = transition.target
        _stamp(locked, action, by)
        locked.save()
        ReturnStep.objects.create(
            cost_return=locked,
            action=action,
            from_status=source,
            to_status=transition.target,
            by=by,
            comment=_step_comment(locked, action, comment),
        )
    return locked
