"""Official-vehicle costs taken from the fleet's trips (the VEHICLES category).

For unit U and a month (Asia/Shanghai, by the trip's actual end) a trip counts:
- U's own trip (payer = holder = U): fuel + charging + tolls + parking;
- U's vehicle serving another unit (holder = U ≠ payer): fuel + charging, since the payer's
  settlement pays the rest;
- U using another unit's vehicle (payer = U ≠ holder): the settlement ``amount``.
The holder is the trip's ``payee``, the vehicle's holder when the trip was completed: a vehicle
handed to another unit later leaves its earlier trips with the unit that ran it then.
:func:`monthly_vehicle_costs` computes these for many units and years in two grouped queries
(the demo loader reuses it); :func:`take_from_fleet` turns one return's figures into
``source=FLEET`` records, one per month with trips, which no hand edit may change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _

from portal.core.services import writing
from portal.costs.choices import CostCategory, CostSource
from portal.costs.exceptions import CostInputError
from portal.costs.models import CostRecord, CostReturn
from portal.costs.services.campaigns import lock_return
from portal.costs.services.records import check_editable, mark_started, money
from portal.fleet.models import Trip

if TYPE_CHECKING:
    from portal.org.models import Unit, User

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
MONEY_FIELD: Final = DecimalField(max_digits=16, decimal_places=2)
MonthKey = tuple[int, int, int]  # unit id, year, month


def _trips(years: Iterable[int]) -> QuerySet[Trip]:
    years = sorted(set(years))
    start = dt.datetime(years[0], 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(years[-1] + 1, 1, 1, tzinfo=SHANGHAI)
    return (
        Trip.objects.filter(actual_end__gte=start, actual_end__lt=end)
        .annotate(
            y=ExtractYear("actual_end", tzinfo=SHANGHAI),
            m=ExtractMonth("actual_end", tzinfo=SHANGHAI),
        )
        .filter(y__in=years)
    )


def monthly_vehicle_costs(unit_ids: Iterable[int], years: Iterable[int]) -> dict[MonthKey, Decimal]:
    """(unit id, year, month) → the unit's vehicle cost of that month, for months with trips."""
    unit_ids, years = list(unit_ids), list(years)
    if not unit_ids or not years:
        return {}
    totals: dict[MonthKey, Decimal] = defaultdict(Decimal)
    own_extras = Case(
        When(payer_id=F("payee_id"), then=F("tolls") + F("parking")),
        default=Value(Decimal("0")),
        output_field=MONEY_FIELD,
    )
    held = (
        _trips(years)
        .filter(payee_id__in=unit_ids)
        .values("payee_id", "y", "m")
        .annotate(
            total=Sum(F("fuel_cost") + F("charge_cost") + own_extras, output_field=MONEY_FIELD)
        )
    )
    for row in held:
        totals[(row["payee_id"], row["y"], row["m"])] += row["total"]
    used = (
        _trips(years)
        .filter(payer_id__in=unit_ids)
        .filter(~Q(payee_id=F("payer_id")))
        .values("payer_id", "y", "m")
        .annotate(total=Sum("amount"))
    )
    for row in used:
        totals[(row["payer_id"], row["y"], row["m"])] += row["total"]
    return {key: money(value) for key, value in totals.items()}


def take_from_fleet(cost_return: CostReturn, units: Iterable[Unit], *, by: User) -> int:
    """Refresh the fleet records of ``units`` for the return's year from the trips; returns how
    many months carry a vehicle cost. A month whose trips vanished loses its record."""
    with writing(by):
        locked = lock_return(cost_return)
        units = list(units)
        for unit in units:
            check_editable(locked, unit, by)
        year = locked.campaign.year
        costs = monthly_vehicle_costs([u.pk for u in units], [year])
        for unit in units:
            _refresh_unit(locked, unit, costs)
        mark_started(locked, by=by)
    cost_return.refresh_from_db()
    return len(costs)


def _refresh_unit(cost_return: CostReturn, unit: Unit, costs: dict[MonthKey, Decimal]) -> None:
    year = cost_return.campaign.year
    months = {m: amount for (u, y, m), amount in costs.items() if u == unit.pk and y == year}
    rows = CostRecord.objects.filter(
        unit=unit, year=year, category=CostCategory.VEHICLES, building__isnull=True
    )
    hand = rows.exclude(source=CostSource.FLEET).order_by("month").first()
    if hand is not None and months:
        raise CostInputError(
            _(
                "%(unit)s has a hand-entered vehicle cost for %(period)s: remove it before "
                "taking the vehicle costs from the fleet."
            )
            % {"unit": unit.name, "period": f"{year}-{hand.month:02d}" if hand.month else year}
        )
    stored = {r.month: r for r in rows.filter(source=CostSource.FLEET)}
    for month, amount in months.items():
        record = stored.pop(month, None) or CostRecord(
            unit=unit,
            year=year,
            month=month,
            category=CostCategory.VEHICLES,
            source=CostSource.FLEET,
        )
        if record.pk is None or record.amount_yuan != amount:
            record.amount_yuan = amount
            record.cost_return = cost_return
            record.save()
    CostRecord.objects.filter(pk__in=[r.pk for r in stored.values()]).delete()
