"""The real procrastinate worker, run from a test (with the ``empty_queue`` fixture of
tests/conftest.py, since the queue's tables outlive transactional tests)."""

import gc
import threading


def run_worker(queue: str, *, timeout: float = 120) -> None:
    """Run ``queue`` until it is empty, as `manage.py procrastinate worker` would: with the psycopg
    connector (Django's connector hands JSON back as text) and in a thread of its own, since
    asyncio.run refuses to start inside a running event loop (Playwright's)."""
    from procrastinate.contrib.django import app

    def work() -> None:
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(
                queues=[queue], wait=False, install_signal_handlers=False, listen_notify=False
            )

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=timeout)
    # The job ran in worker threads whose Django connections outlive them until collected;
    # free them so the test database can be dropped.
    gc.collect()
