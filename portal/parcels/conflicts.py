"""The conflict register: detect title conflicts in PostGIS and keep them across runs.

A run derives the building↔parcel links, lets every detector of :mod:`portal.parcels.sql` fill
the run's working table, then merges it into the register in the same transaction: new
findings are opened, findings seen again keep their status (resolved ones reopen) and are
rewritten only when what they show changed, findings no longer seen are resolved by the run.
An advisory lock keeps two runs from interleaving. Officers resolve or accept findings with a
reason (:func:`resolve_finding`, :func:`accept_finding`); every change is in the history with
the acting user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pghistory
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gis.codes import FIXTURE_TYPES, OWNERSHIP_TYPES, PARCEL_TYPES
from portal.core.choices import Confidentiality
from portal.org.choices import Role
from portal.parcels import sql
from portal.parcels.choices import ConflictKind, FindingStatus, LinkStatus
from portal.parcels.exceptions import (
    FindingForbiddenError,
    FindingReasonError,
    FindingStateError,
)
from portal.parcels.links import derive_building_parcels
from portal.parcels.models import ConflictRun, Finding
from portal.parcels.tolerances import Tolerances

if TYPE_CHECKING:
    from portal.org.models import User

# GB/T 37346's 28 characters: county and cadastral zone digits, ownership and parcel type
# letters, parcel sequence, fixture type letter, fixture number (see gis.codes).
CODE_SHAPE = (
    f"^[0-9]{{12}}[{''.join(OWNERSHIP_TYPES)}][{''.join(PARCEL_TYPES)}][0-9]{{5}}"
    f"[{''.join(FIXTURE_TYPES)}][0-9]{{8}}$"
)
# Stored as the reason of a finding a run closed; pages show it translated (closed_run is set).
AUTO_CLOSE_REASON = "closed automatically by run #{run}"
DECIDERS = {Role.PROVINCE_ADMIN, Role.DIVISION_ADMIN}
COUNT_NAMES = ("found", "new", "reopened", "closed")


# -- detection ------------------------------------------------------------------------------


def detect_conflicts(
    *, by: User | None = None, tolerances: Tolerances | None = None
) -> ConflictRun:
    """Run every detector and merge what they find into the register, in one transaction.

    Returns the run, whose ``counts`` give per kind how many findings were ``found`` now, and
    how many of them are ``new`` or ``reopened``, and how many were ``closed``.
    """
    tolerances = tolerances or Tolerances.from_settings()
    with transaction.atomic(), pghistory.context(user=by.pk if by else None):
        sql.execute(sql.LOCK, {"lock": sql.LOCK_NAME})
        run = ConflictRun.objects.create(started_by=by, tolerances=tolerances.as_dict())
        with pghistory.context(conflict_run=run.pk, url="detect_conflicts"):
            derive_building_parcels()
            run.counts = _detect_and_merge(_params(run, tolerances))
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "finished_at"])
    return run


def _params(run: ConflictRun, tolerances: Tolerances) -> dict[str, Any]:
    return {
        **tolerances.as_dict(),
        "run": run.pk,
        "reason": AUTO_CLOSE_REASON.format(run=run.pk),
        "today": timezone.localdate(),
        "internal": Confidentiality.INTERNAL.value,
        "levels": list(Confidentiality.values),
        "code_shape": CODE_SHAPE,
        "confirmed": LinkStatus.CONFIRMED.value,
        "rejected": LinkStatus.REJECTED.value,
        "open": FindingStatus.OPEN.value,
        "resolved": FindingStatus.RESOLVED.value,
        "accepted": FindingStatus.ACCEPTED.value,
    }


def _detect_and_merge(params: dict[str, Any]) -> dict[str, dict[str, int]]:
    sql.execute(sql.DROP_WORK_TABLES)
    sql.execute(sql.HOME, params)
    sql.execute(sql.ANALYZE_HOME)
    sql.execute(sql.FOUND)
    for kind, detector in sql.DETECTORS.items():
        sql.detect(detector, {**params, "kind": kind})
    steps = (
        sql.counts(sql.COUNT_FOUND),
        sql.counts(sql.INSERT_NEW, params),
        sql.counts(sql.REFRESH, params),
        sql.counts(sql.CLOSE, params),
    )
    sql.execute(sql.DROP_WORK_TABLES)
    return {
        kind: {name: step.get(kind, 0) for name, step in zip(COUNT_NAMES, steps, strict=True)}
        for kind in ConflictKind.values
    }


def open_totals() -> dict[str, int]:
    """Open findings per kind in the whole register (zero for kinds without any)."""
    rows = Finding.objects.open().order_by().values_list("kind").annotate(n=Count("pk"))
    found = dict(rows)
    return {kind: found.get(kind, 0) for kind in ConflictKind.values}


# -- decisions ------------------------------------------------------------------------------

# The decisions possible from each status: resolved (the cause was fixed), accepted (the
# situation is known and tolerated, e.g. a shared courtyard).
_ALLOWED = {
    FindingStatus.RESOLVED: {FindingStatus.OPEN, FindingStatus.ACCEPTED},
    FindingStatus.ACCEPTED: {FindingStatus.OPEN},
}


def may_resolve(user: Any, finding: Finding) -> bool:
    """Whoever may edit the finding's responsible unit (and read it) may resolve it."""
    if not user.is_authenticated:
        return False
    return Finding.objects.editable_by(user).filter(pk=finding.pk).exists()


def may_accept(user: Any, finding: Finding) -> bool:
    """Accepting a conflict is an administrator's decision, within their scope."""
    decider = user.is_authenticated and (user.is_superuser or user.role in DECIDERS)
    return bool(decider) and may_resolve(user, finding)


def may_run(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.PROVINCE_ADMIN))


def resolve_finding(finding: Finding, reason: str, *, by: User) -> Finding:
    """Mark ``finding`` resolved: its cause was fixed, or it was a false alarm."""
    if not may_resolve(by, finding):
        raise FindingForbiddenError()
    return _decide(finding, FindingStatus.RESOLVED, reason, by=by)


def accept_finding(finding: Finding, reason: str, *, by: User) -> Finding:
    """Mark ``finding`` accepted: known and tolerated; re-runs keep it accepted."""
    if not may_accept(by, finding):
        raise FindingForbiddenError(
            _("Only a province or division administrator responsible for it may accept this.")
        )
    return _decide(finding, FindingStatus.ACCEPTED, reason, by=by)


def _decide(finding: Finding, status: FindingStatus, reason: str, *, by: User) -> Finding:
    text = (reason or "").strip()
    if not text:
        raise FindingReasonError()
    with transaction.atomic(), pghistory.context(user=by.pk):
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.status not in _ALLOWED[status]:
            raise FindingStateError()
        locked.status = status
        locked.reason = text
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.closed_run = None
        locked.save(
            update_fields=[
                "status",
                "reason",
                "decided_by",
                "decided_at",
                "closed_run",
                "updated_at",
            ]
        )
    return locked
