"""What the import pages show of a job: its state for the progress poll, its stored report in the
reader's language, and a decoded preview of the first records read again from the stored file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Final

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.exchange.entities import ENTITIES
from portal.exchange.models import ImportJob
from portal.exchange.problems import ProblemError
from portal.exchange.readers import open_source
from portal.exchange.report import Report
from portal.exchange.sources import Format, ReadOptions

PREVIEW_ROWS: Final = 5
PREVIEW_CACHE_SECONDS: Final = 3600
# Problems listed on the page; the XLSX report has every problem the check kept.
PROBLEMS_SHOWN: Final = 500

# Where the encoding and coordinate system were learnt (see portal.exchange.sources.Source).
SOURCES: Final = {
    "cpg": _("from the .cpg file"),
    "ldid": _("from the Shapefile's language driver"),
    "sniffed": _("detected from the text"),
    "declared": _("as you declared"),
    "format": _("fixed by the format"),
    "file": _("from the file"),
    "assumed": _("assumed: the file does not say"),
}
SEVERITIES: Final = {"error": _("error"), "warning": _("warning")}
COUNT_LABELS: Final = (
    ("total", _("rows read")),
    ("create", _("to create")),
    ("update", _("to update")),
    ("unchanged", _("unchanged")),
    ("reject", _("rejected")),
)


def status_payload(job: ImportJob) -> dict[str, Any]:
    """The JSON the detail page polls (core/js/progress.js): enough to move the bar and to know
    when to reload; ``progress`` is None while the file has not said how many rows it holds."""
    counts = job.report.get("counts") or {}
    done, total = job.rows_done, job.rows_total
    if total:
        message = translation.gettext("%(done)s of %(total)s rows read")
    else:
        message = translation.gettext("%(done)s rows read") if done else ""
    return {
        "id": job.pk,
        "status": job.status,
        "label": str(job.get_status_display()),
        "progress": min(1.0, done / total) if total else None,
        "message": message % {"done": done, "total": total},
        "rows_done": done,
        "rows_total": total,
        "counts": counts,
        "running": job.running,
    }


def report_of(job: ImportJob) -> Report | None:
    return Report.from_dict(job.report) if job.report.get("entity") else None


def source_label(code: str) -> str:
    return str(SOURCES.get(code, code))


def format_label(code: str) -> str:
    try:
        return str(Format(code).label)  # type: ignore[attr-defined]
    except ValueError:
        return code


def columns_of(report: Report) -> list[str]:
    """The recognised headers, each with the column it fills when the file spells it otherwise."""
    entity = ENTITIES.get(report.entity)
    language = translation.get_language() or "zh-hans"
    shown = []
    for header, key in report.columns.items():
        title = entity.column(key).title(entity.model, language) if entity else key
        shown.append(header if header == title else f"{header} → {title}")
    return shown


def counts_of(report: Report) -> list[tuple[str, str, int]]:
    return [(key, str(label), getattr(report.counts, key)) for key, label in COUNT_LABELS]


def problem_rows(report: Report) -> list[dict[str, Any]]:
    """File problems first, then row problems, each with its reason in the active language."""
    key = "message_zh" if (translation.get_language() or "").startswith("zh") else "message_en"
    problems = [*report.file_problems, *report.problems][:PROBLEMS_SHOWN]
    return [
        {
            "row": problem["row"],
            "field": problem["field"],
            "reason": problem[key],
            "severity": problem["severity"],
            "severity_label": str(SEVERITIES.get(problem["severity"], problem["severity"])),
        }
        for problem in problems
    ]


def problem_count(report: Report) -> int:
    return len(report.file_problems) + report.problem_total


@dataclass
class Preview:
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    error: str = ""


def preview_of(job: ImportJob) -> Preview:
    """The first records as the reader decoded them, so the user sees the encoding is right.

    Cached per stored file and language: opening a large workbook parses its whole shared
    string table, which a page that reloads when the check ends should not pay twice.
    """
    key = f"exchange:preview:{job.pk}:{job.sha256}:{translation.get_language()}"
    preview: Preview | None = cache.get(key)
    if preview is None:
        preview = _read_preview(job)
        cache.set(key, preview, PREVIEW_CACHE_SECONDS)
    return preview


def _read_preview(job: ImportJob) -> Preview:
    options = ReadOptions(
        crs=job.declared_crs or None,
        encoding=job.declared_encoding or None,
        layer=job.layer or None,
    )
    try:
        with open_source(Path(job.file.path), name=job.original_name, options=options) as source:
            records = source.preview(PREVIEW_ROWS)
            headers = list(source.headers)
    except ProblemError as exc:
        return Preview(error=exc.problem.text(translation.get_language() or "zh-hans"))
    return Preview(headers, [[_shown(record.get(h)) for h in headers] for record in records])


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
