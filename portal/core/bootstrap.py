"""Prepare PostgreSQL + PostGIS for ``make demo`` and ``make test`` on a Debian/Ubuntu machine.

Run as ``python -m portal.core.bootstrap`` (no Django needed). Without ``DATABASE_URL`` it manages
the local cluster: starts it when nothing answers on 127.0.0.1:5432 (``pg_ctlcluster``, no systemd
assumed), creates one if none exists, then creates the ``tianfu`` role, its database and a
``tianfu_template`` database with PostGIS, each only when missing. With ``DATABASE_URL`` set it
touches no cluster and only checks that the database answers and has PostGIS.

The template exists because PostGIS is not a trusted extension: the unprivileged role cannot create
it in the test database that pytest-django makes, but can copy a template that already has it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence

import psycopg
from psycopg import conninfo, sql

from portal import env

LOCAL_ROLE = "tianfu"
LOCAL_PASSWORD = "tianfu"  # local demo/test cluster only; production sets DATABASE_URL
LOCAL_DATABASE = "tianfu"
PORT = "5432"


class BootstrapError(Exception):
    """A step failed; the message says what to do."""


def template_name(database: str) -> str:
    """The PostGIS template used for test databases of ``database``."""
    return f"{database}_template"


def _run(cmd: Sequence[str], *, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, input=stdin, text=True, capture_output=True, check=False)


def _answers() -> bool:
    return _run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", PORT]).returncode == 0


def _as_postgres(cmd: Sequence[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return ["sudo", "-u", "postgres", *cmd]


def _clusters() -> list[list[str]]:
    """Rows of ``pg_lsclusters``: version, name, port, status, ..."""
    if shutil.which("pg_lsclusters") is None:
        raise BootstrapError("pg_lsclusters not found: install the Debian package postgresql")
    out = _run(["pg_lsclusters", "--no-header"]).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def _start_cluster() -> None:
    clusters = [row for row in _clusters() if row[2] == PORT]
    if clusters:
        version, name = clusters[0][0], clusters[0][1]
        print(f"starting PostgreSQL cluster {version}/{name}")
        cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"]
    else:
        versions = sorted(os.listdir("/usr/lib/postgresql"), key=int)
        print(f"creating PostgreSQL {versions[-1]} cluster 'main' on port {PORT}")
        cmd = ["pg_createcluster", "--port", PORT, "--start", versions[-1], "main"]
    result = _run(cmd if os.geteuid() == 0 else ["sudo", *cmd])
    if result.returncode != 0:
        raise BootstrapError(f"{' '.join(cmd)} failed: {result.stderr.strip()}")


def ensure_cluster(timeout_s: float = 60.0) -> None:
    """Start (or create) the local cluster unless something already answers on the port."""
    if _answers():
        return
    _start_cluster()
    deadline = time.monotonic() + timeout_s
    while not _answers():
        if time.monotonic() > deadline:
            raise BootstrapError(f"PostgreSQL did not answer on 127.0.0.1:{PORT} in {timeout_s}s")
        time.sleep(0.5)


LOCAL_TEMPLATE = template_name(LOCAL_DATABASE)
_ROLE_SQL = f"""
SELECT 'CREATE ROLE {LOCAL_ROLE} LOGIN CREATEDB PASSWORD ''{LOCAL_PASSWORD}'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LOCAL_ROLE}')\\gexec
SELECT 'CREATE DATABASE {LOCAL_DATABASE} OWNER {LOCAL_ROLE}'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{LOCAL_DATABASE}')\\gexec
SELECT 'CREATE DATABASE {LOCAL_TEMPLATE} OWNER {LOCAL_ROLE}'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{LOCAL_TEMPLATE}')\\gexec
"""


def _psql_as_postgres(database: str, script: str) -> None:
    cmd = _as_postgres(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", PORT, "-d", database])
    result = _run(cmd, stdin=script)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no output"
        raise BootstrapError(f"psql as postgres on {database} failed: {detail}")


def ensure_local_objects() -> None:
    """Create the role, the database and the test template, each with PostGIS, when missing."""
    _psql_as_postgres("postgres", _ROLE_SQL)
    for database in (LOCAL_DATABASE, LOCAL_TEMPLATE):
        try:
            _psql_as_postgres(database, "CREATE EXTENSION IF NOT EXISTS postgis;")
        except BootstrapError as exc:
            raise BootstrapError(
                f"{exc} (is the PostGIS package for this PostgreSQL version installed?)"
            ) from None


def _inspect(url: str, template: str) -> tuple[bool, bool, bool]:
    """Whether the database has PostGIS, the role is a superuser, and the test template exists."""
    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        postgis = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        is_super = bool((superuser.fetchone() or (False,))[0])
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,))
        return postgis is not None, is_super, found.fetchone() is not None


def _make_template(url: str, template: str) -> None:
    """As a superuser: create the test template when missing and give it PostGIS."""
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,))
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
    parts = conninfo.conninfo_to_dict(url)
    parts["dbname"] = template
    with psycopg.connect(conninfo.make_conninfo(**parts), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def check_external(url: str) -> None:
    """Confirm a given DATABASE_URL answers, has PostGIS, and can make PostGIS test databases."""
    target = env.parse_database_url(url)
    template = template_name(target.name)
    try:
        has_postgis, is_super, has_template = _inspect(url, template)
        if is_super:
            _make_template(url, template)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BootstrapError(f"cannot use {target.redacted()}: {reason}") from None
    if not has_postgis:
        raise BootstrapError(
            f"database {target.redacted()} has no PostGIS: run CREATE EXTENSION postgis; in it "
            "as a superuser"
        )
    if not (has_template or is_super):
        raise BootstrapError(
            f"tests need a database {template} with PostGIS that {target.user} owns: ask a "
            f"superuser to run CREATE DATABASE {template} OWNER {target.user}; then CREATE "
            "EXTENSION postgis; in it"
        )


def main(argv: Sequence[str]) -> int:
    """Prepare the database; print one line and return 1 on failure."""
    url = os.environ.get("DATABASE_URL", "")
    try:
        if url:
            check_external(url)
        else:
            ensure_cluster()
            ensure_local_objects()
    except (BootstrapError, env.ConfigError) as exc:
        print(f"database setup failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
