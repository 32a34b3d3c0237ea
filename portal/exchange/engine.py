"""The import engine: one pass over a file, the same for the web, the API and the commands.

A dry run reads, converts, resolves and classifies every row (create / update / unchanged /
reject) without writing. A commit does the same pass and writes each batch as it goes, all
inside one transaction that is rolled back if any row is rejected: a file loads completely or
not at all. History comes from the pghistory triggers, tagged with the import in the context.
A batch is written (by :mod:`portal.exchange.writer`) while the next one is read and converted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pghistory
from django.db import DatabaseError, transaction
from django.utils.translation import gettext_lazy as _

from portal.exchange.entities import Entity
from portal.exchange.problems import Problem, Severity
from portal.exchange.report import Report
from portal.exchange.resolve import Classifier, Decision
from portal.exchange.rows import GeometryReader, Row, RowReader, map_headers
from portal.exchange.sources import Batch, Source
from portal.exchange.writer import Writer

if TYPE_CHECKING:
    from portal.org.models import User

BATCH_SIZE = 2_000
Progress = Callable[[int, int | None], None]


class _RollbackError(Exception):
    """Raised inside the transaction to undo a commit that found rejected rows."""


def run_import(
    entity: Entity,
    source: Source,
    *,
    by: User,
    repair: bool = False,
    commit: bool = False,
    progress: Progress | None = None,
    job_id: int | None = None,
) -> Report:
    """Check (and with ``commit``, write) every row of ``source`` as ``entity`` records."""
    report = Report.start(entity, source)
    mapping, header_problems = map_headers(entity, source.headers)
    report.add_file_problems([*source.notes, *header_problems, *_geometry_problems(entity, source)])
    report.columns = {header: column.key for header, column in mapping.items()}
    if not report.file_ok:
        return report
    context = {"user": by.pk, "import_job": job_id, "url": f"import:{entity.name}"}
    try:
        with transaction.atomic(), pghistory.context(**context) as history:
            _pass(
                entity,
                source,
                mapping,
                report,
                _Options(by=by, repair=repair, commit=commit, history=history, job_id=job_id),
                progress=progress,
            )
            if commit and not report.ok:
                raise _RollbackError
    except _RollbackError:
        pass
    except DatabaseError as exc:
        report.add_file_problems([_database_problem(exc)])
    else:
        report.committed = commit
    return report


@dataclass(frozen=True)
class _Options:
    by: User
    repair: bool
    commit: bool
    history: Any  # the entered pghistory context, which COPY must pass on to the triggers
    job_id: int | None = None


def _pass(
    entity: Entity,
    source: Source,
    mapping: dict[str, Any],
    report: Report,
    options: _Options,
    *,
    progress: Progress | None,
) -> None:
    reader = RowReader(entity, mapping)
    geometry = (
        GeometryReader(
            entity,
            source.crs,
            repair=options.repair,
            footprint_column=any(c in entity.wkt_columns for c in mapping.values()),
        )
        if _has_geometry(entity, source)
        else None
    )
    headers = {c.key: h for h, c in mapping.items()}
    classifier = Classifier(entity, by=options.by, headers=headers, crs_label=report.crs)
    writing = (
        Writer(entity, history=options.history, by=options.by, job_id=options.job_id)
        if options.commit
        else nullcontext()
    )
    with writing as writer:
        if writer is not None:
            writer.immediate_constraints()
        for batch in source.batches(BATCH_SIZE):
            rows = _read(reader, geometry, batch)
            report.add_rows(rows, _decide(classifier, writer, rows))
            if progress is not None:
                progress(report.counts.total, source.feature_count)
        report.reject_late(classifier.finish(writer))
    if geometry is not None:
        report.add_geometry_notes(geometry)


def _read(reader: RowReader, geometry: GeometryReader | None, batch: Batch) -> list[Row]:
    """Convert one batch's records and geometries; nothing here reads the database."""
    rows = [reader.read(n, rec) for n, rec in zip(batch.rows, batch.records, strict=True)]
    _attach(rows, batch.problems)
    if geometry is not None and batch.geoms is not None:
        geometry.read(rows, batch.geoms)
    return rows


def _decide(classifier: Classifier, writer: Writer | None, rows: list[Row]) -> list[Decision]:
    """Classify one batch and, when committing, start writing it: the write goes on while the
    next batch is read and converted, and is waited for before that batch is classified, so
    every lookup sees every earlier batch."""
    if writer is None:
        return classifier.classify(rows)
    writer.wait()
    decisions = classifier.classify(rows)
    writer.write(decisions)
    return decisions


def _attach(rows: list[Row], problems: Iterable[Problem]) -> None:
    by_number = {row.number: row for row in rows}
    for problem in problems:
        row = by_number.get(problem.row or -1)
        if row is not None:
            row.problems.append(problem)


def _has_geometry(entity: Entity, source: Source) -> bool:
    return entity.geometry is not None and source.crs is not None


def _geometry_problems(entity: Entity, source: Source) -> list[Problem]:
    if entity.geometry is not None and entity.geometry.required and source.crs is None:
        return [
            Problem(
                "no_geometry",
                _(
                    "The file has no geometry: give a geometry, longitude/latitude columns or a "
                    "WKT column."
                ),
                column="geometry",
            )
        ]
    if entity.geometry is None and source.crs is not None:
        return [
            Problem(
                "geometry_ignored",
                _("This record type has no location; the file's geometry was ignored."),
                column="geometry",
                severity=Severity.WARNING,
            )
        ]
    return []


def _database_problem(exc: DatabaseError) -> Problem:
    detail = str(getattr(exc, "__cause__", None) or exc).splitlines()[0]
    return Problem(
        "database",
        _("The database refused the import, so nothing was written: %(detail)s"),
        {"detail": detail},
    )
