from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import models

from portal.audits.choices import AuditAction
from portal.audits.services import record_event
from portal.core.history import FORMATS, Target, UntrackedModelError, export_history


class Command(BaseCommand):
    help = (
        "Export the history trail of a tracked model, or of some of its records (deleted ones "
        "included), as CSV (UTF-8 with BOM) or JSON lines; geometry in EPSG:4490."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("model", help="app_label.Model, e.g. assets.Asset")
        parser.add_argument(
            "--pk", nargs="+", action="extend", default=[], help="only these records' history"
        )
        parser.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        model = _model(options["model"])
        target: Target = [_record(model, pk) for pk in options["pk"]] or model
        try:
            text = export_history(target, options["fmt"])
        except UntrackedModelError as exc:
            raise CommandError(str(exc)) from None
        output: Path | None = options["output"]
        _audit(model, options)
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8", newline="")
        self.stderr.write(f"history of {model._meta.label} written to {output}")


def _audit(model: type[models.Model], options: dict[str, Any]) -> None:
    """An export from the command line is recorded in the security audit like a download."""
    output = str(options["output"] or "standard output")
    detail = {
        "channel": "command",
        "command": "export_history",
        "model": model._meta.label,
        "pks": options["pk"],
        "format": options["fmt"],
        "path": output,
    }
    record_event(AuditAction.EXPORT, target=output, detail=detail, username="manage.py")


def _model(label: str) -> type[models.Model]:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError) as exc:
        raise CommandError(
            f"unknown model {label!r}: use app_label.Model, e.g. assets.Asset"
        ) from exc


def _record(model: type[models.Model], pk: str) -> models.Model:
    """A stand-in carrying only the key, so records deleted since can still be named."""
    try:
        return model(pk=model._meta.pk.to_python(pk))
    except ValidationError as exc:
        raise CommandError(f"invalid --pk {pk!r} for {model._meta.label}") from exc
