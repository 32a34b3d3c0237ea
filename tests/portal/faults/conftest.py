"""The real portal (gunicorn, as `make serve` runs it) on a throwaway PostgreSQL cluster that the
fault tests stop and start at will (tests/pgcluster.py); the shared server is never touched."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.conf import settings
from django.db import connections

from tests.pgcluster import PgCluster, free_port

DATABASE = "tianfu_faults"
# Long enough for any answer the portal gives on a loaded machine; a request still waiting
# then has hung, which is what these tests exist to rule out.
HANG = 120


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    with PgCluster() as pg:
        pg.start()
        yield pg


def copy_test_database(cluster: PgCluster) -> str:
    """The session's test database (schema, reference rows and what the test committed) as
    ``tianfu_faults`` on the cluster; its URL."""
    connections.close_all()  # the import-progress connection too: nothing holds a snapshot open
    cluster.load_from(settings.DATABASES["default"], DATABASE)
    return cluster.url(DATABASE)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Portal:
    """gunicorn serving portal.wsgi on a loopback port, as a signed-in user's browser sees it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    cookie: str = ""

    def get(self, path: str) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HANG)
        headers = {"Accept-Language": "en", "Cookie": self.cookie}
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read().decode()
            return Answer(response.status, dict(response.getheaders()), body)
        finally:
            conn.close()

    def workers(self) -> set[int]:
        """The worker processes gunicorn runs now: a worker that hung or died is replaced by a
        new process, so an unchanged set means the same workers kept serving."""
        return {child.pid for child in psutil.Process(self.process.pid).children()}

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _environment(database_url: str, media_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TIANFU_MODE": "test",
        "DATABASE_URL": database_url,
        "TIANFU_MEDIA_ROOT": str(media_root),
        "TIANFU_DB_CONNECT_TIMEOUT": "3",
        "TIANFU_LOG_FORMAT": "json",
    }


def manage(database_url: str, media_root: Path, *args: str) -> subprocess.Popen[bytes]:
    """``manage.py ARGS`` against the cluster, as an operator would run it; output in a file."""
    out = (media_root.parent / f"manage-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=_environment(database_url, media_root),
        stdout=out,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    """``serve(database_url)`` starts the portal; it is stopped when the test ends."""
    started: list[Portal] = []

    def start(database_url: str) -> Portal:
        port, log = free_port(), tmp_path / "gunicorn.log"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        args = ["-c", "python:portal.gunicorn_conf", "portal.wsgi", "--workers", "2"]
        process = subprocess.Popen(
            [str(gunicorn), *args, "--bind", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=_environment(database_url, tmp_path / "media"),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        portal = Portal(process, port, log)
        started.append(portal)
        _wait_until_serving(portal)
        return portal

    yield start
    for portal in started:
        portal.process.terminate()
        portal.process.wait()


def _wait_until_serving(portal: Portal) -> None:
    """Until both workers have booted and one answers; a gunicorn that exits fails at once."""
    while True:
        assert portal.process.poll() is None, f"gunicorn stopped:\n{portal.log_text()}"
        if portal.log_text().count("Booting worker") >= 2:
            try:
                portal.get("/healthz")
                return
            except OSError:
                pass  # not listening yet
        time.sleep(0.1)
