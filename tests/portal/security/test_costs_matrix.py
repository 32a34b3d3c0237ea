"""The scoping matrix of the running-cost and office-space report channels (issue 11): every role,
with clearance internal and secret, × every channel of portal/costs and portal/ledgers × the kinds
of record of :mod:`tests.portal.security.costs_world` (own unit and division, another city, a
building classified secret). :data:`READS` of :mod:`test_scoping_matrix` is the spec of reading;
writing follows the brief: only province, division administrators and unit officers write, each
where the workflow names him; the read-only roles and the security administrator never do.

A channel without a secret record is tried with clearance internal only; the PDF channels, the
slow ones, only for one account of each distinct answer (:data:`PDF_ACCOUNTS`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from portal.core.choices import Confidentiality
from portal.ledgers.workflow import WRITERS
from portal.org.choices import Role
from tests.portal.security.costs_world import (
    ADDRESSES,
    AMOUNTS,
    AREAS,
    BUDGETS,
    CLEARANCES,
    HOME_TOTAL,
    NAMES,
    TITLES,
    YEAR,
    CostsWorld,
    build_world,
)
from tests.portal.security.test_scoping_matrix import READS, _pdf_text, _text

pytestmark = pytest.mark.django_db

INTERNAL, SECRET = CLEARANCES
# Who fills a county's return: its division's administrator, and an officer for his own unit.
FILLERS = {Role.DIVISION_ADMIN, Role.UNIT_OFFICER}
# One account per distinct answer: every record, the home division, the home unit, none; with
# and without clearance for the secret building.
PDF_ACCOUNTS = (
    (Role.PROVINCE_ADMIN, SECRET),
    (Role.AUDITOR, INTERNAL),
    (Role.DIVISION_ADMIN, SECRET),
    (Role.VIEWER, INTERNAL),
    (Role.SECURITY_ADMIN, SECRET),
)


def reads(role: Role, clearance: str, kind: str) -> bool:
    if kind == "secret":
        return READS[role]["own"] and clearance == SECRET
    return READS[role][kind]


def reads_round(role: Role, clearance: str, kind: str) -> bool:
    """An open round is read by every registry reader; a draft only by its province admins."""
    return READS[role]["own"] if kind == "open" else role == Role.PROVINCE_ADMIN


def fills(role: Role, clearance: str, kind: str) -> bool:
    """Home's county return is filled by its division's administrator and home's officers; the
    province administrator reviews it, he does not fill it; nobody here fills another city's."""
    if kind == "secret":
        return role in FILLERS and clearance == SECRET
    return kind == "own" and role in FILLERS


def files_ledger(role: Role, clearance: str, kind: str) -> bool:
    """Home's sub-ledger is taken and submitted by any writer of home; none takes far's."""
    return kind == "own" and role in WRITERS


def moves_ledger(role: Role, clearance: str, kind: str) -> bool:
    """Submit home's draft (a writer of home); accept far's submitted one (a province admin)."""
    return role in WRITERS if kind == "own" else role == Role.PROVINCE_ADMIN


def test_the_write_tables_cover_writers_only():
    assert FILLERS <= WRITERS == {Role.PROVINCE_ADMIN, Role.DIVISION_ADMIN, Role.UNIT_OFFICER}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One dataset for the module, rolled back at its end."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        override_settings(PASSWORD_HASHERS=fast),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


# -- what must not appear where a record is hidden -----------------------------------------------


def record_marks(w: CostsWorld) -> dict[str, tuple[str, ...]]:
    return {
        "own": (str(AMOUNTS["own"]), NAMES["own"], ADDRESSES["own"]),
        "secret": (str(AMOUNTS["secret"]), HOME_TOTAL, NAMES["secret"], ADDRESSES["secret"]),
        "other": (str(AMOUNTS["other"]), NAMES["other"], ADDRESSES["other"], w.far.name),
    }


def round_marks(w: CostsWorld) -> dict[str, tuple[str, ...]]:
    return {kind: (title,) for kind, title in TITLES.items()}


def return_marks(w: CostsWorld) -> dict[str, tuple[str, ...]]:
    return {k: (reverse("costs:return_detail", args=[pk]),) for k, pk in w.returns.items()}


def report_marks(w: CostsWorld) -> dict[str, tuple[str, ...]]:
    marks = {k: (reverse("ledgers:report_detail", args=[pk]),) for k, pk in w.reports.items()}
    marks["other"] += (NAMES["other"], w.far.name)
    return marks


def no_marks(w: CostsWorld) -> dict[str, tuple[str, ...]]:
    return {"own": (), "other": ()}


# -- what a channel shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """Which kinds a channel showed, and everything it answered (to look for leaks in)."""

    shown: dict[str, bool]
    text: str


def _cells(response: Any) -> str:
    if response.status_code != 200:
        return _text(response)
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
    )


def _pdf(response: Any) -> str:
    return _pdf_text(response.content) if response.status_code == 200 else _text(response)


def _figures(text: str) -> Answer:
    """A dashboard answer: home's figures with or without the secret record, and far's."""
    return Answer(
        {
            "own": str(AMOUNTS["own"]) in text or HOME_TOTAL in text,
            "secret": HOME_TOTAL in text or str(AMOUNTS["secret"]) in text,
            "other": str(AMOUNTS["other"]) in text,
        },
        text,
    )


DASHBOARD = {"year": YEAR, "level": "county"}


def dashboard_page(client: Any, w: CostsWorld) -> Answer:
    return _figures(_text(client.get(reverse("costs:dashboard"), DASHBOARD)))


def ranking_page(client: Any, w: CostsWorld) -> Answer:
    return _figures(_text(client.get(reverse("costs:ranking"), DASHBOARD)))


def dashboard_xlsx(client: Any, w: CostsWorld) -> Answer:
    return _figures(_cells(client.get(reverse("costs:export_xlsx"), DASHBOARD)))


def dashboard_pdf(client: Any, w: CostsWorld) -> Answer:
    return _figures(_pdf(client.get(reverse("costs:export_pdf"), DASHBOARD)))


def map_geojson(client: Any, w: CostsWorld) -> Answer:
    """Each county's total: home's in 锦江区 (780.42 with the secret record), far's in 涪城区."""
    response = client.get(reverse("costs:map_divisions"), DASHBOARD)
    text = _text(response)
    totals = {}
    if response.status_code == 200:
        for feature in json.loads(text)["features"]:
            totals[feature["properties"]["code"]] = feature["properties"]["total_yuan"]
        text = json.dumps(json.loads(text), ensure_ascii=False)
    home = totals.get("510104")
    shown = {
        "own": home in (str(AMOUNTS["own"]), HOME_TOTAL),
        "secret": home == HOME_TOTAL,
        "other": totals.get("510703") == str(AMOUNTS["other"]),
    }
    return Answer(shown, text)


def _pages(client: Any, urls: dict[str, str]) -> tuple[dict[str, bool], dict[str, str]]:
    shown, texts = {}, {}
    for kind, url in urls.items():
        response = client.get(url)
        shown[kind] = response.status_code == 200
        texts[kind] = _text(response)
    return shown, texts


def unit_page(client: Any, w: CostsWorld) -> Answer:
    urls = {k: reverse("costs:unit_costs", args=[pk]) for k, pk in w.units.items()}
    shown, texts = _pages(client, urls)
    secret = HOME_TOTAL in texts["own"] or NAMES["secret"] in texts["own"]
    return Answer({**shown, "secret": secret}, "\n".join(texts.values()))


def building_page(client: Any, w: CostsWorld) -> Answer:
    urls = {k: reverse("costs:building_costs", args=[pk]) for k, pk in w.buildings.items()}
    shown, texts = _pages(client, urls)
    return Answer(shown, "\n".join(texts.values()))


def round_list(client: Any, w: CostsWorld) -> Answer:
    text = _text(client.get(reverse("costs:campaign_list")))
    return Answer({kind: title in text for kind, title in TITLES.items()}, text)


def round_detail(client: Any, w: CostsWorld) -> Answer:
    urls = {k: reverse("costs:campaign_detail", args=[pk]) for k, pk in w.campaigns.items()}
    shown, texts = _pages(client, urls)
    return Answer(shown, "\n".join(texts.values()))


def round_returns(client: Any, w: CostsWorld) -> Answer:
    """The open round's page lists the returns the reader may see."""
    text = _text(client.get(reverse("costs:campaign_detail", args=[w.campaigns["open"]])))
    marks = return_marks(w)
    return Answer({kind: marks[kind][0] in text for kind in w.returns}, text)


def return_detail(client: Any, w: CostsWorld) -> Answer:
    """Each return's page; home's total on its county's counts the secret record if cleared."""
    urls = {k: reverse("costs:return_detail", args=[pk]) for k, pk in w.returns.items()}
    shown, texts = _pages(client, urls)
    return Answer({**shown, "secret": HOME_TOTAL in texts["own"]}, "\n".join(texts.values()))


def return_fill(client: Any, w: CostsWorld) -> Answer:
    """The fill page of each return; home's lines include the secret one if cleared."""
    urls = {k: reverse("costs:return_fill", args=[pk]) for k, pk in w.returns.items()}
    shown, texts = _pages(client, urls)
    secret = shown["own"] and str(AMOUNTS["secret"]) in texts["own"]
    return Answer({**shown, "secret": secret}, "\n".join(texts.values()))


def _posts(client: Any, w: CostsWorld, name: str, accepted: tuple[int, ...]) -> Answer:
    """A post to each return: taken into the form or service (``accepted``), or refused."""
    shown, texts = {}, []
    for kind, pk in w.returns.items():
        response = client.post(reverse(name, args=[pk]), {"unit": w.home.pk})
        shown[kind] = response.status_code in accepted
        texts.append(_text(response))
    return Answer(shown, "\n".join(texts))


def return_fill_post(client: Any, w: CostsWorld) -> Answer:
    """An empty form: its errors (400) where the poster may fill, a refusal elsewhere."""
    return _posts(client, w, "costs:return_fill", (400,))


def return_upload(client: Any, w: CostsWorld) -> Answer:
    """No file: "choose the template" (400) where the poster may fill, a refusal elsewhere."""
    return _posts(client, w, "costs:return_upload", (400,))


def return_fleet(client: Any, w: CostsWorld) -> Answer:
    return _posts(client, w, "costs:return_fleet", (302,))


def return_template(client: Any, w: CostsWorld) -> Answer:
    """The template carries the figures the reader may read, of either return he may read."""
    texts = {
        k: _cells(client.get(reverse("costs:return_template", args=[pk])))
        for k, pk in w.returns.items()
    }
    shown = {
        "own": str(AMOUNTS["own"]) in texts["own"],
        "secret": str(AMOUNTS["secret"]) in texts["own"],
        "other": str(AMOUNTS["other"]) in texts["other"],
    }
    return Answer(shown, "\n".join(texts.values()))


def ledger_list(client: Any, w: CostsWorld) -> Answer:
    text = _text(client.get(reverse("ledgers:report_list")))
    return Answer({k: f'data-report="{pk}"' in text for k, pk in w.reports.items()}, text)


def _ledger_answer(texts: dict[str, str], shown: dict[str, bool]) -> Answer:
    """Home's report lists the secret building by name only to a cleared reader."""
    secret = shown["own"] and NAMES["secret"] in texts["own"]
    return Answer({**shown, "secret": secret}, "\n".join(texts.values()))


def ledger_detail(client: Any, w: CostsWorld) -> Answer:
    urls = {k: reverse("ledgers:report_detail", args=[pk]) for k, pk in w.reports.items()}
    return _ledger_answer(*reversed(_pages(client, urls)))


def _ledger_file(client: Any, w: CostsWorld, name: str, read: Callable[[Any], str]) -> Answer:
    texts = {k: read(client.get(reverse(name, args=[pk]))) for k, pk in w.reports.items()}
    shown = {k: NAMES[k] in text for k, text in texts.items()}
    return _ledger_answer(texts, shown)


def ledger_xlsx(client: Any, w: CostsWorld) -> Answer:
    return _ledger_file(client, w, "ledgers:report_xlsx", _cells)


def ledger_pdf(client: Any, w: CostsWorld) -> Answer:
    return _ledger_file(client, w, "ledgers:report_pdf", _pdf)


def ledger_take(client: Any, w: CostsWorld) -> Answer:
    shown, texts = {}, []
    for kind, unit in (("own", w.home), ("other", w.far)):
        data = {"year": w.ledger_year, "kind": "sub", "unit": unit.pk}
        response = client.post(reverse("ledgers:report_take"), data)
        shown[kind] = response.status_code == 302
        texts.append(_text(response))
    return Answer(shown, "\n".join(texts))


def ledger_transition(client: Any, w: CostsWorld) -> Answer:
    shown, texts = {}, []
    for kind, action in (("own", "submitted"), ("other", "accepted")):
        url = reverse("ledgers:report_transition", args=[w.reports[kind]])
        response = client.post(url, {"action": action, "comment": ""})
        shown[kind] = response.status_code == 302
        texts.append(_text(response))
    return Answer(shown, "\n".join(texts))


def _changelist(client: Any, model: str, marks: dict[str, str]) -> Answer:
    response = client.get(reverse(f"admin:{model}_changelist"))
    text = _text(response)
    ok = response.status_code == 200
    return Answer({kind: ok and mark in text for kind, mark in marks.items()}, text)


def record_admin(client: Any, w: CostsWorld) -> Answer:
    return _changelist(client, "costs_costrecord", {k: str(v) for k, v in AMOUNTS.items()})


def budget_admin(client: Any, w: CostsWorld) -> Answer:
    return _changelist(client, "costs_costbudget", {k: str(v) for k, v in BUDGETS.items()})


def basis_admin(client: Any, w: CostsWorld) -> Answer:
    return _changelist(client, "costs_costbasis", {k: str(v) for k, v in AREAS.items()})


def round_admin(client: Any, w: CostsWorld) -> Answer:
    return _changelist(client, "costs_costcampaign", dict(TITLES))


def return_admin(client: Any, w: CostsWorld) -> Answer:
    changes = {k: w.admin_change("costs_costreturn", pk) for k, pk in w.returns.items()}
    return _changelist(client, "costs_costreturn", changes)


def report_admin(client: Any, w: CostsWorld) -> Answer:
    changes = {k: w.admin_change("ledgers_spacereport", pk) for k, pk in w.reports.items()}
    return _changelist(client, "ledgers_spacereport", changes)


def amount_marks(figures: dict[str, Any]) -> Callable[[CostsWorld], dict[str, tuple[str, ...]]]:
    return lambda w: {kind: (str(value),) for kind, value in figures.items()}


def admin_return_marks(w: CostsWorld) -> dict[str, tuple[str, ...]]:
    return {k: (w.admin_change("costs_costreturn", pk),) for k, pk in w.returns.items()}


def admin_report_marks(w: CostsWorld) -> dict[str, tuple[str, ...]]:
    return {k: (w.admin_change("ledgers_spacereport", pk),) for k, pk in w.reports.items()}


Expect = Callable[[Role, str, str], bool]
Marks = Callable[[CostsWorld], dict[str, tuple[str, ...]]]
# Each channel: how it answers, who should see each kind, what must not leak where hidden.
CHANNELS: dict[str, tuple[Callable[[Any, CostsWorld], Answer], Expect, Marks]] = {
    "dashboard page": (dashboard_page, reads, record_marks),
    "map geojson": (map_geojson, reads, record_marks),
    "ranking page": (ranking_page, reads, record_marks),
    "unit page": (unit_page, reads, record_marks),
    "building page": (building_page, reads, record_marks),
    "dashboard xlsx": (dashboard_xlsx, reads, record_marks),
    "dashboard pdf": (dashboard_pdf, reads, record_marks),
    "round list": (round_list, reads_round, round_marks),
    "round detail": (round_detail, reads_round, round_marks),
    "round detail returns": (round_returns, reads, return_marks),
    "return detail": (return_detail, reads, record_marks),
    "return fill": (return_fill, fills, record_marks),
    "return fill post": (return_fill_post, fills, no_marks),
    "return template": (return_template, reads, record_marks),
    "return upload": (return_upload, fills, no_marks),
    "return take from fleet": (return_fleet, fills, no_marks),
    "ledger list": (ledger_list, reads, report_marks),
    "ledger detail": (ledger_detail, reads, record_marks),
    "ledger take": (ledger_take, files_ledger, no_marks),
    "ledger transition": (ledger_transition, moves_ledger, no_marks),
    "ledger xlsx": (ledger_xlsx, reads, record_marks),
    "ledger pdf": (ledger_pdf, reads, record_marks),
    "cost record admin": (record_admin, reads, amount_marks(AMOUNTS)),
    "cost budget admin": (budget_admin, reads, amount_marks(BUDGETS)),
    "cost basis admin": (basis_admin, reads, amount_marks(AREAS)),
    "round admin": (round_admin, reads_round, round_marks),
    "return admin": (return_admin, reads, admin_return_marks),
    "ledger admin": (report_admin, reads, admin_report_marks),
}
PDF_CHANNELS = {"dashboard pdf", "ledger pdf"}
# Channels that carry the secret record: tried with both clearances.
SECRET_CHANNELS = {
    "dashboard page",
    "map geojson",
    "ranking page",
    "unit page",
    "building page",
    "dashboard xlsx",
    "return detail",
    "return fill",
    "return template",
    "ledger detail",
    "ledger xlsx",
    "cost record admin",
}


def cases() -> list[Any]:
    found = []
    for channel in CHANNELS:
        for role in Role:
            for clearance in CLEARANCES:
                if channel in PDF_CHANNELS:
                    if (role, clearance) not in PDF_ACCOUNTS:
                        continue
                elif clearance == SECRET and channel not in SECRET_CHANNELS:
                    continue
                found.append(
                    pytest.param(role, clearance, channel, id=f"{channel}-{role}-{clearance}")
                )
    return found


def mismatches(expect: Expect, role: Role, clearance: str, answer: Answer, marks: dict) -> list:
    wrong = []
    for kind, shown in answer.shown.items():
        want = expect(role, clearance, kind)
        if shown != want:
            wrong.append(f"{kind}: {'shown' if shown else 'hidden'}, expected the opposite")
        leaked = [] if want else [m for m in marks.get(kind, ()) if m in answer.text]
        if leaked:
            wrong.append(f"{kind}: hidden, yet the answer holds {leaked}")
    return wrong


@pytest.mark.parametrize(("role", "clearance", "channel"), cases())
def test_costs_matrix(client, world, role, clearance, channel):
    read, expect, marks = CHANNELS[channel]
    client.force_login(world.users[role, clearance])
    answer = read(client, world)
    assert mismatches(expect, role, clearance, answer, marks(world)) == []


def test_the_pdf_accounts_cover_every_answer():
    """Each class of reader (all, division, unit, none), cleared and not, has a PDF case."""
    answers = {
        tuple(reads(role, clearance, k) for k in ("own", "other", "secret"))
        for role, clearance in PDF_ACCOUNTS
    }
    assert len(answers) == len(PDF_ACCOUNTS)
    assert Confidentiality.SECRET in {clearance for _, clearance in PDF_ACCOUNTS}
