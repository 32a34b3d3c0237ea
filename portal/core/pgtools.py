"""PostgreSQL's own tools and administrative statements, for backups and restores.

The database may be another than the portal's (a restore into a fresh database), so this module
talks to it through psycopg and the client programs rather than through Django's connections.
pg_dump and pg_restore must be of the server's major version: Debian installs each version's
programs under ``/usr/lib/postgresql/<major>/bin``, which is searched before ``PATH``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.utils.translation import gettext as _
from psycopg import sql as pgsql

from portal import env
from portal.core import sql
from portal.core.exceptions import PortalError

MAINTENANCE_DATABASE = "postgres"


class BackupError(PortalError):
    """A backup or restore cannot go on; the message says why and what to do."""

    http_status = 500


@dataclass(frozen=True)
class Database:
    """Where a database lives and how to log in to it."""

    url: env.DatabaseURL

    @classmethod
    def configured(cls) -> Database:
        """The portal's own database (DATABASE_URL)."""
        db = settings.DATABASES["default"]
        return cls(
            env.DatabaseURL(
                name=db["NAME"],
                user=db["USER"],
                password=db["PASSWORD"],
                host=db["HOST"],
                port=str(db["PORT"] or ""),
            )
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(env.parse_database_url(url, "--database-url"))

    @property
    def name(self) -> str:
        return self.url.name

    def renamed(self, name: str) -> Database:
        """Another database of the same server and role."""
        return Database(dataclasses.replace(self.url, name=name))

    def connect(self, dbname: str | None = None) -> psycopg.Connection:
        try:
            return psycopg.connect(
                dbname=dbname or self.url.name,
                user=self.url.user or None,
                password=self.url.password or None,
                host=self.url.host or None,
                port=self.url.port or None,
                connect_timeout=10,
                autocommit=True,
            )
        except psycopg.OperationalError as exc:
            target = self.url.redacted()
            raise BackupError(
                _("cannot connect to %(target)s: %(reason)s") % {"target": target, "reason": exc}
            ) from exc

    def client_args(self) -> list[str]:
        """Login options of pg_dump and pg_restore; the password goes in the environment, where
        other users of the machine cannot read it (they can read a command line)."""
        args = [f"--username={self.url.user}"] if self.url.user else []
        args += [f"--host={self.url.host}"] if self.url.host else []
        return args + ([f"--port={self.url.port}"] if self.url.port else [])

    def client_env(self) -> dict[str, str]:
        extra = {"PGPASSWORD": self.url.password} if self.url.password else {}
        return {**os.environ, "PGCONNECT_TIMEOUT": "10", **extra}


def server_major(conn: psycopg.Connection) -> int:
    row = conn.execute(sql.SERVER_VERSION_NUM).fetchone()
    return int(row[0]) // 10000 if row else 0


def client_program(name: str, major: int) -> str:
    """The path of pg_dump or pg_restore of the server's major version, or a clear refusal."""
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    program = str(debian) if debian.exists() else shutil.which(name)
    found = _major_of(program) if program else None
    if found != major:
        raise BackupError(
            _(
                "%(name)s of PostgreSQL %(major)s is needed (found: %(found)s): install the "
                "client programs of the server's version, e.g. the Debian package "
                "postgresql-client-%(major)s"
            )
            % {"name": name, "major": major, "found": program or _("none")}
        )
    return str(program)


def _major_of(program: str) -> int | None:
    out = subprocess.run([program, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\(PostgreSQL\) (\d+)", out.stdout)
    return int(match.group(1)) if match else None


def run(cmd: list[str], *, what: str, database: Database | None = None) -> str:
    """Run a client program (logged in to ``database``, if it connects to one); its error
    output becomes the message when it fails."""
    login = database.client_env() if database is not None else None
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, env=login)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(_("%(what)s failed: %(detail)s") % {"what": what, "detail": detail})
    return result.stdout


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows of every table of the database (``schema.table``), read in the current snapshot."""
    counts = {}
    for schema, table in conn.execute(sql.USER_TABLES).fetchall():
        query = pgsql.SQL(sql.COUNT_ROWS).format(pgsql.Identifier(schema, table))
        row = conn.execute(query).fetchone()
        counts[f"{schema}.{table}"] = int(row[0]) if row else 0
    return counts


# -- creating the database a restore writes into ---------------------------------------------


def database_exists(database: Database) -> bool:
    with database.connect(MAINTENANCE_DATABASE) as conn:
        row = conn.execute(sql.DATABASE_EXISTS, [database.name]).fetchone()
    return bool(row and row[0])


def drop_database(database: Database) -> None:
    """Drop it, ending its sessions first (the portal's workers must be stopped anyway)."""
    with database.connect(MAINTENANCE_DATABASE) as conn:
        conn.execute(pgsql.SQL(sql.DROP_DATABASE).format(pgsql.Identifier(database.name)))


def create_database(database: Database, *, template: str | None) -> None:
    """Create it empty, or as a copy of ``template`` (a database that already has PostGIS, for
    a role that may not create the extension itself)."""
    name = pgsql.Identifier(database.name)
    statement = (
        pgsql.SQL(sql.CREATE_DATABASE_FROM).format(name, pgsql.Identifier(template))
        if template
        else pgsql.SQL(sql.CREATE_DATABASE).format(name)
    )
    with database.connect(MAINTENANCE_DATABASE) as conn:
        try:
            conn.execute(statement)
        except psycopg.Error as exc:
            raise BackupError(
                _("cannot create database %(name)s: %(reason)s")
                % {"name": database.name, "reason": str(exc).strip()}
            ) from exc


def create_extensions(database: Database, names: list[str]) -> None:
    """The extensions the backup had, created before the restore writes anything that needs
    them (PostGIS's types); an extension a template brought along is left as it is."""
    with database.connect() as conn:
        for name in names:
            try:
                conn.execute(pgsql.SQL(sql.CREATE_EXTENSION).format(pgsql.Identifier(name)))
            except psycopg.errors.InsufficientPrivilege as exc:
                raise BackupError(
                    _(
                        "the role %(role)s may not create the extension %(name)s in "
                        "%(database)s: create the database with it as a superuser first, or "
                        "pass --template a database that has it"
                    )
                    % {"role": database.url.user, "name": name, "database": database.name}
                ) from exc
