"""``manage.py import_data ENTITY PATH``: check, or import, one file the way the portal does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError

from portal.exchange import services
from portal.exchange.cli import acting_user
from portal.exchange.entities import ENTITIES
from portal.exchange.report import Report
from portal.exchange.sources import ReadOptions


class Command(BaseCommand):
    help = "Check (--dry-run) or import a file of registry records, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", choices=sorted(ENTITIES))
        parser.add_argument("path", type=Path)
        parser.add_argument("--crs", help="declared CRS: EPSG:4490, EPSG:4523, GCJ-02, BD-09…")
        parser.add_argument("--encoding", help="text encoding of a Shapefile or CSV, e.g. gbk")
        parser.add_argument("--layer", help="GeoPackage layer or workbook sheet to read")
        parser.add_argument("--repair", action="store_true", help="repair invalid polygons")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--user", help="the account the change is made for (to write)")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["path"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        user = acting_user(opts["user"], required=not opts["dry_run"])
        options = ReadOptions(crs=opts["crs"], encoding=opts["encoding"], layer=opts["layer"])
        if opts["dry_run"]:
            report = services.import_file(
                opts["entity"], path, by=user, options=options, repair=opts["repair"]
            )
        else:
            try:
                job = services.import_path(
                    opts["entity"], path, by=user, options=options, repair=opts["repair"]
                )
            except (OperationalError, InterfaceError) as exc:
                raise CommandError(_lost(exc)) from None
            report = Report.from_dict(job.report)
        self._print(report, as_json=opts["format"] == "json")
        if not report.ok:
            raise SystemExit(1)

    def _print(self, report: Report, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary(report), ensure_ascii=False, indent=2))
            return
        counts = report.counts
        self.stdout.write(
            f"{report.entity}: {counts.total} rows, {counts.create} to create, "
            f"{counts.update} to update, {counts.unchanged} unchanged, {counts.reject} rejected"
            + (" — written" if report.committed else " — nothing written")
        )
        for problem in [*report.file_problems, *report.problems]:
            row = problem["row"] if problem["row"] is not None else "-"
            self.stdout.write(
                f"{problem['severity']} row {row} [{problem['field']}]: {problem['message_en']}"
            )


def _lost(exc: Exception) -> str:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"The database went away during the import ({reason}). An import is one transaction: "
        "nothing of it was written unless it had finished. Run it again once the database "
        "answers; rows already written come back unchanged."
    )


def summary(report: Report) -> dict[str, Any]:
    """The JSON the command prints: counts, then every error and warning with row and field."""
    problems = [*report.file_problems, *report.problems]
    counts = report.counts
    return {
        "entity": report.entity,
        "committed": report.committed,
        "total": counts.total,
        "created": counts.create,
        "updated": counts.update,
        "unchanged": counts.unchanged,
        "rejected": counts.reject,
        "encoding": report.encoding,
        "crs": report.crs,
        "notes": report.notes,
        "errors": [p for p in problems if p["severity"] == "error"],
        "warnings": [p for p in problems if p["severity"] == "warning"],
        "problems_not_listed": report.problem_total - len(report.problems),
    }
