"""The background path of a siting scenario: created (its job queued in the same transaction),
then run by the real procrastinate worker on the "analysis" queue, as ``manage.py procrastinate
worker`` would; and the progress a run writes on its own connection."""

from __future__ import annotations

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from portal.depots.choices import RunStatus
from portal.depots.models import SitingScenario
from portal.depots.services import siting
from portal.depots.tasks import QUEUE
from portal.org.choices import Role
from tests.factories import UnitFactory, UserFactory, division
from tests.portal.depots.scenario_data import SYNTHETIC, drawn_scenario, village
from tests.worker import run_worker


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_worker_runs_a_queued_scenario(empty_queue, monkeypatch):
    monkeypatch.setattr(siting.instance, "SURFACES", SYNTHETIC)
    planner = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))
    scenario = drawn_scenario(planner, name="后台方案", p=2)
    job = ProcrastinateJob.objects.get()
    assert (job.task_name, job.queue_name, job.status) == ("depots.run_scenario", QUEUE, "todo")
    run_worker(QUEUE)
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.DONE, scenario.error
    assert scenario.progress == 1
    assert scenario.progress_message == ""
    assert scenario.covered_population == pytest.approx(1600)
    assert scenario.sites.count() == 2
    assert ProcrastinateJob.objects.get().status == "succeeded"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_failing_run_is_recorded_and_the_job_ends(empty_queue, monkeypatch):
    monkeypatch.setattr(siting.instance, "SURFACES", SYNTHETIC)
    province = UserFactory(role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510100"))
    scenario = drawn_scenario(
        province, name="无人区", region=division("510700"), drawn_sites=[(104.7, 31.5)]
    )
    run_worker(QUEUE)
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.FAILED
    assert scenario.error
    assert not scenario.sites.exists()
    # An expected refusal (no people in the region) is the scenario's outcome, not a crash.
    assert ProcrastinateJob.objects.get().status == "succeeded"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_progress_is_written_on_its_own_connection_and_throttled(empty_queue):
    planner = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))
    scenario = siting.create_scenario(
        name="进度",
        region=division("510100"),
        model="lscp",
        radius_km=10,
        grid_km=1,
        drawn_sites=[village("A")],
        by=planner,
    )
    record = siting.Recorder(scenario.pk)
    record(0.4, "solving")
    record(0.5, "solving")  # the same stage within the interval: not written
    stored = SitingScenario.objects.using("progress").get(pk=scenario.pk)
    assert (stored.progress, stored.progress_message) == (0.4, "solving")
    record(0.6, "measuring")  # a new stage is written at once
    stored.refresh_from_db()
    assert (stored.progress, stored.progress_message) == (0.6, "measuring")
