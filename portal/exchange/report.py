"""The import report: counts, every problem with row, field and reason in Chinese and English.

The report is plain JSON once stored (on the import record, in the API, in
``import_data --format json``) and can be downloaded as an XLSX workbook.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from portal.exchange.cells import header_cell, text_cell
from portal.exchange.problems import Problem, Severity
from portal.exchange.readers import crs_label

if TYPE_CHECKING:
    from portal.exchange.entities import Entity
    from portal.exchange.resolve import Decision
    from portal.exchange.rows import GeometryReader, Row
    from portal.exchange.sources import Source

# Problems kept in full; beyond this only their count per reason is kept, so a file of a
# million bad rows still gives a report that fits in memory and in a browser.
MAX_PROBLEMS = 5_000


@dataclass
class Counts:
    total: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    reject: int = 0


@dataclass
class Report:
    entity: str
    format: str = ""
    encoding: str = ""
    encoding_source: str = ""
    crs: str = ""
    crs_source: str = ""
    counts: Counts = field(default_factory=Counts)
    file_problems: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    problem_total: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    committed: bool = False

    @classmethod
    def start(cls, entity: Entity, source: Source) -> Report:
        return cls(
            entity=entity.name,
            format=str(source.format),
            encoding=source.encoding or "",
            encoding_source=source.encoding_source,
            crs=crs_label(source.crs) if source.crs is not None else "",
            crs_source=source.crs_source,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(**{**data, "counts": Counts(**data.get("counts", {}))})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def file_ok(self) -> bool:
        return not any(p["severity"] == Severity.ERROR for p in self.file_problems)

    @property
    def ok(self) -> bool:
        return self.file_ok and self.counts.reject == 0

    def add_file_problems(self, problems: list[Problem]) -> None:
        self.file_problems.extend(p.as_dict() for p in problems)

    def add_rows(self, rows: list[Row], decisions: list[Decision]) -> None:
        self.counts.total += len(rows)
        for decision in decisions:
            setattr(self.counts, decision.action, getattr(self.counts, decision.action) + 1)
        codes: Counter[str] = Counter(self.by_code)
        for row in rows:
            for problem in row.problems:
                codes[problem.code] += 1
                self.problem_total += 1
                if len(self.problems) < MAX_PROBLEMS:
                    self.problems.append(problem.as_dict())
        self.by_code = dict(codes)

    def reject_late(self, decisions: list[Decision]) -> None:
        """Rows found wrong only after the whole file was read (a parent unit never listed)."""
        for decision in decisions:
            setattr(self.counts, decision.action, getattr(self.counts, decision.action) - 1)
            self.counts.reject += 1
            problem = decision.row.problems[-1]
            self.problem_total += 1
            self.by_code[problem.code] = self.by_code.get(problem.code, 0) + 1
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(problem.as_dict())

    def add_geometry_notes(self, geometry: GeometryReader) -> None:
        self.notes.extend(sorted(geometry.notes))
        if geometry.flattened:
            self.add_file_problems([_flattened(geometry.flattened)])


def _flattened(count: int) -> Problem:
    return Problem(
        "flattened",
        gettext_lazy(
            "%(count)s geometries had heights (Z) or measures (M); they were dropped, as the "
            "registry stores plane positions."
        ),
        {"count": count},
        severity=Severity.WARNING,
    )


def write_report_xlsx(report: Report, out: Path) -> Path:
    """The report as a workbook: a summary sheet and one row per problem, both languages."""
    book = Workbook(write_only=True)
    summary = book.create_sheet(_("Summary"))
    for label, value in _summary_rows(report):
        summary.append([label, value])
    sheet = book.create_sheet(_("Problems"))
    headers = ["行号 Row", "字段 Field", "级别 Severity", "原因", "Reason"]
    sheet.append([header_cell(sheet, text) for text in headers])
    # Fields and reasons echo the file's own text, so they are written as never-formula text.
    for problem in [*report.file_problems, *report.problems]:
        sheet.append(
            [
                problem["row"],
                text_cell(sheet, problem["field"], code=False),
                problem["severity"],
                text_cell(sheet, problem["message_zh"], code=False),
                text_cell(sheet, problem["message_en"], code=False),
            ]
        )
    book.save(out)
    return out


def _summary_rows(report: Report) -> list[tuple[str, Any]]:
    counts = report.counts
    return [
        ("记录类型 Record type", report.entity),
        ("格式 Format", report.format),
        ("编码 Encoding", f"{report.encoding} ({report.encoding_source})"),
        ("坐标系 CRS", f"{report.crs} ({report.crs_source})"),
        ("行数 Rows", counts.total),
        ("新增 To create", counts.create),
        ("更新 To update", counts.update),
        ("未变 Unchanged", counts.unchanged),
        ("拒绝 Rejected", counts.reject),
        ("问题总数 Problems", report.problem_total),
        *(("说明 Note", note) for note in report.notes),
    ]
