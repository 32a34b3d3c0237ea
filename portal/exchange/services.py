"""Import records: upload, check, confirm and commit, the same for the page and the API.

The worker runs :func:`check_job` and :func:`commit_job`; the web only stores the upload and
queues work, so a large file survives a browser refresh and never ties up a web process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError
from portal.core.files import sha256_of
from portal.core.services import OutOfScopeError
from portal.exchange.engine import Progress, run_import
from portal.exchange.entities import get_entity
from portal.exchange.models import ImportJob, ImportStatus
from portal.exchange.problems import Problem, ProblemError
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
    job.file.save(f"{job.sha256[:16]}-{job.original_name}", upload, save=False)
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
def _failing_safely(job: ImportJob) -> Iterator[None]:
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
        raise


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
    with _failing_safely(job):
        report = _run(job, commit=commit)
    job.report = report.as_dict()
    return job, report


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
    return job


def commit_job(job_id: int) -> ImportJob:
    job, report = _step(job_id, commit=True)
    job.status = ImportStatus.COMMITTED if report.committed else ImportStatus.FAILED
    job.committed_at = timezone.now() if report.committed else None
    job.save(update_fields=["report", "status", "committed_at"])
    return job
