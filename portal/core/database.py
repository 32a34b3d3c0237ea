"""Check that the configured database answers and has PostGIS, with one-line messages."""

from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.translation import gettext as _

from portal import env
from portal.core import sql
from portal.core.exceptions import DatabaseUnavailableError, PostGISMissingError


@dataclass(frozen=True)
class DatabaseStatus:
    """Versions reported by a healthy database."""

    server_version: str
    postgis_version: str


def _target() -> str:
    db = settings.DATABASES["default"]
    return env.DatabaseURL(
        name=db["NAME"], user=db["USER"], password="", host=db["HOST"], port=str(db["PORT"])
    ).redacted()


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0].removeprefix("connection failed: ") if lines else type(exc).__name__


def check_database(alias: str = "default") -> DatabaseStatus:
    """Connect, then confirm PostGIS; raise a :class:`PortalError` that says what to do."""
    connection = connections[alias]
    try:
        connection.ensure_connection()
        postgis = sql.scalar(connection, sql.POSTGIS_VERSION)
        server = sql.scalar(connection, sql.SERVER_VERSION) or "?"
    except DatabaseError as exc:
        reason = _first_line(exc)
        raise DatabaseUnavailableError(
            _(
                "cannot connect to %(target)s (%(reason)s): is PostgreSQL running, and is "
                "DATABASE_URL right?"
            )
            % {"target": _target(), "reason": reason},
            detail=repr(exc),
        ) from exc
    if postgis is None:
        raise PostGISMissingError(
            _(
                "database %(target)s has no PostGIS: install the PostGIS package for your "
                "PostgreSQL and run CREATE EXTENSION postgis; as a superuser in it"
            )
            % {"target": _target()}
        )
    return DatabaseStatus(server_version=server, postgis_version=postgis)
