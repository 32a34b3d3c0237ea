"""The title case workflow as data: which transitions exist, from where, for whom, needing what.

:data:`TRANSITIONS` is the whole rule book of the unified registration campaign
(办公用房权属统一登记). The services (:func:`portal.parcels.services.transition_case`) check a
move with :func:`check_transition` after locking the case, then apply it; the case page offers
what :func:`available_transitions` returns. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.org.choices import Role
from portal.parcels.choices import (
    CaseStatus,
    ReconciliationKind,
    ReconciliationResult,
    TitleStatus,
)
from portal.parcels.exceptions import CaseForbiddenError, CaseRequirementError, CaseStateError
from portal.parcels.models import TitleCase

if TYPE_CHECKING:
    from portal.org.models import User

Check = Callable[[TitleCase], None]

OFFICERS: Final = frozenset({Role.UNIT_OFFICER, Role.DIVISION_ADMIN, Role.PROVINCE_ADMIN})
# The level above the unit checks and submits: a unit officer cannot verify its own case.
ADMINISTRATORS: Final = frozenset({Role.DIVISION_ADMIN, Role.PROVINCE_ADMIN})
PROVINCE: Final = frozenset({Role.PROVINCE_ADMIN})

COMMENT: Final = gettext_lazy("comment")
# Labels of the details a transition asks for, used in the messages naming a missing one.
DETAIL_LABELS: Final[Mapping[str, Promise]] = {
    "certificate_number": gettext_lazy("certificate number"),
    "issue_date": gettext_lazy("issue date"),
    "certificate_area_m2": gettext_lazy("area on the certificate (m²)"),
    "real_estate_unit_code": gettext_lazy("real-estate unit code"),
    "holder": gettext_lazy("registered to"),
    "filing_reference": gettext_lazy("filing reference"),
    "exemption_reason": gettext_lazy("reason for exemption"),
    "approval_no": gettext_lazy("approval number"),
}

# What the parcel's title status becomes when its case reaches a status (exempt leaves it).
PARCEL_TITLE_STATUS: Final[Mapping[str, TitleStatus]] = {
    CaseStatus.COLLECTED: TitleStatus.IN_PROGRESS,
    CaseStatus.VERIFIED: TitleStatus.IN_PROGRESS,
    CaseStatus.SUBMITTED: TitleStatus.IN_PROGRESS,
    CaseStatus.DISPUTED: TitleStatus.DISPUTED,
    CaseStatus.REGISTERED: TitleStatus.REGISTERED,
    CaseStatus.FILED: TitleStatus.FILED,
}


def has_documents(case: TitleCase) -> None:
    if not case.documents.exists():
        raise CaseRequirementError(
            _("Upload at least one source document before marking the materials collected.")
        )


def reconciled(case: TitleCase) -> None:
    """All three checks recorded, each consistent and each with evidence; the first gap named."""
    recorded = {
        row.kind: row for row in case.reconciliations.annotate(evidence_count=Count("evidence"))
    }
    for kind in ReconciliationKind:
        row = recorded.get(kind.value)
        names = {"check": kind.label}
        if row is None:
            raise CaseRequirementError(_("The check “%(check)s” has not been recorded.") % names)
        if row.result != ReconciliationResult.CONSISTENT:
            raise CaseRequirementError(
                _("The check “%(check)s” found inconsistencies; settle them first.") % names
            )
        if not row.evidence_count:  # type: ignore[attr-defined]
            raise CaseRequirementError(_("The check “%(check)s” has no evidence document.") % names)


def has_parcel(case: TitleCase) -> None:
    if case.parcel_id is None:
        raise CaseRequirementError(
            _("Set the parcel the building stands on (confirm a building–parcel link) first.")
        )


@dataclass(frozen=True)
class Transition:
    """One move of the workflow: from ``sources`` to ``target``, by one of ``roles``.

    ``required`` and ``optional`` name the details the form asks for; ``comment_required``
    makes the remark mandatory (the reason for a dispute, how it was settled…); ``checks``
    read the case and raise :class:`CaseRequirementError` naming what is missing.
    """

    name: str
    label: Promise
    sources: tuple[CaseStatus, ...]
    target: CaseStatus
    roles: frozenset[str]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    comment_required: bool = False
    comment_label: Promise = COMMENT
    checks: tuple[Check, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


TRANSITIONS: Final[Mapping[str, Transition]] = {
    transition.name: transition
    for transition in (
        Transition(
            "collect",
            gettext_lazy("Mark the materials collected"),
            (CaseStatus.NOT_STARTED,),
            CaseStatus.COLLECTED,
            OFFICERS,
            checks=(has_documents,),
        ),
        Transition(
            "verify",
            gettext_lazy("Verify"),
            (CaseStatus.COLLECTED,),
            CaseStatus.VERIFIED,
            ADMINISTRATORS,
            checks=(reconciled,),
        ),
        Transition(
            "dispute",
            gettext_lazy("Record a dispute"),
            (CaseStatus.COLLECTED, CaseStatus.VERIFIED, CaseStatus.SUBMITTED),
            CaseStatus.DISPUTED,
            OFFICERS,
            comment_required=True,
            comment_label=gettext_lazy("reason for the dispute"),
        ),
        Transition(
            "settle",
            gettext_lazy("Settle the dispute"),
            (CaseStatus.DISPUTED,),
            CaseStatus.COLLECTED,
            ADMINISTRATORS,
            comment_required=True,
            comment_label=gettext_lazy("how the dispute was settled"),
        ),
        Transition(
            "submit",
            gettext_lazy("Submit for registration"),
            (CaseStatus.VERIFIED,),
            CaseStatus.SUBMITTED,
            ADMINISTRATORS,
            checks=(has_parcel,),
        ),
        Transition(
            "register",
            gettext_lazy("Record the registration"),
            (CaseStatus.SUBMITTED,),
            CaseStatus.REGISTERED,
            ADMINISTRATORS,
            required=("certificate_number", "issue_date", "certificate_area_m2"),
            optional=("real_estate_unit_code", "holder"),
        ),
        Transition(
            "file",
            gettext_lazy("Record a title filing"),
            (CaseStatus.SUBMITTED,),
            CaseStatus.FILED,
            ADMINISTRATORS,
            required=("filing_reference",),
            comment_required=True,
            comment_label=gettext_lazy("why no certificate is possible"),
        ),
        Transition(
            "exempt",
            gettext_lazy("Exempt (secret or security case)"),
            (CaseStatus.COLLECTED, CaseStatus.VERIFIED, CaseStatus.SUBMITTED, CaseStatus.DISPUTED),
            CaseStatus.EXEMPT,
            PROVINCE,
            required=("exemption_reason", "approval_no"),
        ),
    )
}


def get_transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise CaseStateError(_("There is no action “%(name)s”.") % {"name": name}) from None


def may_edit(case: TitleCase, user: User) -> bool:
    return TitleCase.objects.editable_by(user).filter(pk=case.pk).exists()


def check_allowed(case: TitleCase, transition: Transition, user: User) -> None:
    """Scope (403), state (409) and role (403), in that order."""
    if not may_edit(case, user):
        raise CaseForbiddenError(
            _("You may not change the title case of “%(building)s”.") % {"building": case}
        )
    if case.status not in transition.sources:
        raise CaseStateError(
            _("“%(action)s” is not possible while the case is “%(status)s”.")
            % {"action": transition.label, "status": case.get_status_display()}
        )
    if getattr(user, "role", None) not in transition.roles:
        roles = ", ".join(str(Role(role).label) for role in sorted(transition.roles))
        raise CaseForbiddenError(
            _("Only these roles may “%(action)s”: %(roles)s.")
            % {"action": transition.label, "roles": roles}
        )


def check_transition(
    case: TitleCase, transition: Transition, user: User, comment: str, details: Mapping[str, Any]
) -> None:
    """Everything a move needs; the case must be locked so that its status is current."""
    check_allowed(case, transition, user)
    if transition.comment_required and not comment.strip():
        raise CaseRequirementError(_("Fill in “%(field)s”.") % {"field": transition.comment_label})
    for name in transition.required:
        value = details.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise CaseRequirementError(_("Fill in “%(field)s”.") % {"field": DETAIL_LABELS[name]})
    for check in transition.checks:
        check(case)


def available_transitions(case: TitleCase, user: User) -> list[Transition]:
    """The moves ``user`` may try on ``case`` now (their requirements are checked on submit)."""
    candidates = [
        transition
        for transition in TRANSITIONS.values()
        if case.status in transition.sources and getattr(user, "role", None) in transition.roles
    ]
    if not candidates or not may_edit(case, user):
        return []
    return candidates
