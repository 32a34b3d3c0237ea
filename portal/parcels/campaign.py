"""The title registration campaign in figures, counted by the ORM over what the user may see.

Every figure starts from ``TitleCase.objects.visible_to(user)`` and
``Finding.objects.visible_to(user)``: a county officer counts the county unit's cases, a province
administrator the whole province, and cases of buildings classified above the reader's clearance
are not counted at all. A case belongs to the division its building stands in and to the unit
that manages the building. The page, the XLSX, the PDF and the folium map all read one
:class:`Campaign`, so their numbers cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.functions import ForcePolygonCCW, SimplifyPreserveTopology
from portal.org.choices import DivisionLevel
from portal.org.models import AdminDivision
from portal.parcels.choices import CaseStatus, ConflictKind
from portal.parcels.models import Finding, TitleCase
from portal.parcels.querysets import CLOSED_CASE_STATUSES, overdue_q

LEVELS: Final = ("city", "county")
# Degrees of thinning per level, for display only: enough for a page-wide map or an A4 print.
TOLERANCE_DEG: Final = {"city": 0.01, "county": 0.004}
# Classes of the share registered, upper bounds exclusive except the last; the page's legend,
# the PDF and the folium map all colour with these.
BREAKS: Final = (0.2, 0.4, 0.6, 0.8)
COLOURS: Final = ("#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac")
NO_CASES: Final = "#e4e7eb"
LIST_LIMIT: Final = 50  # rows of each list on the page; the XLSX carries them all


@dataclass(frozen=True)
class CampaignFilter:
    """What the page and every export are restricted to: a level and a division code prefix."""

    level: str = LEVELS[0]
    prefix: str = ""


@dataclass
class Tally:
    """The cases of one division or unit: by status, and how many are overdue."""

    key: str
    name: str
    code: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    def add(self, status: str, count: int, overdue: int) -> None:
        self.counts[status] = self.counts.get(status, 0) + count
        self.overdue += overdue

    def absorb(self, other: Tally) -> None:
        for status, count in other.counts.items():
            self.add(status, count, 0)
        self.overdue += other.overdue

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def closed(self) -> int:
        return sum(self.counts.get(status, 0) for status in CLOSED_CASE_STATUSES)

    @property
    def registered(self) -> int:
        return self.counts.get(CaseStatus.REGISTERED, 0)

    @property
    def closed_share(self) -> float | None:
        return self.closed / self.total if self.total else None

    @property
    def registered_share(self) -> float | None:
        return self.registered / self.total if self.total else None

    @property
    def closed_percent(self) -> float | None:
        return percent(self.closed_share)

    @property
    def registered_percent(self) -> float | None:
        return percent(self.registered_share)

    @property
    def statuses(self) -> list[int]:
        """Counts in the order of :class:`CaseStatus`, zeros included, for table columns."""
        return [self.counts.get(value, 0) for value in CaseStatus.values]

    @property
    def colour(self) -> str:
        return colour_for(self.registered_share)


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass
class Campaign:
    filters: CampaignFilter
    today: date
    total: Tally
    divisions: list[Tally]
    units: list[Tally]
    unit_count: int
    overdue_count: int
    overdue_cases: list[TitleCase]
    conflict_kinds: list[KindCount]
    conflict_count: int
    conflicts: list[Finding]
    regions: dict[str, Any]  # GeoJSON FeatureCollection of the divisions with their figures
    unplaced: Tally | None = None  # cases in divisions above the level (a province building)

    @property
    def level(self) -> str:
        return self.filters.level


def colour_for(share: float | None) -> str:
    """The class colour of a share registered; grey where there is no case."""
    if share is None:
        return NO_CASES
    return COLOURS[sum(1 for bound in BREAKS if share >= bound)]


def legend() -> list[tuple[str, str]]:
    """``(colour, label)`` per class, then the colour for divisions without cases."""
    bounds = (0.0, *BREAKS, 1.0)
    rows = [
        (colour, f"{round(low * 100)}–{round(high * 100)}%")
        for colour, low, high in zip(COLOURS, bounds[:-1], bounds[1:], strict=True)
    ]
    return [*rows, (NO_CASES, _("no cases"))]


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def scoped_cases(user: Any, filters: CampaignFilter) -> QuerySet[TitleCase]:
    cases = TitleCase.objects.visible_to(user)
    if filters.prefix:
        cases = cases.filter(building__division__code__startswith=filters.prefix)
    return cases


def scoped_findings(user: Any, filters: CampaignFilter) -> QuerySet[Finding]:
    findings = Finding.objects.visible_to(user).open()
    if filters.prefix:
        findings = findings.filter(division__code__startswith=filters.prefix)
    return findings


def _late(today: date) -> Count:
    """Cases counted as overdue, by the rule of ``TitleCase.objects.overdue()``."""
    return Count("pk", filter=overdue_q(today))


def tallies(cases: QuerySet[TitleCase], fields: tuple[str, ...], today: date) -> list[Any]:
    """``(*fields, status, cases, overdue)`` rows: one grouped query."""
    grouped = cases.order_by().values_list(*fields, "status")
    return list(grouped.annotate(n=Count("pk"), late=_late(today)))


def by_division_code(cases: QuerySet[TitleCase], today: date) -> dict[str, Tally]:
    """Tallies per division code of the buildings (the finest level there is)."""
    found: dict[str, Tally] = {}
    for code, status, count, late in tallies(cases, ("building__division__code",), today):
        found.setdefault(code, Tally(code, code, code)).add(status, count, late)
    return found


def by_unit(cases: QuerySet[TitleCase], today: date) -> list[Tally]:
    """Tallies per managing unit: most overdue first, then most still open, then by name."""
    fields = (
        "building__managing_unit",
        "building__managing_unit__name",
        "building__managing_unit__division__code",
    )
    found: dict[int, Tally] = {}
    for pk, name, code, status, count, late in tallies(cases, fields, today):
        found.setdefault(pk, Tally(str(pk), name, code)).add(status, count, late)
    return sorted(found.values(), key=lambda t: (-t.overdue, t.closed - t.total, t.name))


def region_prefix(code: str, level: str) -> str:
    """The code prefix gathering a region's divisions (as ``AdminDivision.prefix``)."""
    return {DivisionLevel.PROVINCE: code[:2], DivisionLevel.CITY: code[:4]}.get(level, code)


def _region_rows(filters: CampaignFilter) -> Iterable[tuple[str, str, str, str]]:
    """``(code, name, level, GeoJSON)`` of the current regions at the filter's level.

    "city" is every division directly below a province (the cities of Sichuan and the districts
    and counties of Chongqing, which has no city level); "county" is every county-level one.
    """
    regions = AdminDivision.objects.filter(valid_to__isnull=True)
    if filters.level == "city":
        regions = regions.filter(parent__level=DivisionLevel.PROVINCE)
    else:
        regions = regions.filter(level=DivisionLevel.COUNTY)
    if filters.prefix:
        inside = Q(code__startswith=filters.prefix) | Q(code=filters.prefix[:4].ljust(6, "0"))
        regions = regions.filter(inside)
    thinned = SimplifyPreserveTopology("geom", TOLERANCE_DEG[filters.level])
    shape = AsGeoJSON(ForcePolygonCCW(thinned), precision=4)
    return (
        regions.annotate(shape=shape).order_by("code").values_list("code", "name", "level", "shape")
    )


def roll_up(
    codes: dict[str, Tally], filters: CampaignFilter
) -> tuple[list[Tally], dict[str, Any], Tally | None]:
    """Division tallies gathered into the level's regions, their GeoJSON, and what is left."""
    left = dict(codes)
    regions, features = [], []
    for code, name, level, shape in _region_rows(filters):
        tally = Tally(code, name, code)
        prefix = region_prefix(code, level)
        for found in [c for c in left if c.startswith(prefix)]:
            tally.absorb(left.pop(found))
        regions.append(tally)
        features.append(_feature(tally, shape))
    unplaced = Tally("", _("above this level"))
    for rest in left.values():
        unplaced.absorb(rest)
    collection = {"type": "FeatureCollection", "features": features}
    return regions, collection, unplaced if unplaced.total else None


def _feature(tally: Tally, shape: str) -> dict[str, Any]:
    properties = {
        "code": tally.code,
        "name": tally.name,
        "total": tally.total,
        "registered": tally.registered,
        "closed": tally.closed,
        "overdue": tally.overdue,
        "share": tally.registered_percent,
        "colour": tally.colour,
    }
    return {"type": "Feature", "geometry": json.loads(shape), "properties": properties}


def conflict_kinds(findings: QuerySet[Finding]) -> list[KindCount]:
    """Open findings per kind, every kind listed in the order of the choices."""
    found = dict(findings.order_by().values_list("kind").annotate(n=Count("pk")))
    return [
        KindCount(value, str(label), found.get(value, 0)) for value, label in ConflictKind.choices
    ]


def overdue_cases(cases: QuerySet[TitleCase], today: date) -> QuerySet[TitleCase]:
    related = ("building", "building__managing_unit", "building__division", "assigned_to")
    return cases.overdue(today).select_related(*related).order_by("due_date", "pk")


def newest_conflicts(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    return findings.select_related("unit", "division").order_by("-opened_at", "-pk")


def build_campaign(
    user: Any, filters: CampaignFilter, *, limit: int | None = LIST_LIMIT
) -> Campaign:
    """Everything the page and the reports show; ``limit=None`` keeps every unit and list row."""
    today = timezone.localdate()
    cases = scoped_cases(user, filters)
    findings = scoped_findings(user, filters)
    codes = by_division_code(cases, today)
    total = Tally("", _("All cases"))
    for tally in codes.values():
        total.absorb(tally)
    divisions, regions, unplaced = roll_up(codes, filters)
    kinds = conflict_kinds(findings)
    units = by_unit(cases, today)
    return Campaign(
        filters=filters,
        today=today,
        total=total,
        divisions=divisions,
        units=units[:limit],
        unit_count=len(units),
        overdue_count=total.overdue,
        overdue_cases=list(overdue_cases(cases, today)[:limit]),
        conflict_kinds=kinds,
        conflict_count=sum(k.count for k in kinds),
        conflicts=list(newest_conflicts(findings)[:limit]),
        regions=regions,
        unplaced=unplaced,
    )
