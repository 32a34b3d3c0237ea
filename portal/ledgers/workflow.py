"""Who may do what to an annual office-space report: the rules as data. Nothing here writes.

A report goes up one level. The **filer** takes the snapshot and submits it: for a sub-ledger a
writer whose own unit is the report's unit (its officer; an administrator for his own unit);
for a master ledger the administrator of the administration's division (a province
administrator for the province's). The **reviewer** accepts it or returns it with a comment:
for a sub-ledger the division administrator of the unit's division or a province administrator;
for a master ledger the level above (a city's administrator for a county, a province
administrator for a city or a county, another province administrator for the province's own).
Nobody reviews a report he took or submitted himself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from portal.ledgers.choices import LedgerAction, LedgerKind, LedgerStatus
from portal.ledgers.exceptions import LedgerForbiddenError, LedgerInputError, LedgerStateError
from portal.org.choices import DivisionLevel, Role

if TYPE_CHECKING:
    from portal.ledgers.models import SpaceReport
    from portal.org.models import AdminDivision, Unit, User

WRITERS: Final = frozenset({Role.PROVINCE_ADMIN, Role.DIVISION_ADMIN, Role.UNIT_OFFICER})
# A snapshot may be taken again only before it goes up, or after it came back.
RETAKE_STATUSES: Final = frozenset({LedgerStatus.DRAFT, LedgerStatus.RETURNED})


@dataclass(frozen=True)
class Transition:
    action: LedgerAction
    sources: frozenset[LedgerStatus]
    target: LedgerStatus
    who: str  # "filer" or "reviewer"
    comment_required: bool
    button: Promise


TRANSITIONS: Final[Mapping[str, Transition]] = {
    LedgerAction.SUBMITTED: Transition(
        LedgerAction.SUBMITTED,
        RETAKE_STATUSES,
        LedgerStatus.SUBMITTED,
        "filer",
        False,
        pgettext_lazy("ledger button", "Submit for review"),
    ),
    LedgerAction.ACCEPTED: Transition(
        LedgerAction.ACCEPTED,
        frozenset({LedgerStatus.SUBMITTED}),
        LedgerStatus.ACCEPTED,
        "reviewer",
        False,
        pgettext_lazy("ledger button", "Accept"),
    ),
    LedgerAction.RETURNED: Transition(
        LedgerAction.RETURNED,
        frozenset({LedgerStatus.SUBMITTED}),
        LedgerStatus.RETURNED,
        "reviewer",
        True,
        pgettext_lazy("ledger button", "Return with comments"),
    ),
}


def _own_division(user: User, division: AdminDivision) -> bool:
    return user.unit is not None and user.unit.division_id == division.pk


def _writer(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in WRITERS)


def may_file(user: User, kind: str, unit: Unit) -> bool:
    """Whether ``user`` takes and submits the report of ``kind`` kept by ``unit``."""
    if not _writer(user):
        return False
    if kind == LedgerKind.SUB:
        return user.unit_id == unit.pk
    if not unit.offices_administration:
        return False
    if unit.division.level == DivisionLevel.PROVINCE:
        return user.role == Role.PROVINCE_ADMIN and _own_division(user, unit.division)
    return user.role == Role.DIVISION_ADMIN and _own_division(user, unit.division)


def _above(user: User, division: AdminDivision) -> bool:
    """A province administrator, or the city administrator over a county."""
    if user.role == Role.PROVINCE_ADMIN:
        return True
    parent = division.parent
    return (
        user.role == Role.DIVISION_ADMIN
        and division.level == DivisionLevel.COUNTY
        and parent is not None
        and _own_division(user, parent)
    )


def may_review(user: User, report: SpaceReport) -> bool:
    """Whether ``user`` accepts or returns ``report`` (never one he took or submitted)."""
    if not _writer(user) or user.pk in (report.submitted_by_id, report.taken_by_id):
        return False
    if report.kind == LedgerKind.SUB:
        division = report.unit.division
        if user.role == Role.PROVINCE_ADMIN:
            return True
        return user.role == Role.DIVISION_ADMIN and _own_division(user, division)
    return _above(user, report.division)


CHECKS: Final[Mapping[str, Callable[[User, SpaceReport], bool]]] = {
    "filer": lambda user, report: may_file(user, report.kind, report.unit),
    "reviewer": may_review,
}


def available_actions(user: User, report: SpaceReport) -> list[Transition]:
    """The moves ``user`` may make on ``report`` now, in the order of :data:`TRANSITIONS`."""
    return [
        move
        for move in TRANSITIONS.values()
        if report.status in move.sources and CHECKS[move.who](user, report)
    ]


def may_retake(user: User, report: SpaceReport) -> bool:
    return report.status in RETAKE_STATUSES and may_file(user, report.kind, report.unit)


def check_transition(user: User, report: SpaceReport, action: str, comment: str) -> Transition:
    """The transition ``action`` if ``user`` may make it now, else the error saying why."""
    move = TRANSITIONS.get(action)
    if move is None:
        raise LedgerInputError(_("Unknown action “%(action)s”.") % {"action": action})
    if report.status not in move.sources:
        raise LedgerStateError(
            _("Report %(report)s is %(status)s: it cannot be %(action)s now.")
            % {
                "report": report,
                "status": report.get_status_display(),
                "action": move.action.label,
            }
        )
    if not CHECKS[move.who](user, report):
        raise LedgerForbiddenError(
            _("You may not do “%(action)s” on report %(report)s.")
            % {"action": move.action.label, "report": report}
        )
    if move.comment_required and not comment.strip():
        raise LedgerInputError(
            _("Report %(report)s: the comment is required when it is returned.")
            % {"report": report}
        )
    return move
