"""The ledgers stage: the annual office-space reports of the demo's last two years.

Every unit's sub-ledger of the previous year was accepted, and so was every offices
administration's master ledger built from them; this year's sub-ledgers are in every state,
the demo officer's still a draft, and the demo county's master ledger is a draft listing the
units still missing. Lines come from :mod:`portal.ledgers.snapshot` (the registry as it is
now); last year's are the same lines as they stood then: a few units occupied a little more or
less, one building more or less, or had no title case yet, so that the year-on-year difference
shows something. The registry's history holds no event in those years (it was loaded today),
so the changes during the year are empty. Each unit files through an archival officer of its
own (an inactive account), as the workflow wants the filer to belong to the unit.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.demo.data.costs import REPORTING_PROVINCE
from portal.demo.generators import cost_campaigns
from portal.demo.generators.copying import copy_records, next_ids
from portal.demo.generators.world import World
from portal.ledgers import snapshot
from portal.ledgers.choices import LedgerAction, LedgerKind, LedgerStatus
from portal.ledgers.models import LedgerStep, SpaceReport
from portal.org.choices import Role
from portal.org.models import Unit

THIS_YEAR = 2025
LAST_YEAR = THIS_YEAR - 1
SHANGHAI = cost_campaigns.SHANGHAI
DEMO_OFFICER = "unit-officer"
# This year's sub-ledgers: the demo officer's unit is pinned to a draft, the others rotate.
ROTATION = (
    LedgerStatus.ACCEPTED,
    LedgerStatus.SUBMITTED,
    LedgerStatus.DRAFT,
    LedgerStatus.ACCEPTED,
    LedgerStatus.RETURNED,
)
RETURN_COMMENT = "使用面积与房产证记载不一致，请核实后重新提交。"
CHANGED_SHARE = 0.3
# The master ledger drafted this year, for the demo county administrator.
DRAFT_MASTER = "510107"
L = LedgerStatus
A = LedgerAction

# The steps that bring a report to its status: (action, from, to, who), who being the filer
# or the reviewer.
PATHS = {
    L.DRAFT: [(A.TAKEN, "", L.DRAFT, "filer")],
    L.SUBMITTED: [(A.TAKEN, "", L.DRAFT, "filer"), (A.SUBMITTED, L.DRAFT, L.SUBMITTED, "filer")],
    L.RETURNED: [
        (A.TAKEN, "", L.DRAFT, "filer"),
        (A.SUBMITTED, L.DRAFT, L.SUBMITTED, "filer"),
        (A.RETURNED, L.SUBMITTED, L.RETURNED, "reviewer"),
    ],
    L.ACCEPTED: [
        (A.TAKEN, "", L.DRAFT, "filer"),
        (A.SUBMITTED, L.DRAFT, L.SUBMITTED, "filer"),
        (A.ACCEPTED, L.SUBMITTED, L.ACCEPTED, "reviewer"),
    ],
}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _officers(world: World) -> tuple[dict[int, int], int | None]:
    """Unit id → the account filing its sub-ledger: the demo officer for his unit, an archival
    officer (inactive, no usable password) for every other; and the demo officer's unit."""
    user_model = get_user_model()
    demo = user_model.objects.filter(username=DEMO_OFFICER).values_list("unit", "pk").first()
    units = [u.model for u in cost_campaigns.reporting_units(world) if u.model is not None]
    names = {f"officer-{unit.credit_code}": unit for unit in units}
    existing = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    user_model.objects.bulk_create(
        user_model(username=name, role=Role.UNIT_OFFICER, unit=unit, is_active=False, password="!")
        for name, unit in names.items()
        if name not in existing
    )
    found = user_model.objects.filter(username__in=names).values_list("unit", "pk")
    officers = dict(found)
    if demo is None:
        return officers, None
    officers[demo[0]] = demo[1]
    return officers, demo[0]


def _rescaled(row: dict[str, Any], factor: float) -> None:
    """The line with its area scaled, and what follows from the area recomputed."""
    area = (Decimal(row["area_m2"]) * Decimal(f"{factor:.3f}")).quantize(Decimal("0.01"))
    allowance = snapshot.dec(row["allowance_m2"])
    row["area_m2"] = snapshot.money(area)
    row["excess_m2"] = snapshot.money(max(area - allowance, snapshot.ZERO))
    if row["staff"]:
        row["per_person_m2"] = snapshot.money(area / row["staff"])
        row["over_standard"] = area > allowance


def last_year_rows(rows: list[dict[str, Any]], rng: np.random.Generator) -> list[dict[str, Any]]:
    """The lines as they stood a year ago: most the same, some units changed since."""
    rows = copy.deepcopy(rows)
    if not rows or rng.random() >= CHANGED_SHARE:
        return rows
    change = int(rng.integers(3))
    if change == 0 and len(rows) > 1:
        rows.pop()  # a building occupied only this year
    elif change == 2 and rows[0]["title_status"] != snapshot.NO_CASE:
        rows[0]["title_status"] = snapshot.NO_CASE  # its title case was opened this year
    else:
        _rescaled(rows[0], float(rng.choice([rng.uniform(0.85, 0.95), rng.uniform(1.05, 1.2)])))
    return rows


def _steps(status: str, people: dict[str, int], start: dt.date, comment: str = "") -> list:
    """(action, from, to, user id, comment, time) of the steps bringing a report to ``status``."""
    today = timezone.localdate()
    steps = []
    for offset, (action, before, after, who) in zip((0, 3, 10), PATHS[status], strict=False):
        day = min(start + dt.timedelta(days=offset), today)
        note = comment if action == A.RETURNED else ""
        steps.append((action, before, after, people[who], note, _at(day, 9 + offset % 8)))
    return steps


def _report(pk: int, kind: str, year: int, unit: Unit, snap: tuple, steps: list) -> dict:
    rows, totals, as_of = snap
    done = {step[0]: step for step in steps}
    submitted = done.get(A.SUBMITTED)
    reviewed = done.get(A.ACCEPTED) or done.get(A.RETURNED)
    return {
        "id": pk,
        "year": year,
        "kind": kind,
        "unit": unit.pk,
        "division": unit.division_id,
        "status": steps[-1][2],
        "as_of": as_of,
        "rows": rows,
        "totals": totals,
        "changes": [],
        "taken_by": steps[0][3],
        "taken_at": steps[0][5],
        "submitted_by": submitted[3] if submitted else None,
        "submitted_at": submitted[5] if submitted else None,
        "reviewed_by": reviewed[3] if reviewed else None,
        "reviewed_at": reviewed[5] if reviewed else None,
        "synthetic": True,
        "created_at": steps[0][5],
        "updated_at": steps[-1][5],
    }


def _all_sub_rows() -> dict[int, list[dict[str, Any]]]:
    """Every demo unit's sub-ledger lines in one query (one per unit would take a thousand)."""
    return snapshot.sub_rows_by_unit(
        Unit.objects.filter(synthetic=True, division__code__startswith=REPORTING_PROVINCE)
    )


def _accounts(world: World) -> dict[str, int]:
    """Username → id of every administrator who files or reviews for a division."""
    codes = {u.place.code for u in cost_campaigns.reporting_units(world)}
    names = {cost_campaigns.submitter(c) for c in codes} | set(cost_campaigns.PROVINCE_REVIEWERS)
    return dict(get_user_model().objects.filter(username__in=names).values_list("username", "pk"))


class Writer:
    """Collects the reports and their steps, then COPYs them."""

    def __init__(self, world: World, count: int) -> None:
        self.world = world
        self.ids = iter(next_ids(SpaceReport._meta.db_table, count))
        self.reports: list[dict] = []
        self.steps: list[dict] = []

    def add(self, kind: str, year: int, unit: Unit, snap: tuple, steps: list) -> None:
        report = _report(next(self.ids), kind, year, unit, snap, steps)
        self.reports.append(report)
        self.steps += [
            dict(
                zip(
                    ("action", "from_status", "to_status", "by", "comment", "at"), step, strict=True
                )
            )
            | {"report": report["id"]}
            for step in steps
        ]

    def flush(self) -> int:
        rows = copy_records(SpaceReport, self.reports, history=self.world.history)
        rows += copy_records(LedgerStep, self.steps)
        self.reports, self.steps = [], []
        return rows


def _subs(world: World, writer: Writer, rng: np.random.Generator) -> None:
    """Last year's accepted sub-ledgers and this year's, in every state."""
    (officers, demo), admins = _officers(world), _accounts(world)
    this_as_of = min(timezone.localdate(), dt.date(THIS_YEAR, 12, 31))
    lines = _all_sub_rows()
    for index, unit in enumerate(
        u for u in cost_campaigns.reporting_units(world) if u.model is not None
    ):
        model = unit.model
        rows = lines.get(model.pk, [])
        reviewer = admins.get(cost_campaigns.submitter(unit.place.code), admins["province-admin"])
        people = {"filer": officers[model.pk], "reviewer": reviewer}
        old = last_year_rows(rows, rng)
        last = (old, snapshot.sub_totals(old), dt.date(LAST_YEAR, 12, 31))
        start = dt.date(THIS_YEAR, 1, 6 + index % 20)
        writer.add(LedgerKind.SUB, LAST_YEAR, model, last, _steps(L.ACCEPTED, people, start))
        status = L.DRAFT if model.pk == demo else ROTATION[index % len(ROTATION)]
        now = (rows, snapshot.sub_totals(rows), this_as_of)
        start = this_as_of + dt.timedelta(days=5 + index % 20)
        steps = _steps(status, people, start, RETURN_COMMENT)
        writer.add(LedgerKind.SUB, THIS_YEAR, model, now, steps)


def _masters(world: World, writer: Writer) -> None:
    """Every offices administration's accepted master ledger of last year, from the accepted
    sub-ledgers, and the demo county's draft of this year, listing the units still missing."""
    admins = _accounts(world)
    offices = [
        u
        for u in cost_campaigns.reporting_units(world)
        if u.role == "offices_admin" and u.model is not None
    ]
    for index, unit in enumerate(offices):
        code, model = unit.place.code, unit.model
        division = world.divisions[code]
        filer = admins.get(cost_campaigns.submitter(code), admins["province-admin"])
        above = admins.get(cost_campaigns.reviewer(world, code), admins["province-admin"])
        people = {"filer": filer, "reviewer": above}
        rows = snapshot.master_rows(division, LAST_YEAR)
        snap = (rows, snapshot.master_totals(rows), dt.date(LAST_YEAR, 12, 31))
        start = dt.date(THIS_YEAR, 2, 10 + index % 15)
        writer.add(LedgerKind.MASTER, LAST_YEAR, model, snap, _steps(L.ACCEPTED, people, start))
        if code == DRAFT_MASTER:
            rows = snapshot.master_rows(division, THIS_YEAR)
            as_of = min(timezone.localdate(), dt.date(THIS_YEAR, 12, 31))
            start = min(timezone.localdate(), as_of + dt.timedelta(days=40))
            snap = (rows, snapshot.master_totals(rows), as_of)
            writer.add(LedgerKind.MASTER, THIS_YEAR, model, snap, _steps(L.DRAFT, people, start))


def write_ledgers(world: World, rng: np.random.Generator) -> int:
    """The sub-ledgers first (the master ledgers are built from the accepted ones)."""
    units = [u for u in cost_campaigns.reporting_units(world) if u.model is not None]
    offices = sum(1 for u in units if u.role == "offices_admin")
    writer = Writer(world, 2 * len(units) + offices + 1)
    _subs(world, writer, rng)
    written = writer.flush()
    _masters(world, writer)
    return written + writer.flush()
