"""How much the vehicles are used, and the idle ones the public asset warehouse could take.

Utilisation is the share of the working hours a vehicle was assigned: the hours of its active
assignments that fall inside the working day (from WORKDAY_OPENS for ``working_hours``) of each
weekday of the period, over weekdays × ``working_hours`` (no holiday calendar), counted from the
time the vehicle entered service (its record, or its first assignment when that came earlier).
Kilometres come from the trips begun in the period. A unit's or a city's figure pools its
vehicles' hours (so a large fleet is not averaged as a small one). An available vehicle used below
``idle_pct`` over the last ``idle_days`` is idle, and its asset record may be offered in the
warehouse in one click.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db.models import Min, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.assets.choices import ListingMode, ListingReason
from portal.assets.services.listings import publish_listing
from portal.fleet import stats_sql
from portal.fleet.choices import VehicleStatus
from portal.fleet.exceptions import FleetStateError
from portal.fleet.models import Vehicle
from portal.org.choices import DivisionLevel

if TYPE_CHECKING:
    from portal.assets.models import Listing
    from portal.org.models import AdminDivision, User

__all__ = [
    "WORKDAY_OPENS",
    "Usage",
    "UtilisationReport",
    "idle_vehicles",
    "offer_idle_vehicle",
    "utilisation",
    "weekdays",
]

# Offices open at nine; the working day runs ``working_hours`` from then (lunch included, as the
# government's standard day of 9:00–17:00 counts it).
WORKDAY_OPENS: Final = dt.time(9, 0)


def weekdays(first: dt.date, last: dt.date) -> int:
    """Monday to Friday days from ``first`` to ``last`` inclusive."""
    days = (last - first).days + 1
    return sum(1 for n in range(max(days, 0)) if (first + dt.timedelta(days=n)).isoweekday() < 6)


@dataclass
class Usage:
    """One line of a utilisation table: a vehicle, a unit or a city and what its vehicles did."""

    key: Any
    label: str
    vehicles: int = 0
    hours: float = 0.0
    available_hours: float = 0.0
    km: Decimal = Decimal(0)
    trips: int = 0
    vehicle: Vehicle | None = field(default=None, compare=False)

    @property
    def percent(self) -> float:
        if not self.available_hours:
            return 0.0
        return round(100 * self.hours / self.available_hours, 2)

    def add(self, other: Usage) -> None:
        self.vehicles += other.vehicles
        self.hours += other.hours
        self.available_hours += other.available_hours
        self.km += other.km
        self.trips += other.trips


@dataclass(frozen=True)
class UtilisationReport:
    first: dt.date
    last: dt.date
    weekdays: int
    by_vehicle: list[Usage]
    by_unit: list[Usage]
    by_city: list[Usage]
    total: Usage


def _working_days(
    first: dt.date, last: dt.date, hours: float
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The working day (opening, closing) of each weekday first..last, in local time."""
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    opens = [
        timezone.make_aware(dt.datetime.combine(day, WORKDAY_OPENS))
        for day in days
        if day.isoweekday() < 6
    ]
    return [(start, start + dt.timedelta(hours=hours)) for start in opens]


def _available_hours(workdays: list[tuple[dt.datetime, dt.datetime]], since: dt.datetime) -> float:
    """The working hours from ``since`` on: a vehicle counts no hours before it was in service."""
    seconds = sum(max((end - max(start, since)).total_seconds(), 0) for start, end in workdays)
    return seconds / 3600


def _in_service(vehicles: Any) -> dict[int, dt.datetime]:
    """Since when each vehicle served: its record's creation, or its first assignment when that
    came earlier (a vehicle recorded after it began to serve, as imported fleets are)."""
    first_assigned = Min(Lower("assignments__period"), filter=Q(assignments__released_at=None))
    rows = (
        Vehicle.objects.filter(pk__in=vehicles.values("pk"))
        .values_list("pk", "created_at")
        .annotate(first=first_assigned)
    )
    return {pk: min(created, first or created) for pk, created, first in rows}


def _vehicle_usage(vehicles: Any, first: dt.date, last: dt.date) -> list[Usage]:
    """One Usage per vehicle of the queryset over first..last."""
    hours_per_day = float(settings.TIANFU_FLEET["working_hours"])
    since = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    until = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
    rows = stats_sql.usage(
        vehicles,
        first=first,
        last=last,
        opens=WORKDAY_OPENS,
        hours=hours_per_day,
        tz=timezone.get_current_timezone_name(),
        trips_since=since,
        trips_until=until,
    )
    # Divisions are at most three deep (province, city, county): _city_of climbs no higher.
    loaded = vehicles.select_related("holder__division__parent__parent", "asset").in_bulk()
    workdays = _working_days(first, last, hours_per_day)
    in_service = _in_service(vehicles)
    return [
        Usage(
            key=row.vehicle_id,
            label=loaded[row.vehicle_id].plate,
            vehicles=1,
            hours=row.seconds / 3600,
            available_hours=_available_hours(workdays, in_service[row.vehicle_id]),
            km=Decimal(row.km),
            trips=row.trips,
            vehicle=loaded[row.vehicle_id],
        )
        for row in rows
    ]


def _city_of(division: AdminDivision) -> AdminDivision:
    """The division right below the province (a Sichuan city, a Chongqing district or county)
    that contains ``division``; a province stands for itself."""
    while division.parent is not None and division.parent.level != DivisionLevel.PROVINCE:
        division = division.parent
    return division


def _grouped(lines: Iterable[Usage], key: Any) -> list[Usage]:
    groups: dict[Any, Usage] = {}
    for line in lines:
        group_key, label = key(line.vehicle)
        groups.setdefault(group_key, Usage(key=group_key, label=label)).add(line)
    return sorted(groups.values(), key=lambda usage: (-usage.percent, usage.label))


def _unit_key(vehicle: Vehicle) -> tuple[int, str]:
    return vehicle.holder_id, vehicle.holder.name


def _city_key(vehicle: Vehicle) -> tuple[str, str]:
    city = _city_of(vehicle.holder.division)
    return city.code, city.name


def utilisation(user: User, first: dt.date, last: dt.date) -> UtilisationReport:
    """Utilisation of the vehicles ``user`` may see over first..last, by vehicle, holder unit
    and city."""
    lines = _vehicle_usage(Vehicle.objects.visible_to(user), first, last)
    total = Usage(key=None, label=_("All vehicles"))
    for line in lines:
        total.add(line)
    return UtilisationReport(
        first=first,
        last=last,
        weekdays=weekdays(first, last),
        by_vehicle=sorted(lines, key=lambda usage: (-usage.percent, usage.label)),
        by_unit=_grouped(lines, _unit_key),
        by_city=_grouped(lines, _city_key),
        total=total,
    )


def idle_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last ``idle_days`` days up to yesterday (today is not over yet)."""
    last = (today or timezone.localdate()) - dt.timedelta(days=1)
    return last - dt.timedelta(days=int(settings.TIANFU_FLEET["idle_days"]) - 1), last


def idle_vehicles(user: User, today: dt.date | None = None, *, vehicles: Any = None) -> list[Usage]:
    """Available vehicles ``user`` may see used below ``idle_pct`` over the idle window, the
    least used first."""
    first, last = idle_window(today)
    scoped = vehicles if vehicles is not None else Vehicle.objects.visible_to(user)
    lines = _vehicle_usage(scoped.filter(status=VehicleStatus.AVAILABLE), first, last)
    threshold = float(settings.TIANFU_FLEET["idle_pct"])
    # A vehicle not yet in service over the window has no working hours to be idle in.
    idle = [line for line in lines if line.available_hours and line.percent < threshold]
    return sorted(idle, key=lambda usage: (usage.percent, usage.label))


def offer_idle_vehicle(vehicle: Vehicle, *, by: User, today: dt.date | None = None) -> Listing:
    """Offer an idle vehicle's asset record in the public asset warehouse, virtually (the
    vehicle stays at its base). The warehouse's own rules decide who may offer it and whether
    its asset may be listed; this checks that the vehicle has a record and is idle."""
    if vehicle.asset_id is None:
        raise FleetStateError(
            _("Vehicle %(plate)s has no asset record to offer; link it to its ledger entry first.")
            % {"plate": vehicle.plate}
        )
    found = idle_vehicles(by, today, vehicles=Vehicle.objects.filter(pk=vehicle.pk))
    if not found:
        raise FleetStateError(
            _("Vehicle %(plate)s is not idle: it is in use or was used enough lately.")
            % {"plate": vehicle.plate}
        )
    days = int(settings.TIANFU_FLEET["idle_days"])
    explanation = _(
        "Official vehicle %(plate)s was used %(percent)s%% of the working hours over the last "
        "%(days)d days."
    ) % {"plate": vehicle.plate, "percent": found[0].percent, "days": days}
    return publish_listing(
        vehicle.asset,
        reason=ListingReason.IDLE,
        explanation=explanation,
        mode=ListingMode.VIRTUAL,
        by=by,
    )
