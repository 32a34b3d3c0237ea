"""Two requests at once, each in its own thread with its own database connection, for the tests
that prove a service serialises concurrent writes (transactional tests: the threads must see
each other's commits).

:func:`race` releases its calls together by a barrier and returns their outcomes (a result or
the exception raised). :class:`Request` runs one call whose backend the test can watch, so that
a test need not leave the timing to chance: it holds a transaction open and waits until
PostgreSQL reports the request blocked on it (:meth:`Request.blocked`). Messages are English.
"""

import threading
import time
from collections.abc import Callable

from django.db import connection
from django.utils import translation


def race(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread and connection, all released at once; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            with translation.override("en"):
                barrier.wait()
                outcomes[index] = call()
        except Exception as exc:  # the loser's error is what the tests check
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def split(outcomes: list[object], kind: type) -> tuple[object, object]:
    """The one outcome of ``kind`` (the winner's) and the one other (the loser's)."""
    winners = [o for o in outcomes if isinstance(o, kind)]
    losers = [o for o in outcomes if not isinstance(o, kind)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    return winners[0], losers[0]


class Request(threading.Thread):
    """One request in its own connection, whose backend the test can watch while it waits."""

    def __init__(self, call: Callable[[], object]) -> None:
        super().__init__()
        self.call = call
        self.connected = threading.Event()
        self.pid = 0
        self.outcome: object = None

    def run(self) -> None:
        try:
            with translation.override("en"):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.pid = cursor.fetchone()[0]
                self.connected.set()
                self.outcome = self.call()
        except Exception as exc:
            self.outcome = exc
        finally:
            self.connected.set()
            connection.close()

    def blocked(self) -> bool:
        """Wait until PostgreSQL reports this request waiting on a lock (True), or it ends."""
        self.connected.wait()
        with connection.cursor() as cursor:
            while self.is_alive():
                cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [self.pid])
                if cursor.fetchone()[0]:
                    return True
                time.sleep(0.005)
        return False
