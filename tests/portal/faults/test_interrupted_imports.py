"""An import whose process went away (database restart, killed worker) is settled where jobs are
shown: failed with the reason when it wrote nothing, imported when its transaction had committed,
and left alone while its process still holds the claim."""

from __future__ import annotations

import pghistory
import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from portal.core import jobs
from portal.exchange.access import jobs_visible_to
from portal.exchange.models import ImportJob, ImportStatus
from portal.exchange.services import CLAIM_KIND, fail_interrupted_imports
from portal.org.choices import Role
from tests.factories import UnitFactory, UserFactory

# The claims live on the import-progress connection, as in a worker.
pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer():
    return UserFactory(role=Role.UNIT_OFFICER)


def job(user, status: ImportStatus) -> ImportJob:
    made = ImportJob(user=user, entity="assets", original_name="a.csv", sha256="0" * 64)
    made.size_bytes, made.status, made.rows_done = 1, status, 2000
    made.file.save("a.csv", ContentFile(b"x"), save=False)
    made.save()
    return made


def test_a_job_nobody_runs_any_more_is_failed_with_the_reason(officer):
    stale = job(officer, ImportStatus.COMMITTING)
    with translation.override("en"):
        shown = jobs_visible_to(officer).get(pk=stale.pk)
    assert shown.status == ImportStatus.FAILED
    (problem,) = shown.report["file_problems"]
    assert problem["code"] == "interrupted"
    assert problem["message_en"].startswith("The import was interrupted")
    assert problem["message_en"].endswith("Nothing was written; start the import again.")


def test_a_job_whose_process_holds_its_claim_is_left_running(officer):
    running = job(officer, ImportStatus.CHECKING)
    with jobs.claimed(CLAIM_KIND, running.pk):
        assert fail_interrupted_imports() == 0
        assert jobs_visible_to(officer).get(pk=running.pk).status == ImportStatus.CHECKING
    assert fail_interrupted_imports() == 1


def test_a_job_that_had_committed_is_shown_imported(officer):
    written = job(officer, ImportStatus.COMMITTING)
    with pghistory.context(import_job=written.pk):
        UnitFactory()  # a tracked write in the import's context
    assert fail_interrupted_imports() == 1
    written.refresh_from_db()
    assert written.status == ImportStatus.COMMITTED
    assert written.report["file_problems"][0]["severity"] == "warning"


def test_jobs_waiting_or_finished_are_not_touched(officer):
    kept = [
        job(officer, status)
        for status in (ImportStatus.QUEUED, ImportStatus.CONFIRMED, ImportStatus.COMMITTED)
    ]
    assert fail_interrupted_imports() == 0
    assert [ImportJob.objects.get(pk=j.pk).status for j in kept] == [j.status for j in kept]
