"""``manage.py import_template ENTITY PATH``: the XLSX template officers fill in for an import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.exchange.entities import get_entity
from portal.exchange.problems import ProblemError
from portal.exchange.template import write_template


class Command(BaseCommand):
    help = (
        "Write the Excel import template of a record type: Chinese headers, drop-down lists, "
        "code columns kept as text, and an instructions sheet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", help="record type, e.g. assets")
        parser.add_argument("path", type=Path, help="the .xlsx file (or a folder) to write")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            entity = get_entity(opts["entity"])
        except ProblemError as exc:
            raise CommandError(str(exc)) from None
        path = write_template(entity, opts["path"])
        self.stdout.write(f"template for {entity.name} written to {path}")
