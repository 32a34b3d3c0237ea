"""The statistics round's workflow as data: who moves a return from which state to which.

:data:`TRANSITIONS` is the rule book of a return (统计报表): the division fills and submits it,
the level above reviews it, a second reviewer cross-checks it, and a province administrator may
reopen a cross-checked one while the round is open. :data:`CAMPAIGN_MOVES` is the round's own
(draft → open → closed → published, province administrators only). The services
(:mod:`portal.costs.services.campaigns`) check a move with :func:`check_transition` after locking
the return; the pages offer what :func:`available_actions` returns; the records' services ask
:func:`may_edit_figures` before changing a figure. Nothing here writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.costs.choices import (
    EDITABLE_RETURN_STATUSES,
    CampaignStatus,
    ReturnAction,
    ReturnStatus,
)
from portal.costs.exceptions import CostForbiddenError, CostInputError, CostStateError
from portal.costs.models import CostCampaign
from portal.org.choices import DivisionLevel, Role
from portal.org.scoping import Reach, edit_scope

if TYPE_CHECKING:
    from portal.costs.models import CostReturn
    from portal.org.models import Unit, User

Eligible = Callable[["User", "CostReturn"], bool]


def runs_campaigns(user: User) -> bool:
    """Province administrators create, open, close and publish rounds."""
    return getattr(user, "role", None) == Role.PROVINCE_ADMIN and (
        edit_scope(user).reach is Reach.ALL
    )


def is_filer(user: User, cost_return: CostReturn) -> bool:
    """The division's own administrator fills and submits its return; the province's return is
    filled by a province administrator."""
    if edit_scope(user).reach is Reach.NONE:
        return False
    if user.role == Role.PROVINCE_ADMIN:
        return cost_return.division.level == DivisionLevel.PROVINCE
    return user.role == Role.DIVISION_ADMIN and user.unit.division_id == cost_return.division_id


def is_reviewer(user: User, cost_return: CostReturn) -> bool:
    """The level above: an administrator whose edit scope covers the return's division from
    another division. The province's return has no level above, so another province
    administrator than the one who submitted it reviews it."""
    if user.role not in (Role.PROVINCE_ADMIN, Role.DIVISION_ADMIN):
        return False
    scope = edit_scope(user)
    if cost_return.division.level == DivisionLevel.PROVINCE:
        return scope.reach is Reach.ALL and user.pk != cost_return.submitted_by_id
    if scope.reach is Reach.ALL:
        return user.unit is None or user.unit.division_id != cost_return.division_id
    return (
        scope.reach is Reach.DIVISION
        and cost_return.division.code.startswith(scope.prefix)
        and user.unit.division_id != cost_return.division_id
    )


def is_cross_checker(user: User, cost_return: CostReturn) -> bool:
    """A second pair of eyes: eligible to review, but neither the reviewer nor the submitter."""
    return is_reviewer(user, cost_return) and user.pk not in (
        cost_return.reviewed_by_id,
        cost_return.submitted_by_id,
    )


def _returns(user: User, cost_return: CostReturn) -> bool:
    """A submitted return goes back from its reviewer; a reviewed one from its cross-checker."""
    if cost_return.status == ReturnStatus.REVIEWED:
        return is_cross_checker(user, cost_return)
    return is_reviewer(user, cost_return)


def _reopens(user: User, cost_return: CostReturn) -> bool:
    return runs_campaigns(user)


def may_edit_figures(user: User, cost_return: CostReturn, unit: Unit) -> bool:
    """Whether ``user`` may change ``unit``'s figures in ``cost_return`` now: the round open,
    the return in an editable state, the unit one of the return's, and the user its division's
    filer or an officer of that very unit."""
    if cost_return.campaign.status != CampaignStatus.OPEN:
        return False
    if cost_return.status not in EDITABLE_RETURN_STATUSES:
        return False
    if unit.division_id != cost_return.division_id:
        return False
    if is_filer(user, cost_return):
        return True
    return user.role == Role.UNIT_OFFICER and edit_scope(user).allows(unit)


@dataclass(frozen=True)
class Transition:
    """One move of a return: from ``sources`` to ``target`` for whom ``eligible`` admits."""

    name: ReturnAction
    label: Promise
    sources: tuple[ReturnStatus, ...]
    target: ReturnStatus
    eligible: Eligible
    comment_required: bool = False
    # Offered as a button on the return's page; the start of filling happens on the first save.
    offered: bool = True


TRANSITIONS: Final[Mapping[str, Transition]] = {
    str(transition.name): transition
    for transition in (
        Transition(
            ReturnAction.STARTED,
            gettext_lazy("Start filling"),
            (ReturnStatus.NOT_STARTED,),
            ReturnStatus.FILLING,
            lambda user, r: any(may_edit_figures(user, r, unit) for unit in r.division.units.all()),
            offered=False,
        ),
        Transition(
            ReturnAction.SUBMITTED,
            gettext_lazy("Submit for review"),
            (ReturnStatus.FILLING, ReturnStatus.RETURNED),
            ReturnStatus.SUBMITTED,
            is_filer,
        ),
        Transition(
            ReturnAction.REVIEWED,
            gettext_lazy("Accept after review"),
            (ReturnStatus.SUBMITTED,),
            ReturnStatus.REVIEWED,
            is_reviewer,
        ),
        Transition(
            ReturnAction.RETURNED,
            gettext_lazy("Return with comments"),
            (ReturnStatus.SUBMITTED, ReturnStatus.REVIEWED),
            ReturnStatus.RETURNED,
            _returns,
            comment_required=True,
        ),
        Transition(
            ReturnAction.CROSS_CHECKED,
            gettext_lazy("Confirm the cross-check"),
            (ReturnStatus.REVIEWED,),
            ReturnStatus.CROSS_CHECKED,
            is_cross_checker,
        ),
        Transition(
            ReturnAction.REOPENED,
            gettext_lazy("Reopen"),
            (ReturnStatus.CROSS_CHECKED,),
            ReturnStatus.RETURNED,
            _reopens,
            comment_required=True,
        ),
    )
}


def get_transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise CostStateError(_("There is no action “%(name)s”.") % {"name": name}) from None


def check_transition(
    cost_return: CostReturn, transition: Transition, user: User, comment: str
) -> None:
    """Round state and return state (409), then who (403), then the comment (400); the return
    must be locked so that its status is current."""
    names = {"action": transition.label, "return": cost_return}
    if cost_return.campaign.status != CampaignStatus.OPEN:
        raise CostStateError(
            _("“%(action)s” is not possible on “%(return)s”: the round is not open.") % names
        )
    if cost_return.status not in transition.sources:
        raise CostStateError(
            _("“%(action)s” is not possible on “%(return)s” while it is “%(status)s”.")
            % {**names, "status": cost_return.get_status_display()}
        )
    if not transition.eligible(user, cost_return):
        raise CostForbiddenError(_("You may not “%(action)s” on “%(return)s”.") % names)
    if transition.comment_required and not comment.strip():
        raise CostInputError(_("“%(action)s” on “%(return)s” needs a comment saying why.") % names)


def _may(name: str, user: User, cost_return: CostReturn) -> bool:
    transition = TRANSITIONS[name]
    return (
        cost_return.campaign.status == CampaignStatus.OPEN
        and cost_return.status in transition.sources
        and transition.eligible(user, cost_return)
    )


def may_submit(user: User, cost_return: CostReturn) -> bool:
    return _may(ReturnAction.SUBMITTED, user, cost_return)


def may_review(user: User, cost_return: CostReturn) -> bool:
    return _may(ReturnAction.REVIEWED, user, cost_return)


def may_cross_check(user: User, cost_return: CostReturn) -> bool:
    return _may(ReturnAction.CROSS_CHECKED, user, cost_return)


def available_actions(user: User, cost_return: CostReturn) -> list[Transition]:
    """The moves ``user`` may make on ``cost_return`` now, as the page offers them."""
    return [t for t in TRANSITIONS.values() if t.offered and _may(str(t.name), user, cost_return)]


@dataclass(frozen=True)
class CampaignMove:
    """One move of a round: from ``source`` to ``target``, by a province administrator."""

    name: str
    label: Promise
    source: CampaignStatus
    target: CampaignStatus


CAMPAIGN_MOVES: Final[Mapping[str, CampaignMove]] = {
    move.name: move
    for move in (
        CampaignMove(
            "open", gettext_lazy("Open the round"), CampaignStatus.DRAFT, CampaignStatus.OPEN
        ),
        CampaignMove(
            "close", gettext_lazy("Close the round"), CampaignStatus.OPEN, CampaignStatus.CLOSED
        ),
        CampaignMove(
            "publish",
            gettext_lazy("Publish the results"),
            CampaignStatus.CLOSED,
            CampaignStatus.PUBLISHED,
        ),
    )
}


def check_campaign_move(campaign: CostCampaign, move: CampaignMove, user: User) -> None:
    names = {"action": move.label, "campaign": campaign}
    if not runs_campaigns(user):
        raise CostForbiddenError(
            _("Only province administrators may “%(action)s” (%(campaign)s).") % names
        )
    if campaign.status != move.source:
        raise CostStateError(
            _("“%(action)s” is not possible while “%(campaign)s” is “%(status)s”.")
            % {**names, "status": campaign.get_status_display()}
        )


def available_campaign_moves(user: User, campaign: CostCampaign) -> list[CampaignMove]:
    if not runs_campaigns(user):
        return []
    return [move for move in CAMPAIGN_MOVES.values() if move.source == campaign.status]


# Returns never handed in (a returned one was, and then counts against the review deadline).
_UNSUBMITTED: Final = (ReturnStatus.NOT_STARTED, ReturnStatus.FILLING)


def overdue_reason(cost_return: CostReturn, today: datetime.date) -> str:
    """Why ``cost_return`` is overdue on ``today`` ("" when it is not): not submitted after the
    filling deadline, or not cross-checked after the review deadline."""
    campaign = cost_return.campaign
    if cost_return.status in _UNSUBMITTED and today > campaign.fill_deadline:
        return _("not submitted by the filling deadline %(date)s") % {
            "date": campaign.fill_deadline.isoformat()
        }
    if cost_return.status != ReturnStatus.CROSS_CHECKED and today > campaign.review_deadline:
        return _("not cross-checked by the review deadline %(date)s") % {
            "date": campaign.review_deadline.isoformat()
        }
    return ""


def is_late(cost_return: CostReturn) -> bool:
    """Whether the return was last submitted after the filling deadline (Asia/Shanghai)."""
    submitted = cost_return.submitted_at
    return submitted is not None and (
        timezone.localdate(submitted) > cost_return.campaign.fill_deadline
    )


def year_is_final(year: int) -> bool:
    """Whether the figures of ``year`` are final (its round published) or provisional."""
    return CostCampaign.objects.filter(year=year, status=CampaignStatus.PUBLISHED).exists()
