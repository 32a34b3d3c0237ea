"""``manage.py screen_listings``: move listings unclaimed after their screening period to disposal.

Meant to run once a day (cron, a systemd timer); running it twice does no harm.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.assets.services.disposal import move_to_disposal


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Move every published warehouse listing whose screening period ended before the given "
        "day (default: today) to disposal, and print how many moved. Reserved listings stay."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to screen as of, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = iso_date(options["date"]) if options["date"] else timezone.localdate()
        moved = move_to_disposal(day)
        noun = "listing" if moved == 1 else "listings"
        self.stdout.write(f"{moved} {noun} moved to disposal (screening ended before {day}).")
