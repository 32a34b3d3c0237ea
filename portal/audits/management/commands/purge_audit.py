"""``manage.py purge_audit --by USER``: delete audit events past the retention period."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.audits.services import command_channel, purge, retention_floor
from portal.core.exceptions import PortalError
from portal.exchange.cli import acting_user


class Command(BaseCommand):
    help = (
        "Delete the security audit events older than the retention period "
        "(TIANFU_AUDIT_RETENTION_DAYS, at least 180 days), or than --before if that is earlier. "
        "Only an audit administrator's account may purge; the purge is itself audited, with "
        "the operating-system user who ran the command (shell access is the system "
        "administrator's)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", required=True, help="user name of the audit administrator")
        parser.add_argument(
            "--before",
            type=dt.date.fromisoformat,
            help="delete events before this date (YYYY-MM-DD); default: the retention limit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = acting_user(options["by"], required=True)
        before = retention_floor()
        if options["before"] is not None:
            day = dt.datetime.combine(options["before"], dt.time.min)
            before = timezone.make_aware(day)
        try:
            deleted = purge(before, by=by, via=command_channel())
        except PortalError as exc:
            raise CommandError(exc.user_message) from None
        self.stdout.write(f"{deleted} audit event(s) before {before:%Y-%m-%d %H:%M} deleted")
