"""``manage.py export_data ENTITY PATH``: write registry records to a file, as the portal does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.audits.choices import AuditAction, AuditResult
from portal.audits.services import record_event
from portal.core.exceptions import PortalError
from portal.exchange.cli import acting_user
from portal.exchange.entities import get_entity
from portal.exchange.export import ExportFormat, export_queryset
from portal.exchange.problems import ProblemError

# What a file name's suffix says about its format; anything else is written as GeoPackage.
SUFFIX_FORMATS = {
    ".gpkg": ExportFormat.GPKG,
    ".shp": ExportFormat.SHP,
    ".zip": ExportFormat.SHP,
    ".geojson": ExportFormat.GEOJSON,
    ".json": ExportFormat.GEOJSON,
    ".xlsx": ExportFormat.XLSX,
    ".csv": ExportFormat.CSV,
}
SUFFIXES = {"gpkg": ".gpkg", "shp": ".zip", "geojson": ".geojson", "xlsx": ".xlsx", "csv": ".csv"}


class Command(BaseCommand):
    help = (
        "Export the records of one type (units, buildings, assets…) to GeoPackage, zipped "
        "Shapefile, GeoJSON, XLSX or CSV, in the form the importer reads back. Without --user "
        "the export reads every record at every classification level: whoever can run "
        "manage.py can read the database anyway. Name a user to export only what they may read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", help="record type, e.g. assets")
        parser.add_argument(
            "path",
            type=Path,
            help="file to write (a .zip for Shapefile); a bare name gets a suffix",
        )
        parser.add_argument(
            "--format",
            choices=ExportFormat.values,
            dest="fmt",
            help="default: from the file suffix, else gpkg",
        )
        parser.add_argument("--crs", default="EPSG:4490", help="EPSG:4490, EPSG:4523, EPSG:4326…")
        parser.add_argument(
            "--encoding",
            default="utf-8",
            type=str.lower,
            choices=["utf-8", "gbk"],
            help="text of Shapefile and CSV exports (default: utf-8)",
        )
        parser.add_argument("--user", help="export only what this user may read")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a filter of the portal's lists, e.g. status=idle or division=510104; repeatable",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            entity = get_entity(opts["entity"])
        except ProblemError as exc:
            raise CommandError(str(exc)) from None
        path: Path = opts["path"]
        fmt = opts["fmt"] or SUFFIX_FORMATS.get(path.suffix.lower(), ExportFormat.GPKG)
        if not path.suffix and not path.is_dir():
            path = path.with_suffix(SUFFIXES[fmt])  # GDAL expects a GeoPackage to say so
        user = acting_user(opts["user"], required=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            result = export_queryset(
                entity,
                user,
                filters(opts["filter"]),
                fmt,
                crs=opts["crs"],
                encoding=opts["encoding"],
                out=path,
            )
        except PortalError as exc:
            _audit(user, {**opts, "fmt": fmt}, path, AuditResult.FAILURE, error=exc.user_message)
            raise CommandError(exc.user_message) from None
        _audit(user, {**opts, "fmt": fmt}, result.path, AuditResult.SUCCESS, rows=result.rows)
        self.stdout.write(f"{result.rows} rows written to {result.path}")


def _audit(user: Any, opts: dict[str, Any], path: Path, result: str, **detail: Any) -> None:
    """An export from the command line is recorded in the security audit like a download."""
    detail.update(
        channel="command",
        command="export_data",
        entity=opts["entity"],
        format=opts["fmt"],
        filters=opts["filter"],
        path=str(path),
    )
    record_event(AuditAction.EXPORT, user=user, result=result, target=str(path), detail=detail)


def filters(pairs: list[str]) -> dict[str, list[str]]:
    """``["status=idle", "status=in_use"]`` → ``{"status": ["idle", "in_use"]}``."""
    found: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--filter {pair!r}: write it as key=value, e.g. status=idle")
        found.setdefault(key.strip(), []).append(value.strip())
    return found
