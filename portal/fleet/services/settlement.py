"""Monthly settlement of pooled trips between units: a unit's statement and a pool's summary.

A trip belongs to the month in which it ended (local time). Only trips between two different
units are settled: a unit driving its own vehicle owes nobody. Amounts were fixed to the fen
when each trip was completed (:mod:`portal.fleet.services.trips`), so every total here is an
exact sum of the lines printed below it. Trips are split into three sections, settled and
counted separately as the Sichuan–Chongqing integration asks: ordinary trips, trips inside a
cooperation region (高竹新区, 遂潼 …) and trips across the Sichuan–Chongqing border.

Reads only: the lines come from ``Trip.objects.visible_to(user)``, so a pool manager's
statement of a unit shows the trips of the pools he manages, and a unit's officer sees all of
his unit's trips; such a statement is marked ``partial`` and says so on every copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fleet.choices import RegionClass
from portal.fleet.models import Trip, VehiclePool
from portal.org.models import Unit
from portal.org.scoping import read_scope

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from portal.org.models import User

ZERO: Final = Decimal("0.00")
# The years a statement may be asked for: the pooled dispatch has no trips outside them.
YEARS: Final = (2000, 2100)
SECTIONS: Final = (
    ("ordinary", _("Ordinary trips")),
    ("cooperation", _("Trips inside a cooperation region")),
    ("cross_border", _("Sichuan–Chongqing cross-border trips")),
)


def section_of(region_class: str) -> str:
    """The section a trip is settled in: a cooperation region's trips apart (even when they
    cross the border, like 遂宁–潼南), then trips between Sichuan and Chongqing, then the rest."""
    if region_class == RegionClass.COOPERATION:
        return "cooperation"
    if region_class == RegionClass.CROSS_PROVINCE:
        return "cross_border"
    return "ordinary"


@dataclass(frozen=True)
class Month:
    """A calendar month, local time: the period of a statement."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM`` of a year in :data:`YEARS`; ValueError otherwise (year 0 or 9999 would
        fail later, when the month's bounds are computed)."""
        day = dt.datetime.strptime(text, "%Y-%m").date()
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise ValueError(f"year {day.year} is outside {YEARS[0]}–{YEARS[1]}")
        return cls(day.year, day.month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The aware instants the month starts and the next one starts."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.first, dt.time(), tzinfo=tz)
        return start, dt.datetime.combine(self.next.first, dt.time(), tzinfo=tz)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Line:
    """One trip as a statement prints it, seen from the unit the statement is for."""

    trip: Trip
    counterparty: Unit

    @property
    def amount(self) -> Decimal:
        return self.trip.amount

    @property
    def extras(self) -> Decimal:
        """Tolls and parking, billed at cost on top of the tariff."""
        return self.trip.tolls + self.trip.parking


@dataclass
class Side:
    """Payable or receivable lines of one section, with their exact sum."""

    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def distance_km(self) -> Decimal:
        return sum((line.trip.distance_km for line in self.lines), Decimal("0.0"))


@dataclass
class Section:
    key: str
    label: str | Promise
    payable: Side = field(default_factory=Side)
    receivable: Side = field(default_factory=Side)

    @property
    def net(self) -> Decimal:
        """What the unit is owed (positive) or owes (negative) for this section."""
        return self.receivable.total - self.payable.total

    @property
    def trip_count(self) -> int:
        return len(self.payable.lines) + len(self.receivable.lines)


@dataclass
class Statement:
    """A unit's month: what it owes for trips in others' vehicles and what others owe it."""

    unit: Unit
    month: Month
    sections: list[Section]
    # Built for a pool manager outside the unit's scope: only his pools' trips are listed.
    partial: bool = False

    @property
    def payable(self) -> Decimal:
        return sum((section.payable.total for section in self.sections), ZERO)

    @property
    def receivable(self) -> Decimal:
        return sum((section.receivable.total for section in self.sections), ZERO)

    @property
    def net(self) -> Decimal:
        return self.receivable - self.payable

    @property
    def trip_count(self) -> int:
        return sum(section.trip_count for section in self.sections)


def settled_trips(user: User, month: Month) -> QuerySet[Trip]:
    """Trips ``user`` may read that ended in ``month`` between two different units."""
    start, end = month.bounds()
    return (
        Trip.objects.visible_to(user)
        .filter(actual_end__gte=start, actual_end__lt=end)
        .exclude(payer=F("payee"))
        .select_related("payer", "payee", "vehicle", "booking")
        .order_by("actual_end", "pk")
    )


def unit_statement(unit: Unit, month: Month, *, user: User) -> Statement:
    """``unit``'s statement for ``month`` from the trips ``user`` may read."""
    sections = {key: Section(key, label) for key, label in SECTIONS}
    trips = settled_trips(user, month).filter(Q(payer=unit) | Q(payee=unit))
    for trip in trips:
        section = sections[section_of(trip.region_class)]
        if trip.payer_id == unit.pk:
            section.payable.lines.append(Line(trip, trip.payee))
        else:
            section.receivable.lines.append(Line(trip, trip.payer))
    return Statement(unit, month, list(sections.values()), not read_scope(user).allows(unit))


def statement_units(user: User) -> QuerySet[Unit]:
    """Units whose statement ``user`` may open: units in the read scope, and the member and
    operating units of the pools the user manages."""
    managed = VehiclePool.objects.managed_by(user)
    in_pools = Q(vehicle_pools__in=managed) | Q(operated_pools__in=managed)
    return Unit.objects.filter(
        Q(pk__in=Unit.objects.visible_to(user).values("pk"))
        | Q(pk__in=Unit.objects.filter(in_pools).values("pk"))
    ).order_by("name")


# -- a pool's summary --------------------------------------------------------------------------


@dataclass
class PoolSummary:
    """A pool's month as a matrix: rows the paying units, columns the paid units, each cell the
    sum of the trips between them; section totals beside it."""

    pool: VehiclePool
    month: Month
    payers: list[Unit]
    payees: list[Unit]
    cells: dict[tuple[int, int], Decimal]
    section_totals: dict[str, Decimal]
    section_counts: dict[str, int]

    def cell(self, payer: Unit, payee: Unit) -> Decimal | None:
        return self.cells.get((payer.pk, payee.pk))

    def rows(self) -> list[tuple[Unit, list[Decimal | None], Decimal]]:
        """Each payer, its cells in the order of :attr:`payees`, and its row total."""
        return [
            (payer, [self.cell(payer, payee) for payee in self.payees], self.payer_total(payer))
            for payer in self.payers
        ]

    def payer_total(self, payer: Unit) -> Decimal:
        return sum((v for (p, q), v in self.cells.items() if p == payer.pk), ZERO)

    def payee_totals(self) -> list[Decimal]:
        return [
            sum((v for (p, q), v in self.cells.items() if q == payee.pk), ZERO)
            for payee in self.payees
        ]

    @property
    def total(self) -> Decimal:
        return sum(self.cells.values(), ZERO)

    def sections(self) -> list[tuple[str | Promise, int, Decimal]]:
        return [
            (label, self.section_counts[key], self.section_totals[key]) for key, label in SECTIONS
        ]


def may_see_pool(user: User, pool: VehiclePool) -> bool:
    """The pool's managers, and whoever reads its operating unit (the province administrators,
    the operator's own officers)."""
    return pool.managers.filter(pk=user.pk).exists() or read_scope(user).allows(pool.operator)


def pool_summary(pool: VehiclePool, month: Month, *, user: User) -> PoolSummary:
    """The payer × payee matrix of ``pool``'s settled trips in ``month``."""
    cells: dict[tuple[int, int], Decimal] = {}
    totals = dict.fromkeys((key for key, label in SECTIONS), ZERO)
    counts = dict.fromkeys((key for key, label in SECTIONS), 0)
    units: dict[int, Unit] = {}
    for trip in settled_trips(user, month).filter(booking__pool=pool):
        key = (trip.payer_id, trip.payee_id)
        cells[key] = cells.get(key, ZERO) + trip.amount
        section = section_of(trip.region_class)
        totals[section] += trip.amount
        counts[section] += 1
        units[trip.payer_id], units[trip.payee_id] = trip.payer, trip.payee
    by_name = sorted(units.values(), key=lambda unit: (unit.name, unit.pk))
    payers = [unit for unit in by_name if any(p == unit.pk for p, q in cells)]
    payees = [unit for unit in by_name if any(q == unit.pk for p, q in cells)]
    return PoolSummary(pool, month, payers, payees, cells, totals, counts)
