"""The denominators of the indicators (CostBasis), prefilled from the registry when a round
opens so that a division only corrects them: usable area and staff from the units' occupancies,
official vehicles from the fleet."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from portal.buildings.models import Occupancy
from portal.costs.models import CostBasis
from portal.fleet.choices import VehicleStatus
from portal.fleet.models import Vehicle
from portal.org.models import Unit


def headcount(staff_by_rank: Mapping[str, Any] | None) -> int:
    """The number of people in a {rank: count} mapping; counts that are no numbers are ignored
    rather than guessed."""
    return sum(
        int(count)
        for count in (staff_by_rank or {}).values()
        if isinstance(count, int | float | Decimal) and count > 0
    )


def registry_bases(units: Iterable[Unit]) -> dict[int, tuple[Decimal, int, int]]:
    """(usable area m², staff, vehicles in service) per unit id, read from the registry in
    three queries: area and staff from the unit's occupancies (its own establishment when it
    occupies nothing), vehicles the unit holds that are not retired."""
    units = list(units)
    ids = [unit.pk for unit in units]
    areas = dict(
        Occupancy.objects.filter(unit_id__in=ids)
        .values_list("unit_id")
        .annotate(Sum("usable_area_m2"))
    )
    staff: dict[int, int] = defaultdict(int)
    for unit_id, by_rank in Occupancy.objects.filter(unit_id__in=ids).values_list(
        "unit_id", "staff_by_rank"
    ):
        staff[unit_id] += headcount(by_rank)
    vehicles = dict(
        Vehicle.objects.filter(holder_id__in=ids)
        .exclude(status=VehicleStatus.RETIRED)
        .values_list("holder_id")
        .annotate(Count("pk"))
    )
    return {
        unit.pk: (
            areas.get(unit.pk) or Decimal("0.00"),
            staff[unit.pk] if unit.pk in areas else headcount(unit.staff_by_rank),
            vehicles.get(unit.pk, 0),
        )
        for unit in units
    }


def prefill_bases(units: Iterable[Unit], year: int) -> int:
    """Create the ``year``'s basis of every unit that has none yet, from the registry; an
    existing basis (filled or corrected by someone) is never overwritten. Runs inside the
    caller's ``writing`` block; returns how many were created."""
    units = list(units)
    present = set(
        CostBasis.objects.filter(unit__in=units, year=year).values_list("unit_id", flat=True)
    )
    figures = registry_bases(unit for unit in units if unit.pk not in present)
    created = CostBasis.objects.bulk_create(
        CostBasis(unit_id=unit_id, year=year, usable_area_m2=area, staff=staff, vehicles=vehicles)
        for unit_id, (area, staff, vehicles) in figures.items()
    )
    return len(created)
