"""Import records: upload, check, confirm and commit, the same for the page and the API.

The worker runs :func:`check_job` and :func:`commit_job`; the web only stores the upload and
queues work, so a large file survives a browser refresh and never ties up a web process.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pghistory.models
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audits.choices import AuditAction, AuditResult
from portal.audits.services import record_event
from portal.core import jobs
from portal.core.exceptions import PortalError
from portal.core.files import sha256_of
from portal.core.services import OutOfScopeError
from portal.exchange.engine import Progress, run_import
from portal.exchange.entities import get_entity
from portal.exchange.models import ImportJob, ImportStatus
from portal.exchange.problems import Problem, ProblemError, Severity
from portal.exchange.readers import open_source
from portal.exchange.report import Report
from portal.exchange.sources import ReadOptions

if TYPE_CHECKING:
    from portal.org.models import User

log = logging.getLogger(__name__)
NO_OPTIONS = ReadOptions()


class ImportStateError(PortalError):
    http_status = 409
    default_message = _("This import cannot be confirmed in its present state.")


class ImportFileChangedError(PortalError):
    http_status = 409
    default_message = _("The stored file changed after it was checked; upload it again.")


def import_file(
    entity_name: str,
    path: Path,
    *,
    by: User,
    options: ReadOptions = NO_OPTIONS,
    name: str | None = None,
    repair: bool = False,
    commit: bool = False,
    progress: Progress | None = None,
    job_id: int | None = None,
) -> Report:
    """Check or import one file; a file that cannot be read gives a report saying why."""
    entity = get_entity(entity_name)
    try:
        with open_source(path, name=name, options=options) as source:
            return run_import(
                entity,
                source,
                by=by,
                repair=repair,
                commit=commit,
                progress=progress,
                job_id=job_id,
            )
    except ProblemError as exc:
        report = Report(entity=entity.name)
        report.add_file_problems([exc.problem])
        return report


def create_import(
    upload: File,  # type: ignore[type-arg]
    *,
    by: User,
    entity: str,
    options: ReadOptions = NO_OPTIONS,
    repair: bool = False,
) -> ImportJob:
    """Store the upload, record who sent it and queue the check (in one transaction)."""
    with transaction.atomic():
        job = _record(upload, by=by, entity=entity, options=options, repair=repair)
        from portal.exchange.tasks import check_import

        check_import.defer(job_id=job.pk)
    return job


def _record(
    upload: File,  # type: ignore[type-arg]
    *,
    by: User,
    entity: str,
    options: ReadOptions,
    repair: bool,
) -> ImportJob:
    get_entity(entity)
    if not _may_import(by):
        raise OutOfScopeError(_("Your role may not import records."))
    job = ImportJob(
        user=by,
        entity=entity,
        original_name=Path(upload.name or "upload").name,
        sha256=sha256_of(upload.file),
        size_bytes=upload.size or 0,
        declared_crs=options.crs or "",
        declared_encoding=options.encoding or "",
        layer=options.layer or "",
        repair=repair,
    )
    # Stored under its hash: the sender's name stays in the row and never becomes a path.
    suffix = Path(job.original_name).suffix.lower()
    safe_suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
    job.file.save(f"{job.sha256[:16]}{safe_suffix}", upload, save=False)
    job.save()
    return job


def import_path(
    entity: str,
    path: Path,
    *,
    by: User,
    options: ReadOptions = NO_OPTIONS,
    repair: bool = False,
) -> ImportJob:
    """Import a local file now (the command line): recorded like an upload, committed at once."""
    with path.open("rb") as stream:
        job = _record(
            File(stream, name=path.name), by=by, entity=entity, options=options, repair=repair
        )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CONFIRMED)
    return commit_job(job.pk)


def _may_import(user: User) -> bool:
    from portal.org.scoping import Reach, edit_scope

    return edit_scope(user).reach is not Reach.NONE


def _options(job: ImportJob) -> ReadOptions:
    return ReadOptions(
        crs=job.declared_crs or None,
        encoding=job.declared_encoding or None,
        layer=job.layer or None,
    )


def _progress(job_id: int) -> Callable[[int, int | None], None]:
    def record(done: int, total: int | None) -> None:
        ImportJob.objects.using("progress").filter(pk=job_id).update(
            rows_done=done, rows_total=total
        )

    return record


@contextmanager
def _failing_safely(job: ImportJob, *, commit: bool) -> Iterator[None]:
    """A crash marks the job failed with a plain message; the transaction already rolled back."""
    try:
        yield
    except Exception:
        log.exception("import %s crashed", job.pk)
        problem = Problem(
            "internal", _("The import stopped on an internal error; nothing was written.")
        )
        job.report = {**job.report, "file_problems": [problem.as_dict()]}
        job.status = ImportStatus.FAILED
        job.save(update_fields=["report", "status"])
        if commit:
            _audit(job, "commit")
        raise


def _audit(job: ImportJob, stage: str, report: Report | None = None) -> None:
    """Record an import in the security audit: its confirmation by the uploader (a request,
    with their address), its start in the worker, and what came of it."""
    succeeded = stage in {"confirm", "start"} or (report is not None and report.committed)
    detail = {"job": job.pk, "entity": job.entity, "file": job.original_name, "stage": stage}
    detail.update(status=job.status, sha256=job.sha256)
    if report is not None:
        detail["counts"] = report.as_dict()["counts"]
    record_event(
        AuditAction.IMPORT,
        user=job.user,
        result=AuditResult.SUCCESS if succeeded else AuditResult.FAILURE,
        target=f"import {job.pk}",
        detail=detail,
    )


def _run(job: ImportJob, *, commit: bool) -> Report:
    path = Path(job.file.path)
    with path.open("rb") as stream:
        if sha256_of(stream) != job.sha256:
            raise ImportFileChangedError()
    return import_file(
        job.entity,
        path,
        by=job.user,
        options=_options(job),
        name=job.original_name,
        repair=job.repair,
        commit=commit,
        progress=_progress(job.pk),
        job_id=job.pk,
    )


def _step(job_id: int, *, commit: bool) -> tuple[ImportJob, Report]:
    """Mark the job as running, then check or commit its file, failing safely."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    job.status = ImportStatus.COMMITTING if commit else ImportStatus.CHECKING
    job.save(update_fields=["status"])
    if commit:
        _audit(job, "start")
    with _failing_safely(job, commit=commit):
        report = _run(job, commit=commit)
    job.report = report.as_dict()
    return job, report


# The kind of the claims import jobs hold while they run (portal.core.jobs.claimed).
CLAIM_KIND = 7301


def _claimed(step: Callable[[int], ImportJob]) -> Callable[[int], ImportJob]:
    """Run a check or commit under the job's claim, taken before its status says it runs and
    released after the status says how it ended (see fail_interrupted_imports)."""

    @functools.wraps(step)
    def run(job_id: int) -> ImportJob:
        with jobs.claimed(CLAIM_KIND, job_id):
            return step(job_id)

    return run


def fail_interrupted_imports() -> int:
    """Settle the jobs left checking or writing by a process that is gone; how many.

    The database restarted under them, or their worker was killed, and nobody was left to say
    how they ended: their status still says they run while no session holds their claim. An
    import is one transaction, so it wrote all of the file or nothing; its history context
    (written in that transaction) tells which. Called where jobs are shown, so the uploader
    reads the outcome instead of a progress bar that never moves.
    """
    running = ImportJob.objects.filter(status__in=[ImportStatus.CHECKING, ImportStatus.COMMITTING])
    stale = list(running.values_list("pk", "status", "report"))
    if not stale:
        return 0
    alive = jobs.claimed_keys(CLAIM_KIND)
    settled = 0
    for pk, status, report in stale:
        if pk in alive:
            continue
        outcome, problem = _interrupted_outcome(pk)
        log.warning("import %s was interrupted (%s): %s", pk, status, outcome)
        settled += ImportJob.objects.filter(pk=pk, status=status).update(
            status=outcome,
            report={**report, "file_problems": [problem.as_dict()]},
            committed_at=timezone.now() if outcome == ImportStatus.COMMITTED else None,
        )
    return settled


def _interrupted_outcome(job_id: int) -> tuple[ImportStatus, Problem]:
    if pghistory.models.Context.objects.filter(metadata__import_job=job_id).exists():
        written = _(
            "The records were written, but the process stopped before it recorded how many; "
            "the history of the records shows each change."
        )
        return ImportStatus.COMMITTED, Problem("interrupted", written, severity=Severity.WARNING)
    lost = _(
        "The import was interrupted: the database or the background worker stopped while it "
        "ran. Nothing was written; start the import again."
    )
    return ImportStatus.FAILED, Problem("interrupted", lost)


@_claimed
def check_job(job_id: int) -> ImportJob:
    job, report = _step(job_id, commit=False)
    job.status = ImportStatus.CHECKED if report.ok else ImportStatus.REJECTED
    job.checked_at = timezone.now()
    job.save(update_fields=["report", "status", "checked_at"])
    return job


def confirm_import(job: ImportJob, *, by: User) -> ImportJob:
    """Queue the commit of a checked file; only its uploader may confirm it."""
    if job.user_id != by.pk:  # type: ignore[attr-defined]
        raise OutOfScopeError(_("Only the person who uploaded the file can confirm it."))
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.CONFIRMED
        )
        if not updated:
            raise ImportStateError()
        from portal.exchange.tasks import commit_import

        commit_import.defer(job_id=job.pk)
    job.refresh_from_db()
    _audit(job, "confirm")  # the uploader's decision, from their address; the worker writes
    return job


@_claimed
def commit_job(job_id: int) -> ImportJob:
    job, report = _step(job_id, commit=True)
    job.status = ImportStatus.COMMITTED if report.committed else ImportStatus.FAILED
    job.committed_at = timezone.now() if report.committed else None
    job.save(update_fields=["report", "status", "committed_at"])
    _audit(job, "commit", report)
    return job
