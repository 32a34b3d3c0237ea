"""The unified title registration campaign: one case per demo building, on its compound's parcel.

A case's status follows its parcel's title status (a registered parcel's buildings are registered
cases with the parcel's certificate, an unregistered parcel's are not started), except for
classified buildings and security organs' ones, which are exempt: registered to the unit using
them, with an approval.
Every transition left a comment, and every case that passed "verified" has its three consistent
checks with a stored PDF as evidence. Officers are the demo accounts, so that stage runs first.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.buildings.models import Building
from portal.core.choices import Confidentiality
from portal.demo.data import titles as data
from portal.demo.exceptions import DemoDataError
from portal.demo.generators.copying import copy_rows
from portal.demo.generators.evidence import Paper, write_evidence
from portal.demo.generators.world import DemoUnit, World
from portal.org.models import User
from portal.org.scoping import Scope, cleared_levels, edit_scope
from portal.parcels import workflow
from portal.parcels.choices import CaseStatus, CertificateKind, RightKind
from portal.parcels.models import CaseComment, Certificate, Parcel, Right, TitleCase
from portal.parcels.querysets import CLOSED_CASE_STATUSES

CAMPAIGN_START, CAMPAIGN_END = date(2026, 1, 1), date(2027, 12, 31)
# Days from today within which an open case falls due: the negative part is overdue.
OPEN_DUE_DAYS = (-90, 300)
UNASSIGNED_NOT_STARTED = 0.5
# Case statuses drawn for each parcel title status, with their shares. They follow the
# workflow's PARCEL_TITLE_STATUS: a case that moved at all makes its parcel "in progress".
STATUS_BY_TITLE: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "registered": (("registered",), (1.0,)),
    "filed": (("filed",), (1.0,)),
    "disputed": (("disputed",), (1.0,)),
    "in_progress": (("collected", "verified", "submitted"), (0.4, 0.3, 0.3)),
    "unregistered": (("not_started",), (1.0,)),
}
# The workflow transitions a case went through to reach its status, in order.
PATHS: dict[str, tuple[str, ...]] = {
    "not_started": (),
    "collected": ("collect",),
    "verified": ("collect", "verify"),
    "disputed": ("collect", "verify", "dispute"),
    "submitted": ("collect", "verify", "submit"),
    "registered": ("collect", "verify", "submit", "register"),
    "filed": ("collect", "verify", "submit", "file"),
    "exempt": ("collect", "verify", "exempt"),
}
CHECKED_STATUSES = frozenset(status for status, path in PATHS.items() if "verify" in path)
CLASSIFIED = frozenset(Confidentiality.values[Confidentiality.rank(Confidentiality.INTERNAL) + 1 :])
LAND_RIGHTS = {"allocated": RightKind.LAND_ALLOCATED, "granted": RightKind.LAND_GRANTED}
# Narrowest scope first: a case goes to the first account allowed to edit it and cleared for it.
OFFICERS = ("unit-officer", "county-admin", "chengdu-admin", "province-admin")
_YEAR = re.compile(r"（(\d{4})）")
COMMENT_COLUMNS = ("case_id", "author_id", "text", "from_status", "to_status", "created_at")


class Officers:
    """The demo accounts that work on cases, with their edit scopes and clearances."""

    def __init__(self) -> None:
        users = User.objects.filter(username__in=OFFICERS).select_related("unit__division")
        found = {user.username: user for user in users}
        missing = [name for name in OFFICERS if name not in found]
        if missing:
            message = _("The demo accounts %(names)s are missing.") % {"names": ", ".join(missing)}
            raise DemoDataError(message)
        self.chain: list[tuple[User, Scope, list[str]]] = [
            (found[name], edit_scope(found[name]), cleared_levels(found[name])) for name in OFFICERS
        ]
        self.approver = found["province-admin"]

    def pick(self, building: Building, unit: DemoUnit, roles: frozenset[str]) -> User:
        """The narrowest account with one of ``roles`` that may edit and see the case."""
        for user, scope, levels in self.chain:
            if (
                user.role in roles
                and scope.allows(unit.model)
                and building.confidentiality in levels
            ):
                return user
        return self.approver


@dataclass
class Planned:
    """A case to write, with what its rows need from the generators."""

    building: Building
    unit: DemoUnit
    parcel: Parcel
    status: str
    officer: User | None = None
    changed: date | None = None
    case: TitleCase = field(init=False)  # set by write_cases


def exempt(building: Building, unit: DemoUnit) -> bool:
    """Classified buildings and those of security organs stay registered to their users."""
    return building.confidentiality in CLASSIFIED or unit.name in data.SECURITY_UNITS


def _status(building: Building, unit: DemoUnit, parcel: Parcel, rng: np.random.Generator) -> str:
    if exempt(building, unit):
        return CaseStatus.EXEMPT
    options, shares = STATUS_BY_TITLE[parcel.title_status]
    return str(rng.choice(options, p=shares))


def _day(rng: np.random.Generator, first: date, last: date) -> date:
    return first + timedelta(days=int(rng.integers(0, max((last - first).days, 0) + 1)))


def plan_cases(world: World, officers: Officers, rng: np.random.Generator) -> list[Planned]:
    """A case per building of every compound, with its status, officer and last change."""
    today = timezone.localdate()
    planned = []
    for site in world.sites:
        if site.parcel_model is None:
            raise DemoDataError(_("The titles stage runs after the parcels stage."))
        for building in site.unit.buildings:
            item = Planned(building, site.unit, site.parcel_model, "")
            item.status = _status(building, site.unit, item.parcel, rng)
            if item.status != CaseStatus.NOT_STARTED:
                item.changed = _day(rng, CAMPAIGN_START, min(today, CAMPAIGN_END))
            if item.changed is not None or rng.random() >= UNASSIGNED_NOT_STARTED:
                item.officer = officers.pick(building, site.unit, workflow.OFFICERS)
            planned.append(item)
    return planned


def _due(item: Planned, today: date, rng: np.random.Generator) -> date:
    """Closed cases fell due after they closed; open ones around today, some already past."""
    if item.status in CLOSED_CASE_STATUSES:
        due = (item.changed or today) + timedelta(days=int(rng.integers(0, 61)))
        return min(due, CAMPAIGN_END)
    due = today + timedelta(days=int(rng.integers(OPEN_DUE_DAYS[0], OPEN_DUE_DAYS[1] + 1)))
    return min(max(due, CAMPAIGN_START), CAMPAIGN_END)


def _issued(parcel: Parcel, rng: np.random.Generator) -> date:
    """An issue date in the year the certificate number carries (川（2019）…)."""
    match = _YEAR.search(parcel.certificate_no)
    year = int(match.group(1)) if match else CAMPAIGN_START.year
    return date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))


def write_certificates(planned: list[Planned], rng: np.random.Generator) -> dict[int, Certificate]:
    """One real-estate certificate per registered parcel, keyed by the parcel id."""
    parcels = {i.parcel.pk: i.parcel for i in planned if i.status == CaseStatus.REGISTERED}
    certificates = {
        pk: Certificate(
            kind=CertificateKind.REAL_ESTATE,
            number=parcel.certificate_no,
            real_estate_unit_code=parcel.real_estate_unit_code or "",
            holder=parcel.holder,
            parcel=parcel,
            issue_date=_issued(parcel, rng),
            issuing_authority=data.issuing_authority(parcel.division.name),
            certificate_area_m2=parcel.certificate_area_m2,
            synthetic=True,
        )
        for pk, parcel in parcels.items()
    }
    Certificate.objects.bulk_create(certificates.values())
    return certificates


def _close(case: TitleCase, item: Planned, number: int, certificate: Certificate | None) -> None:
    """What a closed case records: to whom it is registered, its certificate or approval.

    ``number`` is the case's running number in the load, used for filing and approval numbers.
    """
    year = (item.changed or CAMPAIGN_START).year
    if item.status == CaseStatus.REGISTERED:
        case.registered_to, case.certificate = item.parcel.holder, certificate
    elif item.status == CaseStatus.FILED:
        case.filing_reference = data.filing_reference(item.building.division.code, year, number)
    elif item.status == CaseStatus.EXEMPT:
        case.registered_to = item.building.managing_unit
        case.approval_no = data.approval_no(year, number)
        case.exemption_reason = data.EXEMPTION_REASON


def _moment(day: date | None) -> datetime | None:
    """Mid-morning of ``day``, or now if that is still to come today."""
    if day is None:
        return None
    return min(timezone.make_aware(datetime.combine(day, time(10, 0))), timezone.now())


def write_cases(
    planned: list[Planned],
    certificates: dict[int, Certificate],
    approver: User,
    rng: np.random.Generator,
) -> int:
    today = timezone.localdate()
    for number, item in enumerate(planned, start=1):
        item.case = TitleCase(
            building=item.building,
            parcel=item.parcel,
            status=item.status,
            assigned_to=item.officer,
            due_date=_due(item, today, rng),
            status_changed_at=_moment(item.changed),
            approved_by=approver if item.status == CaseStatus.EXEMPT else None,
        )
        _close(item.case, item, number, certificates.get(item.parcel.pk))
    return len(TitleCase.objects.bulk_create(item.case for item in planned))


def write_rights(planned: list[Planned], certificates: dict[int, Certificate]) -> int:
    """The land right on each registered parcel and the ownership of each registered building."""
    rights = [
        Right(
            kind=LAND_RIGHTS.get(cert.parcel.right_type, RightKind.LEASE),
            holder=cert.holder,
            parcel=cert.parcel,
            share=Decimal(1),
            start_date=cert.issue_date,
            certificate=cert,
            synthetic=True,
        )
        for cert in certificates.values()
        if cert.parcel is not None
    ]
    rights += [
        Right(
            kind=RightKind.BUILDING_OWNERSHIP,
            holder=item.parcel.holder,
            building=item.building,
            share=Decimal(1),
            start_date=certificates[item.parcel.pk].issue_date,
            certificate=certificates[item.parcel.pk],
            synthetic=True,
        )
        for item in planned
        if item.status == CaseStatus.REGISTERED
    ]
    return len(Right.objects.bulk_create(rights))


def _comment(item: Planned, name: str, before: str, officers: Officers) -> tuple[str, ...]:
    """One comment row as COPY text; the texts are constants without tabs or newlines."""
    transition = workflow.TRANSITIONS[name]
    author = item.officer
    if author is None or author.role not in transition.roles:
        author = officers.pick(item.building, item.unit, transition.roles)
    text = data.TRANSITION_COMMENTS[name]
    return (str(item.case.pk), str(author.pk), text, before, transition.target.value)


def write_comments(planned: list[Planned], officers: Officers, history: Any) -> int:
    """The remark left with each transition a case went through, by a role allowed to make it.

    Written with COPY: there are several per case, and the ORM's per-row work would double the
    stage's time.
    """
    rows = []
    for item in planned:
        before = CaseStatus.NOT_STARTED.value
        for name in PATHS[item.status]:
            rows.append(_comment(item, name, before, officers))
            before = workflow.TRANSITIONS[name].target.value
    if not rows:
        return 0
    columns = [*zip(*rows, strict=True), [timezone.now().isoformat()] * len(rows)]
    return copy_rows(CaseComment._meta.db_table, COMMENT_COLUMNS, columns, history=history)


def _papers(planned: list[Planned], approver: User) -> list[Paper]:
    return [
        Paper(
            item.case,
            item.officer or approver,
            item.changed or CAMPAIGN_START,
            item.parcel.registry_no,
            item.status in CHECKED_STATUSES,
        )
        for item in planned
        if item.status != CaseStatus.NOT_STARTED
    ]


def write_titles(world: World, rng: np.random.Generator) -> int:
    """Certificates, cases, rights, comments and checks of the campaign; returns the rows."""
    officers = Officers()
    planned = plan_cases(world, officers, rng)
    certificates = write_certificates(planned, rng)
    rows = len(certificates) + write_cases(planned, certificates, officers.approver, rng)
    rows += write_rights(planned, certificates)
    rows += write_comments(planned, officers, world.history)
    return rows + write_evidence(_papers(planned, officers.approver), world.history)
