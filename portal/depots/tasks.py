"""Background jobs of coverage analyses and siting scenarios, run by ``manage.py procrastinate
worker``. The job only carries the record's id; the record holds inputs, progress and results."""

from procrastinate.contrib.django import app

from portal.core.jobs import fresh_connections
from portal.depots.services import coverage, siting

QUEUE = "analysis"


@app.task(name="depots.run_coverage", queue=QUEUE)
def run_coverage(analysis_id: int) -> None:
    with fresh_connections():
        coverage.run_analysis(analysis_id)


@app.task(name="depots.run_scenario", queue=QUEUE)
def run_scenario(scenario_id: int) -> None:
    with fresh_connections():
        siting.run_scenario(scenario_id)
