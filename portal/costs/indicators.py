"""Running-cost indicators per unit and year: cost per m², per person and per vehicle, energy
and water use, year-on-year change and budget execution, each unit judged against the median
of its peers (same government level and kind, same year).

The figures come from one SQL statement (``portal.costs.sql``), which also computes the peer
medians over ALL units, so the median a unit is judged against never depends on who looks;
only the rows returned are scoped to the reader."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.core.choices import Confidentiality, GovernmentLevel
from portal.costs import sql
from portal.costs.choices import CostCategory
from portal.org.choices import UnitKind
from portal.org.models import Unit
from portal.org.scoping import cleared_levels

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from portal.org.models import User

# Key → label, in display order (dashboards and exports list them so).
INDICATORS: dict[str, Promise] = {
    "per_m2_yuan": _("Cost per m²"),
    "per_person_yuan": _("Cost per person"),
    "per_vehicle_yuan": _("Cost per vehicle"),
    "energy_per_m2_kgce": _("Energy use per m²"),
    "energy_per_person_kgce": _("Energy use per person"),
    "water_per_person_m3": _("Water use per person"),
    "yoy_change": _("Year-on-year change"),
    "execution_rate": _("Budget execution rate"),
}

# What each indicator's value is measured in (ratios have none).
INDICATOR_UNITS: dict[str, Promise | str] = {
    "per_m2_yuan": _("yuan"),
    "per_person_yuan": _("yuan"),
    "per_vehicle_yuan": _("yuan"),
    "energy_per_m2_kgce": _("kgce"),
    "energy_per_person_kgce": _("kgce"),
    "water_per_person_m3": "m³",
    "yoy_change": "",
    "execution_rate": "",
}

# Indicators judged against the peers' median; changes and rates are not comparable so.
JUDGED: tuple[str, ...] = (
    "per_m2_yuan",
    "per_person_yuan",
    "per_vehicle_yuan",
    "energy_per_m2_kgce",
    "energy_per_person_kgce",
)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Outlier:
    indicator: str
    value: Decimal
    median: Decimal
    peers: int  # size of the peer group (same level, kind, year), the unit included
    ratio: Decimal  # value / median, 2 decimals
    reason: str


@dataclass(frozen=True)
class UnitYear:
    unit_id: int
    unit_name: str
    level: str
    kind: str
    division_code: str
    year: int
    total_yuan: Decimal
    by_category: dict[str, Decimal]
    budget_yuan: Decimal | None
    execution_rate: Decimal | None
    area_m2: Decimal | None
    staff: int | None
    vehicles: int | None
    per_m2_yuan: Decimal | None
    per_person_yuan: Decimal | None
    per_vehicle_yuan: Decimal | None
    energy_kgce: Decimal | None
    water_m3: Decimal | None  # Σ metered water; None without any water quantity
    energy_per_m2_kgce: Decimal | None
    energy_per_person_kgce: Decimal | None
    water_per_person_m3: Decimal | None
    yoy_change: Decimal | None
    outliers: tuple[Outlier, ...]

    def indicator(self, key: str) -> Decimal | None:
        """The value of the indicator ``key`` (one of INDICATORS)."""
        if key not in INDICATORS:
            raise KeyError(key)
        value: Decimal | None = getattr(self, key)
        return value


def compute(
    units: QuerySet[Unit], years: Iterable[int], *, cleared: list[str] | None = None
) -> list[UnitYear]:
    """One row per (unit, year) of ``units`` and ``years`` that has any cost record, ordered by
    unit division, unit name and year. ``units`` are already scoped by the caller; ``cleared``
    lists the confidentiality levels whose buildings' records count in the rows (all when
    None), while the peer medians always count every record."""
    years = sorted(set(years))
    unit_ids = list(units.values_list("pk", flat=True))
    if not years or not unit_ids:
        return []
    rows = sql.indicator_rows(unit_ids, years, cleared=cleared)
    judge = _Judge.from_settings()
    return [_unit_year(row, judge) for row in rows]


def compute_for(user: User, years: Iterable[int], *, division_prefix: str = "") -> list[UnitYear]:
    """The rows ``user`` may read, optionally only the units of divisions starting with
    ``division_prefix``; records on buildings classified above the user's clearance are left
    out of the figures like the buildings themselves."""
    units = Unit.objects.visible_to(user)
    if division_prefix:
        units = units.filter(division__code__startswith=division_prefix)
    levels = cleared_levels(user)
    cleared = None if len(levels) == len(Confidentiality.values) else levels
    return compute(units, years, cleared=cleared)


def _unit_year(row: sql.IndicatorRow, judge: _Judge) -> UnitYear:
    """The statement's row as the public figure: every category present, the peer medians
    turned into the outliers they flag."""
    fields = row._asdict()
    del fields["peers"]
    fields["by_category"] = {**ZEROS, **row.by_category}
    figures = {key: fields[key] for key in JUDGED}
    return UnitYear(**fields, outliers=judge.outliers(row, figures))


ZEROS = {category.value: Decimal("0.00") for category in CostCategory}


@dataclass(frozen=True)
class _Judge:
    """The outlier rule: a value beyond ``factor`` × the median, or below the median ÷
    ``factor``, of a peer group of at least ``min_peers`` units. Its sentences are translated
    once per computation: thousands of outliers would otherwise each translate them again."""

    factor: Decimal
    min_peers: int
    above: str
    below: str
    labels: dict[str, str]
    groups: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls) -> _Judge:
        conf = settings.TIANFU_COSTS
        labels = {key: f"{INDICATORS[key]} %(value)s {INDICATOR_UNITS[key]}" for key in JUDGED}
        return cls(
            # The factor is a float setting: str() keeps the decimal the administrator wrote.
            factor=Decimal(str(conf["outlier_factor"])),
            min_peers=int(conf["min_peers"]),
            above=gettext(
                "%(label)s is %(ratio)s × the median %(median)s of "
                "%(peers)d %(group)s in %(year)d: above %(factor)s × the median."
            ),
            below=gettext(
                "%(label)s is %(ratio)s × the median %(median)s of "
                "%(peers)d %(group)s in %(year)d: below the median ÷ %(factor)s."
            ),
            labels=labels,
        )

    def outliers(
        self, row: sql.IndicatorRow, figures: dict[str, Decimal | None]
    ) -> tuple[Outlier, ...]:
        found = []
        for key in JUDGED:
            value, peer = figures[key], row.peers.get(key)
            if value is None or peer is None:
                continue
            median, peers = peer
            if peers < self.min_peers or median <= 0:
                continue
            above, below = value > self.factor * median, value * self.factor < median
            if above or below:
                found.append(self._outlier(row, key, value, peer, above=above))
        return tuple(found)

    def _outlier(
        self,
        row: sql.IndicatorRow,
        key: str,
        value: Decimal,
        peer: tuple[Decimal, int],
        *,
        above: bool,
    ) -> Outlier:
        median, peers = peer
        ratio = (value / median).quantize(CENT, rounding=ROUND_HALF_UP)
        words = {
            "label": self.labels[key] % {"value": value},
            "ratio": ratio,
            "median": median,
            "peers": peers,
            "group": self._group(row.level, row.kind),
            "year": row.year,
            "factor": self.factor.normalize(),
        }
        text = (self.above if above else self.below) % words
        return Outlier(key, value, median, peers, ratio, text)

    def _group(self, level: str, kind: str) -> str:
        """ "county-level units of kind “government organ”": the group a unit is compared with."""
        if (level, kind) not in self.groups:
            self.groups[level, kind] = gettext("%(level)s-level units of kind “%(kind)s”") % {
                "level": GovernmentLevel(level).label if level in GovernmentLevel.values else level,
                "kind": UnitKind(kind).label if kind in UnitKind.values else kind,
            }
        return self.groups[level, kind]
