"""``manage.py detect_conflicts``: run the conflict register's detectors and print the findings."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.exchange.cli import acting_user
from portal.parcels.choices import ConflictKind
from portal.parcels.conflicts import detect_conflicts, open_totals
from portal.parcels.models import ConflictRun
from portal.parcels.tolerances import Tolerances

COLUMNS = ("found", "new", "reopened", "closed", "open")
# Command-line option → tolerance, each overriding the setting for this run only.
OPTIONS = {
    "--min-overlap-m2": ("min_overlap_m2", "smallest parcel overlap reported, m²"),
    "--sliver-width-m": ("sliver_width_m", "overlaps with area / perimeter below this are slivers"),
    "--building-outside": (
        "building_outside_pct",
        "percent of a footprint allowed off its parcel",
    ),
    "--area-tolerance": (
        "area_tolerance_pct",
        "percent certificate and computed areas may differ",
    ),
}


class Command(BaseCommand):
    help = (
        "Detect title conflicts (overlapping parcels, buildings off their parcel, occupants other "
        "than the holder, duplicate certificate numbers and unit codes, double claims, area and "
        "code mismatches) and update the conflict register: new findings open, findings gone "
        "are closed by this run. Prints the counts per type; --format json for scripts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("text", "json"), default="text", dest="fmt")
        parser.add_argument("--user", help="the user recorded as starting the run")
        for flag, (dest, text) in OPTIONS.items():
            parser.add_argument(flag, type=float, dest=dest, help=f"{text} (default: setting)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tolerances = Tolerances.from_settings(**{d: options[d] for d, _ in OPTIONS.values()})
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        by = acting_user(options["user"], required=False) if options["user"] else None
        run = detect_conflicts(by=by, tolerances=tolerances)
        report = summary(run)
        if options["fmt"] == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(text_lines(report)))


def summary(run: ConflictRun) -> dict[str, Any]:
    """The run, its tolerances and per kind its counts and the open findings in the register."""
    totals = open_totals()
    kinds = {kind: {**run.counts[kind], "open": totals[kind]} for kind in ConflictKind.values}
    return {"run": run.pk, "tolerances": run.tolerances, "kinds": kinds}


def text_lines(report: dict[str, Any]) -> list[str]:
    tolerances = ", ".join(f"{name}={value:g}" for name, value in report["tolerances"].items())
    width = max(len(kind) for kind in report["kinds"])
    header = "type".ljust(width) + "".join(f"{name:>10}" for name in COLUMNS)
    lines = [f"Conflict run #{report['run']} ({tolerances})", header]
    for kind, counts in report["kinds"].items():
        lines.append(kind.ljust(width) + "".join(f"{counts[name]:>10}" for name in COLUMNS))
    total = {name: sum(c[name] for c in report["kinds"].values()) for name in COLUMNS}
    lines.append("total".ljust(width) + "".join(f"{total[name]:>10}" for name in COLUMNS))
    return lines
