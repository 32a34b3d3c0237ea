"""Bulk writes through PostgreSQL COPY, with the history context pghistory's triggers record."""

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connection
from psycopg import sql

# Hex EWKB of a 2D point with an SRID: byte order, type | SRID flag, SRID, x, y (25 bytes).
_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])
_EWKB_POINT_SRID = 0x20000001
NULL = "\\N"


def ewkb_points(lon: np.ndarray, lat: np.ndarray, srid: int = 4490) -> list[str]:
    """Hex EWKB points, the text form PostGIS's geometry input reads fastest."""
    records = np.empty(len(lon), dtype=_POINT)
    records["order"], records["type"], records["srid"] = 1, _EWKB_POINT_SRID, srid
    records["x"], records["y"] = lon, lat
    text = records.tobytes().hex()
    size = 2 * _POINT.itemsize
    return [text[i : i + size] for i in range(0, len(text), size)]


def _history_context(cursor: Any, context: Any) -> None:
    """Attach a ``pghistory.context`` to COPY, which bypasses Django's cursor wrappers."""
    if context is None:
        return
    cursor.execute(
        "SELECT set_config('pghistory.context_id', %s, true), "
        "set_config('pghistory.context_metadata', %s, true)",
        [str(context.id), json.dumps(context.metadata)],
    )


def copy_rows(
    table: str,
    columns: Sequence[str],
    columns_text: Sequence[Sequence[str]],
    *,
    history: Any = None,
) -> int:
    """COPY rows given as columns of formatted text (``\\N`` for NULL) into ``table``.

    ``history`` is the value of an entered ``pghistory.context``: the insert events the
    triggers write then point at it, as they do for ORM writes inside the context.
    """
    lines = "\n".join(map("\t".join, zip(*columns_text, strict=True)))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor() as django_cursor, django_cursor.connection.cursor() as cursor:
        _history_context(cursor, history)
        with cursor.copy(statement) as copy:
            copy.write(lines + "\n")
    return len(columns_text[0]) if columns_text else 0


def next_ids(table: str, count: int) -> list[int]:
    """Draw ``count`` ids from the table's identity sequence, for rows COPY writes with them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_text(value: Any) -> str:
    """A Python value in COPY's text format: GEOS geometries as hex EWKB, JSON for dicts and
    lists, ISO 8601 for dates and times, ``t``/``f`` for booleans."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return _escape(json.dumps(value, ensure_ascii=False))
    if hasattr(value, "hexewkb"):
        return value.hexewkb.decode()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return _escape(str(value))


def copy_records(model: Any, records: Sequence[dict[str, Any]], *, history: Any = None) -> int:
    """COPY ``records`` (field name → value, the same fields in each) into ``model``'s table.

    Unlike ``bulk_create`` it keeps the given ``created_at`` and other auto-now times, which
    demo history needs; ids come from :func:`next_ids` when other rows must point at them.
    """
    if not records:
        return 0
    names = list(records[0])
    columns = [model._meta.get_field(name).column for name in names]
    texts = [[copy_text(record[name]) for record in records] for name in names]
    return copy_rows(model._meta.db_table, columns, texts, history=history)
