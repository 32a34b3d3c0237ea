"""Background jobs of the import flow, run by ``manage.py procrastinate worker``.

Jobs go to the ``imports`` queue; the queue lives in PostgreSQL, so a job queued in the same
transaction as its import record exists exactly when the record does.
"""

from collections.abc import Callable

from procrastinate.contrib.django import app

from portal.core.jobs import fresh_connections
from portal.exchange import services

QUEUE = "imports"


def _run(step: Callable[[int], object], job_id: int) -> None:
    with fresh_connections():
        step(job_id)


@app.task(name="exchange.check_import", queue=QUEUE)
def check_import(job_id: int) -> None:
    _run(services.check_job, job_id)


@app.task(name="exchange.commit_import", queue=QUEUE)
def commit_import(job_id: int) -> None:
    _run(services.commit_job, job_id)
