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
