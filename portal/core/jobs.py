"""What every background job shares."""

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, close_old_connections, connections

from portal.core import sql

# The connection that holds claims: outside any job's transaction, so a claim is visible (in
# pg_locks) while the job's own writes are not, and it is the one the import progress uses.
CLAIMS = "progress"


@contextmanager
def fresh_connections() -> Iterator[None]:
    """Jobs run in worker threads that no request cycle cleans up: drop broken or expired
    connections before and after each job, as Django does around a request."""
    close_old_connections()
    try:
        yield
    finally:
        close_old_connections()


@contextmanager
def claimed(kind: int, key: int) -> Iterator[None]:
    """Mark job ``key`` of ``kind`` as running for as long as the block runs.

    The mark is a session advisory lock, so it also ends when the process or the database
    goes away mid-job, which no status column written by the job itself can record.
    """
    conn = connections[CLAIMS]
    with conn.cursor() as cursor:
        cursor.execute(sql.CLAIM, [kind, key])
    try:
        yield
    finally:
        # A claim whose session is gone (the database restarted) went with it.
        with contextlib.suppress(DatabaseError), conn.cursor() as cursor:
            cursor.execute(sql.RELEASE, [kind, key])


def claimed_keys(kind: int) -> set[int]:
    """The jobs of ``kind`` some session is running now (in this database)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(sql.CLAIMED_KEYS, [kind])
        return {int(row[0]) for row in cursor.fetchall()}
