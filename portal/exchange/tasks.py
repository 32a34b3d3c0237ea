"""Background jobs of the import flow, run by ``manage.py procrastinate worker``.

Jobs go to the ``imports`` queue; the queue lives in PostgreSQL, so a job queued in the same
transaction as its import record exists exactly when the record does.
"""

from procrastinate.contrib.django import app

from portal.exchange import services

QUEUE = "imports"


@app.task(name="exchange.check_import", queue=QUEUE)
def check_import(job_id: int) -> None:
    services.check_job(job_id)


@app.task(name="exchange.commit_import", queue=QUEUE)
def commit_import(job_id: int) -> None:
    services.commit_job(job_id)
