"""Benchmarks on the full demo scale (1,000,000 assets) in a database kept between runs.

Loading the full scale takes about two minutes, so it is done once into ``TIANFU_BENCH_DB``
(default ``tianfu_bench``, copied from the PostGIS template and migrated) and reused; a database
whose load stopped part-way is reset and loaded again.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from psycopg import sql

from portal.demo.services import load_demo

BENCH_DB = os.environ.get("TIANFU_BENCH_DB", "tianfu_bench")


def _create_database(db: dict) -> None:
    conninfo = psycopg.conninfo.make_conninfo(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,))
        if exists.fetchone() is None:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(BENCH_DB), sql.Identifier(db["TEST"]["TEMPLATE"])
                )
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    db = settings.DATABASES["default"]
    _create_database(db)
    db["NAME"] = BENCH_DB
    with django_db_blocker.unblock():
        call_command("migrate", verbosity=0)
        report = load_demo(scale="full", allow_outside_demo=True)
        if report.partial:
            load_demo(scale="full", reset=True, allow_outside_demo=True)


def database_url() -> str:
    """The benchmark database as a ``DATABASE_URL``, for a portal served in another process."""
    db = settings.DATABASES["default"]
    auth = f"{urllib.parse.quote(db['USER'] or '')}:{urllib.parse.quote(db['PASSWORD'] or '')}"
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base: str, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    # Each worker imports Django, GDAL and PROJ before it answers: seconds each on a busy host.
    # No proxy: the server is on loopback whatever the environment says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            with opener.open(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"gunicorn did not answer on {base} within {timeout_s} s")


@contextmanager
def portal_server(workers: int, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn as ``make serve`` runs it (``portal.gunicorn_conf``, its logs in ``log``),
    serving the benchmark database on a free loopback port: the base URL and the process."""
    port = _free_port()
    env = {**os.environ, "TIANFU_MODE": "test", "DATABASE_URL": database_url()}
    command = [sys.executable, "-m", "gunicorn", "-c", "python:portal.gunicorn_conf"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}", proc)
            yield f"http://127.0.0.1:{port}", proc
        finally:
            proc.terminate()
            proc.wait(timeout=20)
