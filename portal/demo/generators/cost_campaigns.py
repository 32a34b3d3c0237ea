"""The demo's cost statistics rounds: one per year, every division with units filing a return.

The past rounds are published, every return cross-checked after the steps the workflow asks
for (a few returned once and submitted again); the last year's round is open with returns in
every state. Who acts follows the rules of the campaign: a division's administrator fills and
submits, the level above reviews, a second reviewer who neither submitted nor reviewed
cross-checks. Divisions without a demo account get an archival administrator (an inactive
account without a usable password) so that each step names a plausible person.
Rows keep their historic times, so they are COPYed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.costs.choices import CampaignStatus, ReturnAction, ReturnStatus
from portal.costs.models import CostCampaign, CostReturn, ReturnStep
from portal.demo.data import costs as data
from portal.demo.generators.copying import copy_records, next_ids
from portal.demo.generators.world import DemoUnit, World
from portal.org.choices import Role
from portal.org.models import Unit

S = ReturnStatus
# Demo accounts who file their own division's return; every other division gets one of its own.
SUBMITTERS = {
    "510000": "province-admin",
    "510100": "chengdu-admin",
    "510107": "county-admin",
}
PROVINCE_REVIEWERS = ("province-admin", "pool-manager", "province-checker")
# The open round's returns of the demo accounts' divisions, so each account has work to do.
PINNED = {"510000": S.SUBMITTED, "510100": S.REVIEWED, "510107": S.FILLING, "510104": S.RETURNED}
ROTATION = (S.CROSS_CHECKED, S.SUBMITTED, S.NOT_STARTED, S.REVIEWED, S.FILLING)
RETURN_COMMENTS = (
    "水费与用水量不匹配，请核对第三季度数据后重新提交。",
    "会议费较上年增幅较大，请补充说明。",
    "办公用房面积与台账不一致，请核实。",
)
RESUBMITTED_SHARE = 0.1
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class ReturnPlan:
    """A return to write, with its steps (action, from, to, username, comment, time)."""

    pk: int
    campaign_pk: int
    code: str
    status: str
    steps: list[tuple[str, str, str, str, str, dt.datetime]] = field(default_factory=list)


@dataclass
class Rounds:
    """What the records need from the rounds: each (year, division code)'s return."""

    returns: dict[tuple[int, str], ReturnPlan]
    rows: int


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def ensure_users(codes: list[str]) -> dict[str, int]:
    """The acting accounts by username: the demo accounts and the archival administrators."""
    offices = {
        u.division.code: u
        for u in Unit.objects.filter(synthetic=True, offices_administration=True)
        .select_related("division")
        .order_by("-name")
    }
    wanted = {f"costs-{code}": (Role.DIVISION_ADMIN, code) for code in codes}
    wanted["province-checker"] = (Role.PROVINCE_ADMIN, "510000")
    user_model = get_user_model()
    existing = set(
        user_model.objects.filter(username__in=wanted).values_list("username", flat=True)
    )
    new = [
        user_model(username=name, role=role, unit=offices[code], is_active=False, password="!")
        for name, (role, code) in wanted.items()
        if name not in existing and code in offices
    ]
    user_model.objects.bulk_create(new)
    names = [*wanted, *SUBMITTERS.values(), *PROVINCE_REVIEWERS]
    return dict(user_model.objects.filter(username__in=names).values_list("username", "pk"))


def submitter(code: str) -> str:
    return SUBMITTERS.get(code, f"costs-{code}")


def reviewer(world: World, code: str) -> str:
    """The level above: the city's administrator for a county, the province's for a city."""
    if code == "510000":
        return PROVINCE_REVIEWERS[1]
    parent = world.places[code].row.parent_code
    return PROVINCE_REVIEWERS[0] if parent in (None, "510000") else submitter(parent)


def cross_checker(world: World, code: str) -> str:
    taken = {submitter(code), reviewer(world, code)}
    return next(name for name in PROVINCE_REVIEWERS if name not in taken)


Step = tuple[str, str, str, str, str, dt.datetime]


def _path(world: World, code: str, returned: str) -> list[tuple[str, str, str, str, str]]:
    """Every step to a cross-checked return; ``returned`` (a comment): returned once on the way
    and submitted again."""
    a = ReturnAction
    who, above, second = submitter(code), reviewer(world, code), cross_checker(world, code)
    path = [
        (a.STARTED, S.NOT_STARTED, S.FILLING, who, ""),
        (a.SUBMITTED, S.FILLING, S.SUBMITTED, who, ""),
    ]
    if returned:
        path.append((a.RETURNED, S.SUBMITTED, S.RETURNED, above, returned))
        path.append((a.SUBMITTED, S.RETURNED, S.SUBMITTED, who, ""))
    path.append((a.REVIEWED, S.SUBMITTED, S.REVIEWED, above, ""))
    path.append((a.CROSS_CHECKED, S.REVIEWED, S.CROSS_CHECKED, second, ""))
    return path


def _steps(world: World, code: str, status: str, returned: str, days: list[dt.date]) -> list[Step]:
    """The history that brings a return to ``status``, one step a day of ``days``."""
    path = _path(world, code, returned)
    if status == S.RETURNED:
        path = path[:3]
    elif status == S.NOT_STARTED:
        path = []
    else:
        path = path[: 1 + max(i for i, step in enumerate(path) if step[2] == status)]
    return [(*step, _at(day)) for step, day in zip(path, days, strict=False)]


def _campaign(pk: int, year: int, status: str, opened: dt.date, fill: dt.date) -> dict:
    return {
        "id": pk,
        "year": year,
        "title": f"{year}年度党政机关运行成本统计",
        "status": status,
        "fill_deadline": fill,
        "review_deadline": fill + dt.timedelta(days=28),
        "instructions": "",
        "opened_by": None,
        "opened_at": _at(opened, 9),
        "closed_at": None,
        "published_at": None,
        "synthetic": True,
        "created_at": _at(opened - dt.timedelta(days=10)),
        "updated_at": _at(opened, 9),
    }


def _past_round(
    world: World, pk: int, year: int, codes: list[str], rng: np.random.Generator
) -> tuple[dict, list[ReturnPlan]]:
    """A published round of ``year``: opened in March of the next year, published in July."""
    opened = dt.date(year + 1, 3, 1)
    campaign = _campaign(pk, year, CampaignStatus.PUBLISHED, opened, dt.date(year + 1, 4, 30))
    closed, published = _at(dt.date(year + 1, 7, 10)), _at(dt.date(year + 1, 7, 20))
    campaign.update(closed_at=closed, published_at=published, updated_at=published)
    plans = []
    for code in codes:
        again = rng.random() < RESUBMITTED_SHARE
        comment = RETURN_COMMENTS[int(rng.integers(len(RETURN_COMMENTS)))] if again else ""
        start = opened + dt.timedelta(days=int(rng.integers(2, 12)))
        days = [start + dt.timedelta(days=d) for d in (0, 30, 36, 40, 52, 70)]
        steps = _steps(world, code, S.CROSS_CHECKED, comment, days)
        plans.append(ReturnPlan(0, pk, code, S.CROSS_CHECKED, steps))
    return campaign, plans


def _open_round(
    world: World, pk: int, codes: list[str], rng: np.random.Generator
) -> tuple[dict, list[ReturnPlan]]:
    """The last year's round, open: filling closed a week ago, review runs three more weeks,
    so the returns not yet submitted are overdue and those awaiting review are not."""
    fill = timezone.localdate() - dt.timedelta(days=7)
    opened = fill - dt.timedelta(days=60)
    campaign = _campaign(pk, data.LAST_YEAR, CampaignStatus.OPEN, opened, fill)
    order = rng.permutation(len(ROTATION))
    plans, others = [], [c for c in codes if c not in PINNED]
    for code in codes:
        status = PINNED.get(code) or ROTATION[int(order[others.index(code) % len(order)])]
        start = opened + dt.timedelta(days=int(rng.integers(2, 10)))
        days = [start + dt.timedelta(days=d) for d in (0, 35, 42, 47)]
        comment = RETURN_COMMENTS[0] if status == S.RETURNED else ""
        plans.append(ReturnPlan(0, pk, code, status, _steps(world, code, status, comment, days)))
    return campaign, plans


def _return_record(
    plan: ReturnPlan, users: dict[str, int], division_pk: int, opened: dt.datetime
) -> dict:
    """The return row: who submitted, reviewed and cross-checked it last, and when."""
    done = {step[2]: step for step in plan.steps}
    record = {"id": plan.pk, "campaign": plan.campaign_pk, "division": division_pk}
    record["status"] = plan.status
    fields = (
        (S.SUBMITTED, "submitted"),
        (S.REVIEWED, "reviewed"),
        (S.CROSS_CHECKED, "cross_checked"),
    )
    for status, prefix in fields:
        step = done.get(status)
        record[f"{prefix}_by"] = users[step[3]] if step else None
        record[f"{prefix}_at"] = step[5] if step else None
    last = plan.steps[-1][5] if plan.steps else opened
    record.update(synthetic=True, created_at=opened, updated_at=last)
    return record


def _step_records(plan: ReturnPlan, users: dict[str, int]) -> list[dict]:
    return [
        {
            "cost_return": plan.pk,
            "action": action,
            "from_status": before,
            "to_status": after,
            "by": users[who],
            "at": at,
            "comment": comment,
        }
        for action, before, after, who, comment, at in plan.steps
    ]


def reporting_units(world: World) -> list[DemoUnit]:
    """The demo units that report to Sichuan's rounds and ledgers (``data.REPORTING_PROVINCE``)."""
    return [u for u in world.units if u.place.code.startswith(data.REPORTING_PROVINCE)]


def write_rounds(world: World, rng: np.random.Generator) -> Rounds:
    """Every year's round with its returns and their steps; see the module docstring."""
    codes = sorted({u.place.code for u in reporting_units(world)})
    users = ensure_users([c for c in codes if c not in SUBMITTERS])
    ids = next_ids(CostCampaign._meta.db_table, len(data.YEARS))
    rounds = [
        _past_round(world, pk, y, codes, rng)
        for pk, y in zip(ids[:-1], data.PUBLISHED_YEARS, strict=True)
    ]
    rounds.append(_open_round(world, ids[-1], codes, rng))
    plans = [plan for _campaign, year_plans in rounds for plan in year_plans]
    for plan, pk in zip(plans, next_ids(CostReturn._meta.db_table, len(plans)), strict=True):
        plan.pk = pk
    campaigns = [campaign for campaign, _plans in rounds]
    for campaign in campaigns:
        campaign["opened_by"] = users[PROVINCE_REVIEWERS[0]]
    opened = {c["id"]: c["opened_at"] for c in campaigns}
    division = {code: world.divisions[code].pk for code in codes}
    returns = [_return_record(p, users, division[p.code], opened[p.campaign_pk]) for p in plans]
    steps = [row for plan in plans for row in _step_records(plan, users)]
    rows = copy_records(CostCampaign, campaigns, history=world.history)
    rows += copy_records(CostReturn, returns, history=world.history)
    rows += copy_records(ReturnStep, steps)
    years = {c["id"]: c["year"] for c in campaigns}
    by_key = {(years[p.campaign_pk], p.code): p for p in plans}
    return Rounds(by_key, rows)
