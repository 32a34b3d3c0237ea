"""The public asset warehouse as a running platform: listings of the assets the ledger marks as
offered, their stock-in receipts, pending reservations and open needs (see portal/demo/sql.py)."""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.assets.choices import ListingReason
from portal.demo import sql
from portal.demo.data.items import LISTING_EXPLANATIONS
from portal.demo.generators.world import World

PUBLISHED_WITHIN_DAYS = 30
UNITS_PER_NEED = 4
# 平急两用: the stocked-in assets that also serve in disasters, by asset name, and the emergency
# supply class they count as (portal/demo/data/items.py names the assets).
DUAL_USE_RESERVES = (
    ("柴油发电机组", "2030100"),  # generator sets
    ("不间断电源", "2030000"),  # emergency power
    ("对讲机", "2040000"),  # emergency communications
    ("视频会议终端", "2040000"),  # a command post's video link
    ("被装", "1020000"),  # bedding and clothing
)


def write_warehouse(world: World, _rng: object) -> int:
    """Write the warehouse of the assets already loaded; returns the rows written."""
    reasons = list(ListingReason.values)
    params = {
        "reasons": reasons,
        "explanations": [LISTING_EXPLANATIONS[r] for r in reasons],
        "now": timezone.now(),
        "today": timezone.localdate(),
        "screening_days": settings.TIANFU_SCREENING_DAYS,
        "spread": PUBLISHED_WITHIN_DAYS,
        "every": UNITS_PER_NEED,
        "reserve_names": [name for name, _code in DUAL_USE_RESERVES],
        "reserve_codes": [code for _name, code in DUAL_USE_RESERVES],
    }
    written = 0
    with connection.cursor() as cursor:
        for statement in (sql.LISTINGS, sql.STOCK_IN, sql.RESERVATIONS, sql.NEEDS):
            cursor.execute(statement, params)
            written += cursor.rowcount
        cursor.execute(sql.ANALYZE)
    return written
