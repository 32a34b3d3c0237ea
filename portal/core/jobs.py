"""What every background job shares."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import close_old_connections


@contextmanager
def fresh_connections() -> Iterator[None]:
    """Jobs run in worker threads that no request cycle cleans up: drop broken or expired
    connections before and after each job, as Django does around a request."""
    close_old_connections()
    try:
        yield
    finally:
        close_old_connections()
