"""Background jobs of the import flow, run by ``manage.py procrastinate worker``.

Jobs go to the ``imports`` queue; the queue lives in PostgreSQL, so a job queued in the same
transaction as its import record exists exactly when the record does.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import close_old_connections
from procrastinate.contrib.django import app

from portal.exchange import services

QUEUE = "imports"


@contextmanager
def _fresh_connections() -> Iterator[None]:
    """Jobs run in worker threads that no request cycle cleans up: drop broken or expired
    connections before and after each job, as Django does around a request."""
    close_old_connections()
    try:
        yield
    finally:
        close_old_connections()


def _run(step: Callable[[int], object], job_id: int) -> None:
    with _fresh_connections():
        step(job_id)


@app.task(name="exchange.check_import", queue=QUEUE)
def check_import(job_id: int) -> None:
    _run(services.check_job, job_id)


@app.task(name="exchange.commit_import", queue=QUEUE)
def commit_import(job_id: int) -> None:
    _run(services.commit_job, job_id)
