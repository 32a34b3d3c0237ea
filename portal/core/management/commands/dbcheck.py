from typing import ClassVar

from django.core.management.base import BaseCommand, CommandError

from portal.core.database import check_database
from portal.core.exceptions import PortalError


class Command(BaseCommand):
    help = "Check that DATABASE_URL answers and has PostGIS; print one line either way."

    requires_system_checks: ClassVar[list[str]] = []

    def handle(self, *args: object, **options: object) -> None:
        try:
            status = check_database()
        except PortalError as exc:
            raise CommandError(exc.user_message) from None
        self.stdout.write(
            f"database ok: PostgreSQL {status.server_version}, PostGIS {status.postgis_version}"
        )
