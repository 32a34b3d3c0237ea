"""The raw SQL of the core app: server diagnostics and the PostGIS-built GeoJSON feature page."""

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

POSTGIS_VERSION = "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
SERVER_VERSION = "SHOW server_version"


# Re-apply the history guards (migration core 0001) to tracked tables added since; idempotent.
GUARD_HISTORY = """
SELECT tianfu_guard_history() WHERE to_regprocedure('tianfu_guard_history()') IS NOT NULL
"""


def scalar(connection: BaseDatabaseWrapper, query: str) -> str | None:
    """Run a one-value query and return its value (None when it returns no row)."""
    with connection.cursor() as cursor:
        cursor.execute(query)
        row = cursor.fetchone()
    return None if row is None else str(row[0])


# One page of GeoJSON features, built by PostgreSQL. ``{rows}`` is the SQL Django compiled from the
# filtered, scoped queryset: one json column per feature, LIMIT page size + 1 so the extra row
# tells whether a next page exists without counting every match (a count over a million assets
# would cost more than the page itself).
FEATURE_PAGE = """
SELECT
    coalesce(json_agg(page.feature ORDER BY page.n) FILTER (WHERE page.n <= %s), '[]'::json)::text,
    count(*)
FROM (SELECT r.feature, row_number() OVER () AS n FROM ({rows}) AS r(feature)) AS page
"""


def feature_page(rows_sql: str, params: tuple[object, ...], limit: int) -> tuple[str, int]:
    """The JSON array of the first ``limit`` features of ``rows_sql``, and how many rows it had."""
    with connection.cursor() as cursor:
        cursor.execute(FEATURE_PAGE.format(rows=rows_sql), (limit, *params))
        features, rows = cursor.fetchone()
    return str(features), int(rows)


# The same page for a reader the security audit follows: ``{rows}`` also selects each record's key
# and confidentiality level, and the statement names the page's records at the given levels, so
# the audit event costs no second run of the page's query (a parallel plan over a large bbox).
AUDITED_FEATURE_PAGE = """
SELECT
    coalesce(json_agg(page.feature ORDER BY page.n) FILTER (WHERE page.n <= %s), '[]'::json)::text,
    count(*),
    coalesce(
        array_agg(page.pk ORDER BY page.n) FILTER (WHERE page.n <= %s AND page.level = ANY(%s)),
        '{{}}'
    )
FROM (
    SELECT r.feature, r.pk, r.level, row_number() OVER () AS n
    FROM ({rows}) AS r(feature, pk, level)
) AS page
"""


def audited_feature_page(
    rows_sql: str, params: tuple[object, ...], limit: int, levels: list[str]
) -> tuple[str, int, list[object]]:
    """:func:`feature_page`, plus the keys of the page's records whose level is in ``levels``."""
    with connection.cursor() as cursor:
        cursor.execute(AUDITED_FEATURE_PAGE.format(rows=rows_sql), (limit, limit, levels, *params))
        features, rows, keys = cursor.fetchone()
    return str(features), int(rows), list(keys)


# --- Backups (portal.core.backups), run through psycopg on the database being saved or restored.
# Identifiers are composed with psycopg.sql, never pasted in.

# The tables a backup counts: every table outside the system schemas that no extension owns
# (PostGIS brings spatial_ref_sys with it, so the extension's version decides its rows).
USER_TABLES = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
"""
ALL_TABLES = (
    "SELECT schemaname, tablename FROM pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
)
COUNT_ROWS = "SELECT count(*) FROM {}"
EXTENSIONS = "SELECT extname, extversion FROM pg_extension ORDER BY extname"
APPLIED_MIGRATIONS = "SELECT app, name FROM django_migrations ORDER BY app, id"
SERVER_VERSION_NUM = "SHOW server_version_num"
# pg_dump reads the database in this snapshot, so its rows are the ones the manifest counted.
EXPORT_SNAPSHOT = "SELECT pg_export_snapshot()"
DATABASE_EXISTS = "SELECT count(*) FROM pg_database WHERE datname = %s"
CREATE_DATABASE = "CREATE DATABASE {}"
CREATE_DATABASE_FROM = "CREATE DATABASE {} TEMPLATE {}"
DROP_DATABASE = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
CREATE_EXTENSION = "CREATE EXTENSION IF NOT EXISTS {}"


# --- Job claims (portal.core.jobs): a session-level advisory lock per running job. PostgreSQL
# drops it with the session, so a job whose claim is free is not running anywhere any more.
CLAIM = "SELECT pg_advisory_lock(%s::int, %s::int)"
RELEASE = "SELECT pg_advisory_unlock(%s::int, %s::int)"
CLAIMED_KEYS = """
SELECT l.objid::bigint FROM pg_locks l
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint = %s
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
