"""A report against last year's report of the same kind and unit. Reads only.

Last year's report is the one accepted: a draft of last year never went up, and it can still be
taken again, which would change a difference already reported.

Lines are matched by building (sub-ledger) or by unit (master ledger): a line only this year is
added, one only last year removed, one in both whose compared figures differ is changed. The
totals' deltas are this year's totals minus last year's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from portal.ledgers.choices import LedgerKind, LedgerStatus
from portal.ledgers.models import SpaceReport
from portal.ledgers.snapshot import dec

KEYS: Final = {LedgerKind.SUB: "building_id", LedgerKind.MASTER: "unit_id"}
COMPARED: Final = {
    LedgerKind.SUB: ("area_m2", "staff", "title_status", "over_standard"),
    LedgerKind.MASTER: ("missing", "area_m2", "staff", "excess_m2", "over_standard_lines"),
}
TOTALS: Final = {
    LedgerKind.SUB: ("lines", "area_m2", "staff", "allowance_m2", "excess_m2"),
    LedgerKind.MASTER: ("units", "missing", "area_m2", "staff", "allowance_m2", "excess_m2"),
}
DECIMALS: Final = frozenset({"area_m2", "allowance_m2", "excess_m2"})


@dataclass(frozen=True)
class LineChange:
    line: Mapping[str, Any]  # this year's line
    fields: tuple[tuple[str, Any, Any], ...]  # (name, last year, this year)


@dataclass(frozen=True)
class TotalDelta:
    name: str
    before: Any
    after: Any
    delta: Any


@dataclass(frozen=True)
class Difference:
    previous: SpaceReport | None
    added: list[Mapping[str, Any]] = field(default_factory=list)
    removed: list[Mapping[str, Any]] = field(default_factory=list)
    changed: list[LineChange] = field(default_factory=list)
    totals: list[TotalDelta] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def previous_report(report: SpaceReport) -> SpaceReport | None:
    """Last year's accepted report of the same kind and unit, if any."""
    return SpaceReport.objects.filter(
        year=report.year - 1,
        kind=report.kind,
        unit_id=report.unit_id,
        status=LedgerStatus.ACCEPTED,
    ).first()


def _same(name: str, before: Any, after: Any) -> bool:
    if name in DECIMALS:
        return dec(before) == dec(after)
    return bool(before == after)


def _line_change(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> LineChange | None:
    fields = tuple(
        (name, old.get(name), new.get(name))
        for name in COMPARED[kind]
        if not _same(name, old.get(name), new.get(name))
    )
    return LineChange(new, fields) if fields else None


def _delta(name: str, before: Any, after: Any) -> TotalDelta:
    if name in DECIMALS:
        return TotalDelta(name, dec(before), dec(after), dec(after) - dec(before))
    return TotalDelta(name, before or 0, after or 0, (after or 0) - (before or 0))


def difference(report: SpaceReport, previous: SpaceReport | None = None) -> Difference:
    """``report`` against ``previous`` (last year's, looked up when not given)."""
    previous = previous or previous_report(report)
    if previous is None:
        return Difference(None)
    key = KEYS[LedgerKind(report.kind)]
    old = {line[key]: line for line in previous.rows}
    new = {line[key]: line for line in report.rows}
    changes = (_line_change(report.kind, old[k], new[k]) for k in new if k in old)
    return Difference(
        previous,
        added=[line for k, line in new.items() if k not in old],
        removed=[line for k, line in old.items() if k not in new],
        changed=[change for change in changes if change is not None],
        totals=[
            _delta(name, previous.totals.get(name), report.totals.get(name))
            for name in TOTALS[LedgerKind(report.kind)]
        ],
    )
