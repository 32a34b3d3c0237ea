"""A throwaway PostgreSQL 15 cluster for the fault tests, so the shared server is never stopped.

The cluster lives in a temporary directory, listens on 127.0.0.1 at a free port with trust
authentication, and is removed however the test ends (use it as a context manager). A test can
stop it the way a crash does (``stop(mode="immediate")``: no checkpoint, the next start replays
the WAL) and start it again, while the portal keeps running against it.

Its schema comes from the test database of the session: ``load_from`` copies it with
``pg_dump | pg_restore`` (schema, PostGIS and the rows the test made). That takes about a second
where ``manage.py migrate`` against an empty cluster takes about half a minute (measured on the
CI machine). As root, every server program runs as the ``postgres`` user, which owns the
directory; as another user, the programs run as that user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "postgres"
# Crash-safe against a server crash, not an operating-system one: enough for a throwaway cluster,
# and it keeps initdb and the loads of the tests fast.
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_connections": "40",
    "log_min_messages": "warning",
}


class ClusterError(Exception):
    """A server program failed; the message carries its output."""


def free_port() -> int:
    """A TCP port nothing listens on at the moment (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(cmd: Sequence[str]) -> list[str]:
    """Root may not run the server: run the programs as ``postgres``, which owns the directory."""
    return ["runuser", "-u", SUPERUSER, "--", *cmd] if os.geteuid() == 0 else list(cmd)


def _run(cmd: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, text=True, capture_output=True, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(cmd)} failed: {result.stderr.strip() or result.stdout}")
    return result


class PgCluster:
    """One throwaway cluster: ``with PgCluster() as cluster: cluster.start() ...``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tianfu-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, SUPERUSER, SUPERUSER)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.running = False

    def __enter__(self) -> PgCluster:
        try:
            self.init()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.teardown()

    def init(self) -> None:
        _run(
            _as_owner(
                [
                    str(BIN / "initdb"),
                    f"--pgdata={self.data}",
                    f"--username={SUPERUSER}",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                    "--no-instructions",
                ]
            )
        )
        settings = {
            **_SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
        }
        with (self.data / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def _pg_ctl(self, *args: str) -> None:
        _run(_as_owner([str(BIN / "pg_ctl"), f"--pgdata={self.data}", *args]))

    def start(self) -> None:
        """Start and wait until connections are accepted (after crash recovery, if any)."""
        self._pg_ctl(f"--log={self.log}", "--wait", "--timeout=120", "start")
        self.running = True

    def stop(self, mode: str = "immediate") -> None:
        """``immediate`` ends every backend at once with no checkpoint, as a crash would."""
        self._pg_ctl(f"--mode={mode}", "--wait", "stop")
        self.running = False

    def restart(self, mode: str = "immediate") -> None:
        self.stop(mode)
        self.start()

    def teardown(self) -> None:
        """Stop the server if it runs and remove every file; safe to call twice."""
        if self.running:
            # A server that is already gone leaves only the directory to remove.
            with contextlib.suppress(ClusterError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- databases ------------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def psql(self, database: str, script: str) -> str:
        cmd = [str(BIN / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", self.url(database)]
        return _run(cmd, input=script).stdout

    def load_from(self, source: dict[str, object], database: str) -> None:
        """Create ``database`` as a copy of the database that Django ``source`` settings name.

        Ownership and grants are left out: every object here belongs to the superuser.
        """
        self.psql("postgres", f'CREATE DATABASE "{database}"')
        dump = self.root / f"{database}.dump"
        _run(
            [
                str(BIN / "pg_dump"),
                "--format=custom",
                "--compress=0",
                f"--file={dump}",
                f"--host={source['HOST'] or '127.0.0.1'}",
                f"--port={source['PORT'] or 5432}",
                f"--username={source['USER']}",
                str(source["NAME"]),
            ],
            env={**os.environ, "PGPASSWORD": str(source.get("PASSWORD") or "")},
        )
        restore = ["--no-owner", "--no-privileges", "--exit-on-error", str(dump)]
        _run([str(BIN / "pg_restore"), f"--dbname={self.url(database)}", *restore])
        dump.unlink()
