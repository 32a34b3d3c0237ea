"""Writes of the annual office-space reports: take (or take again) a snapshot, and move a
report through its review. Each runs inside :func:`portal.core.services.writing`, checks the
rules of :mod:`portal.ledgers.workflow` after locking the report, and writes a LedgerStep."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.services import writing
from portal.ledgers import snapshot, workflow
from portal.ledgers.choices import LedgerAction, LedgerKind, LedgerStatus
from portal.ledgers.exceptions import LedgerForbiddenError, LedgerInputError, LedgerStateError
from portal.ledgers.models import LedgerStep, SpaceReport
from portal.org.models import Unit

if TYPE_CHECKING:
    from portal.org.models import User


def snapshot_date(year: int) -> dt.date:
    """Today (Asia/Shanghai) for the running year, 31 December for last year.

    A snapshot reads the registry as it is now, so only this year's report and last year's
    (filed early in the new year) are taken: an older year's would show today's buildings."""
    today = timezone.localdate()
    if year > today.year:
        raise LedgerInputError(
            _("Year %(year)d has not begun: its report cannot be taken yet.") % {"year": year}
        )
    if year < today.year - 1:
        raise LedgerInputError(
            _(
                "The report of %(year)d can no longer be taken: a snapshot shows the registry "
                "as it is now, so only this year's and last year's reports are taken."
            )
            % {"year": year}
        )
    return min(today, dt.date(year, 12, 31))


def _check_take(kind: str, unit: Unit, by: User) -> None:
    if kind not in LedgerKind.values:
        raise LedgerInputError(_("Unknown kind of report “%(kind)s”.") % {"kind": kind})
    if kind == LedgerKind.MASTER and not unit.offices_administration:
        raise LedgerInputError(
            _("%(unit)s is not an offices administration: it keeps no master ledger.")
            % {"unit": unit.name}
        )
    if not workflow.may_file(by, kind, unit):
        raise LedgerForbiddenError(
            _("You may not take the %(kind)s of %(unit)s.")
            % {"kind": LedgerKind(kind).label, "unit": unit.name}
        )


def take_report(year: int, kind: str, unit: Unit, *, by: User) -> SpaceReport:
    """Take the report of ``unit`` for ``year`` (a new DRAFT), or take it again in DRAFT or
    RETURNED; a report already submitted or accepted is refused."""
    _check_take(kind, unit, by)
    as_of = snapshot_date(year)
    with writing(by):
        # The unit's row serialises two first takes, which would otherwise both insert.
        Unit.objects.select_for_update().only("pk").get(pk=unit.pk)
        report = SpaceReport.objects.select_for_update().filter(year=year, kind=kind, unit=unit)
        report = report.first()
        if report is not None and report.status not in workflow.RETAKE_STATUSES:
            raise LedgerStateError(
                _("Report %(report)s is %(status)s: its snapshot cannot be taken again.")
                % {"report": report, "status": report.get_status_display()}
            )
        rows, totals, changes = snapshot.take(kind, unit, unit.division, year, as_of)
        before = report.status if report is not None else ""
        report = report or SpaceReport(year=year, kind=kind, unit=unit, division=unit.division)
        report.status = LedgerStatus.DRAFT
        report.as_of, report.rows, report.totals, report.changes = as_of, rows, totals, changes
        report.taken_by, report.taken_at = by, timezone.now()
        report.save()
        _step(report, LedgerAction.TAKEN, before, by, "")
    return report


def transition_report(report: SpaceReport, action: str, *, by: User, comment: str = "") -> None:
    """Submit, accept or return ``report`` (a return needs a comment)."""
    with writing(by):
        locked = SpaceReport.objects.select_for_update().get(pk=report.pk)
        move = workflow.check_transition(by, locked, action, comment)
        before, now = locked.status, timezone.now()
        locked.status = move.target
        if move.action == LedgerAction.SUBMITTED:
            locked.submitted_by, locked.submitted_at = by, now
        else:
            locked.reviewed_by, locked.reviewed_at = by, now
        locked.save()
        _step(locked, move.action, before, by, comment.strip())
    report.refresh_from_db()


def _step(report: SpaceReport, action: str, before: str, by: User, comment: str) -> None:
    LedgerStep.objects.create(
        report=report,
        action=action,
        from_status=before,
        to_status=report.status,
        by=by,
        comment=comment,
    )
