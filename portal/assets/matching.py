"""Which warehouse listings could serve a need, best first (the read side of matching).

The rule
--------
The candidates of a need are its ``limit`` nearest (``TIANFU_MATCH_LIMIT``, 20, by default):
nearest by geodesic distance from where a listing is offered (the holder's building, or the
warehouse of a physical listing) to the need's delivery building. That shortlist is what the
purchase gate holds the unit to review. Within it, candidates are ranked by, in turn:

1. **distance band**: whole :data:`BAND_M` metres (a kilometre): 0–999 m is band 0,
   1,000–1,999 m band 1, …;
2. **condition**: good, then fair, poor, to be scrapped;
3. **remaining value**: net value over original value, highest first (none last);
4. **age**: acquired most recently first (unknown acquisition last);
5. then the exact distance and the listing id, so that the order is total and stable.

A raw distance in metres would decide every pair on its own and leave the later keys
meaningless; within a kilometre the move costs the same, so the better item comes first.

The band rule orders the shortlist; it does not choose it. The best ``limit`` of the whole
warehouse under that order are exact only if every candidate of the last band reached is read:
past the ``limit``-th, through the rest of its building's listings (they share its point) and
on to the first candidate beyond the band, which may lie far out. On the full demo scale
(tests/benchmarks/bench_matching.py) that made the median match 1.5 to 1.7 times the plain KNN
query for the same need (bands of a quarter to a whole kilometre), where the issue allows 1.5;
the shortlist reads what that query reads, 1.2 times in all with its category tree and ranking.
So a better item just past the limit shows on a longer list (``limit=40``), which is ranked
anew, and where the limit falls among one building's listings (equal distances) the index
chooses which of them are shortlisted.

Filters, all from the need: its category (and the classes below it when it includes
subcategories), its minimum condition, its maximum distance (metres, on the same sphere as the
distance shown), the delivery building's city (first 4 digits of the division code) or county
(all 6). Scoping: only published listings, shared with the need's unit (their share prefix
starts its division code), never the unit's own, and only assets classified public or
internal. The list is the same whoever looks at it, so the purchase gate can hold a unit to it.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from django.conf import settings

from portal.assets.choices import ConditionGrade
from portal.assets.sql import area_context, nearest_candidates, one_candidate
from portal.core.choices import Confidentiality

if TYPE_CHECKING:
    from portal.assets.models import Listing, Need

BAND_M: Final = 1000
# Best first: a need's minimum condition admits its own grade and every better one.
CONDITION_ORDER: Final = (
    ConditionGrade.GOOD,
    ConditionGrade.FAIR,
    ConditionGrade.POOR,
    ConditionGrade.SCRAP,
)
CONDITION_RANK: Final = {str(grade): rank for rank, grade in enumerate(CONDITION_ORDER)}
CLEARED_LEVELS: Final = (Confidentiality.PUBLIC, Confidentiality.INTERNAL)
# What matching reads of a need besides its own columns: load it with select_related(*...).
MATCH_RELATED: Final = ("delivery_building__division", "unit__division")


class Candidate(NamedTuple):
    """A listing that could serve a need, with its distance to the delivery building.

    A named tuple: it is built from a query row ten times faster than a frozen dataclass.
    """

    listing_id: int
    asset_id: int
    ledger_code: str
    asset_name: str
    holder_id: int
    holder_name: str
    mode: str
    depot_id: int | None
    category_id: int
    condition: str
    net_value: Decimal
    original_value: Decimal
    acquired_on: datetime.date | None
    lon: float
    lat: float
    distance_m: float

    @property
    def band(self) -> int:
        """The distance band: whole :data:`BAND_M` metres."""
        return math.floor(self.distance_m / BAND_M)

    @property
    def remaining_share(self) -> float | None:
        """Net value over original value; None when the original value is nought."""
        if not self.original_value:
            return None
        return float(self.net_value) / float(self.original_value)

    def rank_key(self) -> tuple[Any, ...]:
        """The ranking rule of this module as a sort key (smallest first)."""
        share = self.remaining_share
        acquired = self.acquired_on
        return (
            self.band,
            CONDITION_RANK[self.condition],
            share is None,
            -(share or 0.0),
            acquired is None,
            -(acquired.toordinal() if acquired else 0),
            self.distance_m,
            self.listing_id,
        )


def allowed_conditions(minimum: str) -> list[str]:
    """The grades a minimum condition admits: itself and every better one."""
    return [str(grade) for grade in CONDITION_ORDER[: CONDITION_ORDER.index(minimum) + 1]]


def match_params(need: Need) -> dict[str, Any]:
    """The query parameters of ``need``, from it, its delivery building and their divisions.

    Load those with ``select_related(*MATCH_RELATED)`` to spare a query for each. A need for
    the same city or county also reads its category ids and the area's divisions.
    """
    building = need.delivery_building
    unit_code = need.unit.division.code
    digits = 6 if need.same_county else 4 if need.same_city else 0
    categories = divisions = None
    if digits:
        categories, divisions = area_context(
            category=need.category_id,
            subcategories=need.include_subcategories,
            area=building.division.code[:digits],
        )
    return {
        "place": bytes(building.geom.ewkb),
        "unit": need.unit_id,
        "prefixes": sorted({unit_code[:n] for n in range(len(unit_code) + 1)}),
        "category": need.category_id,
        "subcategories": need.include_subcategories,
        "categories": categories,
        "conditions": allowed_conditions(need.min_condition),
        "levels": [str(level) for level in CLEARED_LEVELS],
        "max_distance_m": need.max_distance_m,
        "divisions": divisions,
    }


def match_candidates(need: Need, *, limit: int | None = None) -> list[Candidate]:
    """The ``limit`` nearest candidates of ``need`` (default ``TIANFU_MATCH_LIMIT``), ranked.

    See the module for the rule: one KNN query for the shortlist, ranked in Python.
    """
    limit = limit or settings.TIANFU_MATCH_LIMIT
    rows = nearest_candidates(match_params(need), limit=limit)
    return sorted(map(Candidate._make, rows), key=Candidate.rank_key)


def candidate_for(need: Need, listing: Listing) -> Candidate | None:
    """``listing`` as a candidate of ``need`` (wherever it ranks), or None if it is not one."""
    row = one_candidate(match_params(need), listing.pk)
    return None if row is None else Candidate._make(row)
