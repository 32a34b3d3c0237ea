"""What incident response reads: the depots that can supply an incident, ranked by travel time
over the terrain, and a suggested allocation of their batches to its needs.

Travel time. One cost-distance search runs from the incident over the region's travel-cost
surface (``fixtures/terrain_1km.tif``, band 3, read once per process) and is read at every depot
that holds stock for any need: minutes over the terrain, not straight-line distance, which in
Sichuan's mountains can rank a depot across a ridge after a farther one in the valley. The
straight-line (geodesic, GRS80) kilometres are shown beside it. A depot off the surface (outside
the provinces) has no travel time and ranks after every depot that has one, nearest first.

Which stock counts. A need names a GB/T 38565 class; a batch of that class or of any class below
it (the code-prefix subtree: a need for 1010000 shelter is met by 1010101 single tents) counts
if it holds something and has not expired. The ranking reads what the user may see; the
suggestion only the batches the user may dispatch from (``editable_by``). The writes (report,
dispatch, close) are in :mod:`portal.depots.services.incidents`, which re-exports these two.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pyproj
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gis.costdistance import minutes_to_points
from gis.surfaces import Surface, travel_cost
from portal.depots.exceptions import DepotForbiddenError
from portal.depots.models import Depot, Incident, IncidentNeed, StockItem

if TYPE_CHECKING:
    from portal.org.models import User

# GB/T 38565 codes: 7 digits in 4 levels of 1, 2, 2 and 2 digits; where each level ends.
LEVEL_ENDS: Final = (1, 3, 5, 7)
_GEOD: Final = pyproj.Geod(ellps="GRS80")  # CGCS2000's ellipsoid

# -- what the pages and the API read -------------------------------------------------------------


@dataclass(frozen=True)
class DepotOption:
    """A depot holding stock for one need, with how far it is from the incident."""

    depot_id: int
    code: str
    name: str
    lon: float
    lat: float
    minutes: float | None  # None: the depot is off the travel-cost surface
    distance_km: float
    available: Decimal  # in the usable batches the user may see
    batches: int
    covers: bool  # holds the whole need by itself
    editable: bool  # the user may dispatch from it


@dataclass(frozen=True)
class NeedRanking:
    need_id: int
    category: str
    quantity: Decimal
    depots: tuple[DepotOption, ...]

    @property
    def available(self) -> Decimal:
        return sum((d.available for d in self.depots), Decimal(0))


@dataclass(frozen=True)
class AllocationLine:
    """One batch the user may dispatch for a need, and how much of it the suggestion takes."""

    need_id: int
    stock_item_id: int
    item_name: str
    batch_no: str
    category: str
    unit_of_measure: str
    expires_on: date | None
    depot_id: int
    depot_name: str
    minutes: float | None
    distance_km: float
    in_stock: Decimal  # the batch's quantity now
    quantity: Decimal  # suggested; 0 for a batch the suggestion does not need


@dataclass(frozen=True)
class NeedAllocation:
    need_id: int
    category: str
    quantity: Decimal
    options: tuple[AllocationLine, ...]  # every usable batch, in the order they are drawn from

    @property
    def lines(self) -> tuple[AllocationLine, ...]:
        return tuple(line for line in self.options if line.quantity > 0)

    @property
    def allocated(self) -> Decimal:
        return sum((line.quantity for line in self.options), Decimal(0))

    @property
    def shortfall(self) -> Decimal:
        return max(self.quantity - self.allocated, Decimal(0))


Travel = dict[int, tuple[float | None, float]]  # depot id -> (minutes or None, km)


# -- which stock counts, and how far it is -------------------------------------------------------


def subtree_prefix(code: str) -> str:
    """The code prefix shared by a supply class and every class below it.

    ``"1010000"`` (shelter) → ``"101"``, so 1010101 (single tents) belongs to it; a level whose
    digits are zeros is not part of the prefix, whatever digits the levels above end in
    (``"1100000"`` → ``"110"``, which 1110000 does not match).
    """
    end = LEVEL_ENDS[0]
    for start, stop in pairwise(LEVEL_ENDS):
        if code[start:stop].strip("0"):
            end = stop
    return code[:end]


def _usable(stock: QuerySet[StockItem], need: IncidentNeed) -> QuerySet[StockItem]:
    """Batches of the need's class subtree that hold something and have not expired."""
    today = timezone.localdate()
    return stock.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        category__code__startswith=subtree_prefix(need.category.code),
        quantity__gt=0,
    ).select_related("depot", "category")


@lru_cache(maxsize=1)
def travel_surface() -> Surface:
    """The region's travel cost (minutes per 1 km cell), read once per process: it never changes
    while the portal runs, and cost-distance caches its graph per surface object."""
    return travel_cost()


def travel_to(incident: Incident, depots: Sequence[Depot], cost: Surface | None) -> Travel:
    """Minutes over the terrain (one search from the incident) and geodesic km to each depot."""
    if not depots:
        return {}
    lon, lat = incident.geom.x, incident.geom.y
    targets = np.array([(d.geom.x, d.geom.y) for d in depots], dtype=np.float64)
    minutes = minutes_to_points(cost or travel_surface(), (lon, lat), targets)
    n = len(targets)
    _az, _back, metres = _GEOD.inv(np.full(n, lon), np.full(n, lat), targets[:, 0], targets[:, 1])
    return {
        depot.pk: (float(m) if math.isfinite(m) else None, float(d) / 1000)
        for depot, m, d in zip(depots, minutes, np.atleast_1d(metres), strict=True)
    }


def _travel_key(travel: tuple[float | None, float], code: str) -> tuple[bool, float, float, str]:
    """Reached sooner first; depots off the surface last, nearest first among them."""
    minutes, km = travel
    return (minutes is None, minutes or 0.0, km, code)


def require_visible(incident: Incident, user: User) -> None:
    if not Incident.objects.visible_to(user).filter(pk=incident.pk).exists():
        raise DepotForbiddenError(_("You may not see this incident."))


# -- ranking -------------------------------------------------------------------------------------


def rank_depots(
    incident: Incident, user: User, *, cost: Surface | None = None
) -> list[NeedRanking]:
    """For each need, the depots ``user`` may see that hold usable stock of its class, sooner
    reached first. ``cost`` replaces the region's travel-cost surface (tests)."""
    require_visible(incident, user)
    needs = list(incident.needs.select_related("category"))
    stock = {need.pk: list(_usable(StockItem.objects.visible_to(user), need)) for need in needs}
    depots = {item.depot_id: item.depot for items in stock.values() for item in items}
    travel = travel_to(incident, list(depots.values()), cost)
    editable = set(
        Depot.objects.editable_by(user).filter(pk__in=depots).values_list("pk", flat=True)
    )
    return [_rank(need, stock[need.pk], travel, editable) for need in needs]


def _rank(
    need: IncidentNeed, items: list[StockItem], travel: Travel, editable: set[int]
) -> NeedRanking:
    by_depot: dict[int, list[StockItem]] = defaultdict(list)
    for item in items:
        by_depot[item.depot_id].append(item)
    options = []
    for depot_id, held in by_depot.items():
        depot, (minutes, km) = held[0].depot, travel[depot_id]
        available = sum((item.quantity for item in held), Decimal(0))
        options.append(
            DepotOption(
                depot_id, depot.code, depot.name, depot.geom.x, depot.geom.y, minutes, km,
                available, len(held), available >= need.quantity, depot_id in editable,
            )
        )  # fmt: skip
    options.sort(key=lambda o: _travel_key((o.minutes, o.distance_km), o.code))
    return NeedRanking(need.pk, str(need.category), need.quantity, tuple(options))


# -- suggested allocation ------------------------------------------------------------------------


def suggest_allocation(
    incident: Incident,
    user: User,
    *,
    cost: Surface | None = None,
    ranking: list[NeedRanking] | None = None,
) -> list[NeedAllocation]:
    """For each need, the batches ``user`` may dispatch from and how much to take of each.

    A need is filled from the batches reached soonest; within a depot (the same travel time)
    the batch expiring first goes first (FEFO), so stock is used before it spoils. Whatever no
    batch covers is the need's shortfall.

    Why greedy by travel time is optimal here: everything goes to one destination, and a unit
    taken from a batch arrives after its depot's travel time whatever else is taken, since
    batches are independent (taking from one changes no other's quantity or time). So if an
    allocation used a slower batch while a faster one had stock left, moving units to the
    faster batch would lower both the total unit-minutes and the time the last unit arrives:
    filling the fastest batches first is optimal for either measure (an exchange argument),
    and ties do not change them, which leaves FEFO free to choose. Needs whose classes overlap
    (tents and all shelter) compete for the same batches; the more specific need is served
    first, so general stock is not spent on a need only specific stock can meet.

    ``ranking`` (from :func:`rank_depots` for the same user) lends its travel times, saving a
    second cost-distance search; ``cost`` replaces the travel-cost surface (tests).
    """
    require_visible(incident, user)
    needs = list(incident.needs.select_related("category"))
    stock = {need.pk: list(_usable(StockItem.objects.editable_by(user), need)) for need in needs}
    depots = {item.depot_id: item.depot for items in stock.values() for item in items}
    travel = _known_travel(ranking) if ranking is not None else {}
    missing = [depot for pk, depot in depots.items() if pk not in travel]
    if missing:
        travel |= travel_to(incident, missing, cost)
    left: dict[int, Decimal] = {}  # each batch's quantity not yet given to an earlier need
    specific_first = sorted(needs, key=lambda n: (-len(subtree_prefix(n.category.code)), n.pk))
    filled = {need.pk: _fill(need, stock[need.pk], travel, left) for need in specific_first}
    return [filled[need.pk] for need in needs]


def _known_travel(ranking: list[NeedRanking]) -> Travel:
    return {o.depot_id: (o.minutes, o.distance_km) for need in ranking for o in need.depots}


def _fill(
    need: IncidentNeed, items: list[StockItem], travel: Travel, left: dict[int, Decimal]
) -> NeedAllocation:
    """Draw the need from the soonest-reached batches, earliest expiry first within a depot."""

    def order(item: StockItem) -> tuple[Any, ...]:
        expiry = item.expires_on or date.max  # no expiry: kept for last
        return (*_travel_key(travel[item.depot_id], item.depot.code), expiry, item.pk)

    wanted, options = need.quantity, []
    for item in sorted(items, key=order):
        remaining = left.setdefault(item.pk, item.quantity)
        take = min(wanted, remaining)
        left[item.pk], wanted = remaining - take, wanted - take
        minutes, km = travel[item.depot_id]
        options.append(
            AllocationLine(
                need.pk, item.pk, item.name, item.batch_no, str(item.category),
                item.unit_of_measure, item.expires_on, item.depot_id, item.depot.name,
                minutes, km, item.quantity, take,
            )
        )  # fmt: skip
    return NeedAllocation(need.pk, str(need.category), need.quantity, tuple(options))
