"""``manage.py backup --output DIR_OR_FILE``: the database and the uploaded files in one archive."""

from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.core.backups import create_backup
from portal.core.pgtools import BackupError, Database


class Command(BaseCommand):
    help = (
        "Write tianfu-backup-<time>.tar: pg_dump of the database, every file of MEDIA_ROOT and "
        "a manifest (rows per table, SHA-256 of every file, versions) that restore checks."
    )

    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=settings.BASE_DIR / "var" / "backups",
            help="a directory (a new archive is named in it) or a .tar file; default var/backups",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            archive, manifest = create_backup(
                options["output"],
                database=Database.configured(),
                media_root=Path(settings.MEDIA_ROOT),
            )
        except BackupError as exc:
            raise CommandError(exc.user_message) from None
        tables = manifest["database"]["tables"]
        self.stdout.write(
            f"backup written: {archive} ({archive.stat().st_size} bytes; {len(tables)} tables, "
            f"{sum(tables.values())} rows, {len(manifest['media'])} files)"
        )
