"""Desktop GIS clients against the portal on loopback: GDAL's OGC API – Features driver (OAPIF).

Two GDALs are driven, as an analyst's machine has them: Debian's command-line tools (GDAL 3.6,
package ``gdal-bin``) run as subprocesses, and the GDAL 3.12 bundled in pyogrio's wheel, in this
process. Both reach pytest-django's live server, which answers from the test database: these
tests are transactional, and every row they read is committed before GDAL asks for it.

The token travels as each GDAL takes it: the 3.6 tools read ``GDAL_HTTP_HEADERS`` from the
environment; 3.12's OAPIF driver ignores that option and reads ``GDAL_HTTP_HEADER_FILE``.
pyogrio runs in a child process too (tests/clients/pyogrio_client.py): in this one, GDAL would
hold the interpreter's lock while waiting for the live server's thread to answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.signals import request_started

from tests.clients.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
# A GDAL that hangs on a socket fails the test instead of the run; not a speed limit.
HANG_GUARD_S = 120
PROXIES = {"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}


@pytest.fixture
def world(live_server) -> World:
    return build_world()


@pytest.fixture
def landing(live_server) -> str:
    """The dataset name GDAL opens: the landing page behind the driver's prefix."""
    return f"OAPIF:{live_server.url}/ogc/"


def gdal_environment(token: str | None) -> dict[str, str]:
    """The environment of a GDAL 3.6 tool: the token header, no proxy (loopback only)."""
    env = {name: value for name, value in os.environ.items() if name not in PROXIES}
    env.pop("GDAL_HTTP_HEADERS", None)
    if token is not None:
        env["GDAL_HTTP_HEADERS"] = f"Authorization: Token {token}"
    return env


def run_gdal(args: list[str], token: str | None) -> subprocess.CompletedProcess[str]:
    """One GDAL 3.6 command-line tool, with ``token`` (or without credentials)."""
    return subprocess.run(
        args,
        env=gdal_environment(token),
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=False,
    )


def export(landing: str, layer: str, token: str, target: Path, *options: str) -> dict[str, Any]:
    """``ogr2ogr -f GeoJSON`` of one collection, keeping GDAL's feature ids (the features'
    ``id`` where it is a number); the FeatureCollection GDAL wrote."""
    args = ["ogr2ogr", "-f", "GeoJSON", "-preserve_fid", *options, str(target), landing, layer]
    done = run_gdal(args, token)
    assert done.returncode == 0, done.stderr
    written: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return written


def feature_keys(collection: Any) -> Any:
    """How a written feature names its record: the ``id`` member where the key is the primary
    key (a number GDAL keeps as the feature id), else the ``id`` field GDAL makes of a string
    key (a division's code)."""
    if collection.id_field in {"pk", collection.model._meta.pk.name}:
        return lambda feature: feature["id"]
    return lambda feature: feature["properties"]["id"]


@pytest.fixture
def requests_seen() -> Iterator[list[str]]:
    """The path and query of every request the live server receives during the test."""
    seen: list[str] = []

    def record(sender: object, environ: dict[str, str], **kwargs: object) -> None:
        query = environ.get("QUERY_STRING", "")
        seen.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))

    request_started.connect(record, weak=False)
    yield seen
    request_started.disconnect(record)


@pytest.fixture
def pyogrio_read(tmp_path: Path) -> Any:
    """Reads a collection with pyogrio's GDAL 3.12 in a child process (see pyogrio_client.py)
    sending ``token`` (or no credentials); the process, and what it read when it succeeded."""

    def read(
        landing: str, layer: str, token: str | None, crs: str | None = None
    ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
        args = [sys.executable, "-m", "tests.clients.pyogrio_client", landing, layer]
        if crs:
            args += ["--crs", crs]
        if token is not None:
            headers = tmp_path / "gdal-headers.txt"
            headers.write_text(f"Authorization: Token {token}\n", encoding="ascii")
            args += ["--headers", str(headers)]
        done = subprocess.run(
            args,
            cwd=ROOT,
            env=gdal_environment(None),
            capture_output=True,
            text=True,
            timeout=HANG_GUARD_S,
            check=False,
        )
        return done, json.loads(done.stdout) if done.returncode == 0 else None

    return read
