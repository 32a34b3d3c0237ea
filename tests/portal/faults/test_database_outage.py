"""PostgreSQL stopped under page traffic: the real portal (gunicorn, two workers) answers 503 with
its clear page (JSON under /api/) while the database is down, never a 500 and never a hang, and
the same worker processes serve again as soon as it is back, without a restart."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal.core.middleware import RETRY_AFTER_SECONDS
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.faults.conftest import Portal, copy_test_database

# The cluster gets a copy of the test database, so what the test makes must be committed.
pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture
def portal(cluster, serve) -> tuple[Portal, list[str]]:
    """The portal on the throwaway cluster, signed in as an officer; the URLs of a page and an
    API list of theirs."""
    officer = UserFactory(role=Role.UNIT_OFFICER, is_staff=False)
    browser = Client()
    browser.force_login(officer)
    running = serve(copy_test_database(cluster))
    running.cookie = (
        f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    )
    return running, [reverse("org:unit_detail", args=[officer.unit_id]), "/api/units/"]


class Traffic(threading.Thread):
    """A client fetching the page and the API list in turn until stopped: the statuses seen."""

    def __init__(self, portal: Portal, urls: list[str]) -> None:
        super().__init__()
        self.portal, self.urls = portal, urls
        self.statuses: Counter[int] = Counter()
        self.done = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.done.is_set():
                for url in self.urls:
                    self.statuses[self.portal.get(url).status] += 1
        except BaseException as exc:  # a hang (timeout) or a dropped connection: the test fails
            self.error = exc


def assert_served(portal: Portal, urls: list[str]) -> None:
    page, api = (portal.get(url) for url in urls)
    assert page.status == 200, page.body[:500]
    assert api.status == 200, api.body[:500]
    assert api.json()  # the officer's own unit at least


def test_an_outage_answers_503_and_the_same_workers_recover(cluster, portal):
    server, urls = portal
    for _ in range(4):  # both workers hold a persistent connection now
        assert_served(server, urls)
    workers = server.workers()

    # A connection the server ended (an administrator, a failover) is replaced unseen.
    ended = cluster.psql(
        "postgres",
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = 'tianfu_faults'",
    )
    assert int(ended) >= 1
    for _ in range(4):
        assert_served(server, urls)
    assert "database unavailable" not in server.log_text()

    traffic = Traffic(server, urls)
    traffic.start()
    cluster.stop("immediate")
    down = [server.get(url) for url in urls * 3]
    cluster.start()
    for _ in range(4):
        assert_served(server, urls)
    traffic.done.set()
    traffic.join()

    assert traffic.error is None, repr(traffic.error)
    assert set(traffic.statuses) <= {200, 503}, traffic.statuses
    assert {answer.status for answer in down} == {503}
    page, api = down[0], down[1]
    assert "The database is not reachable at the moment" in page.body
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert api.json()["status"] == "unavailable"
    assert api.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert server.workers() == workers, "a worker was restarted"
    log = server.log_text()
    assert "Traceback" not in log
    assert log.count('"database unavailable, answered 503') >= len(down)
