"""``manage.py restore ARCHIVE``: a backup into a fresh database and MEDIA_ROOT, then checked."""

from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.core.backups import restore_backup
from portal.core.pgtools import BackupError, Database


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into a fresh (missing or empty) database and "
        "the media folder, then compare every table's rows and every file's SHA-256 with the "
        "backup's manifest; any difference is an error."
    )

    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--database-url",
            help="postgresql://user:password@host:port/name to restore into; default DATABASE_URL",
        )
        parser.add_argument(
            "--media-root", type=Path, help="where the files go (default: MEDIA_ROOT)"
        )
        parser.add_argument(
            "--template",
            help="create the database as a copy of this one (which has PostGIS); default "
            "<name>_template when it exists",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="drop and replace a database that is not empty, and files that differ",
        )
        parser.add_argument(
            "--trust-unsigned",
            action="store_true",
            help="restore an archive whose manifest does not verify with this installation's "
            "audit key (one made by another installation, whose origin you checked)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        if not archive.is_file():
            raise CommandError(f"No archive at {archive}.")
        url = options["database_url"]
        database = Database.from_url(url) if url else Database.configured()
        try:
            restored = restore_backup(
                archive,
                database=database,
                media_root=options["media_root"] or Path(settings.MEDIA_ROOT),
                force=options["force"],
                template=options["template"],
                trust_unsigned=options["trust_unsigned"],
            )
        except BackupError as exc:
            raise CommandError(exc.user_message) from None
        self.stdout.write(
            f"restored into {restored.database}: {restored.tables} tables, {restored.rows} rows "
            f"and {restored.files} files, all matching the backup's manifest"
        )
        for note in restored.notes:
            self.stdout.write(note)
