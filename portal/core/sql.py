"""The raw SQL of the core app (server diagnostics only)."""

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
