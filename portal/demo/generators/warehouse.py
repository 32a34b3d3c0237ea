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
    }
    written = 0
    with connection.cursor() as cursor:
        for statement in (sql.LISTINGS, sql.STOCK_IN, sql.RESERVATIONS, sql.NEEDS):
            cursor.execute(statement, params)
            written += cursor.rowcount
        cursor.execute(sql.ANALYZE)
    return written
