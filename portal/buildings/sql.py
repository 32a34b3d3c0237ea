"""The raw SQL of the buildings app: the office-space standard applied to staff by rank.

An occupancy's staff is a JSON object ``{rank: count}``. The expressions here read it inside
the statement that selects occupancies, or groups them by unit or building, so the standard is
applied to every row of a page, a map tile or an export in that one statement.

They are plain expressions, without sub-selects: a rank's count is a key lookup, the limit a
``CASE`` over the government level with the edition's limits as parameters. Two things follow.
PostgreSQL computes an aggregate that appears several times in a grouped query (the staff in
the per-person area, in the flag…) once; and an occupancy costs microseconds. Only keys that
are no rank at all (a typing error in an import) need the JSON object taken apart, and only
for the rows that have one.

A count that is not a whole number (``"many"``, ``2.5``, ``-1``) counts as no staff. Values are
parameters (``%s``), never formatted into the text; ``{staff}`` and ``{level}`` are where the
compiled column expressions go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import CharField, DecimalField, Func, IntegerField

# level → rank → limit (m² per person) of one edition of the standard.
Limits = Mapping[str, Mapping[str, Decimal]]
Sql = tuple[str, list[Any]]

# A whole number of staff, as JSON writes it (3, "3", 3.0).
_WHOLE = r"'^[0-9]{1,9}(\.0+)?$'"
# One rank's count; a CASE, because PostgreSQL may test the conditions of a WHERE or an AND in
# any order, and a cast of "many" would fail.
_KEY_COUNT = (
    "(CASE WHEN ({staff} ->> %s) ~ " + _WHOLE + " THEN ({staff} ->> %s)::numeric::int ELSE 0 END)"
)
_ENTRY_COUNT = "(CASE WHEN n.value ~ " + _WHOLE + " THEN n.value::numeric::int ELSE 0 END)"
# The entries of the object; a list, a scalar or null has none.
_ENTRIES = "jsonb_each_text(CASE WHEN jsonb_typeof({staff}) = 'object' THEN {staff} END) AS n"
# Staff under keys that are none of the ranks ``%s`` (a text[]): the object is taken apart only
# for the rows that have such a key. WHENs are tried in order (``-`` fails on a scalar).
_OTHER_KEYS = (
    "(CASE WHEN coalesce(jsonb_typeof({staff}), '') <> 'object' THEN 0"
    " WHEN ({staff} - %s::text[]) = '{}'::jsonb THEN 0"
    " ELSE (SELECT coalesce(sum(" + _ENTRY_COUNT + "), 0)"
    " FROM jsonb_each_text({staff} - %s::text[]) AS n) END)"
)
# No limit for the entry's rank at the level: pairs (level, rank) of the edition as two arrays.
_NO_LIMIT = (
    "NOT EXISTS (SELECT 1 FROM unnest(%s::text[], %s::text[]) AS l(level, rank)"
    " WHERE l.level = {level} AND l.rank = n.key)"
)

_TOKEN = re.compile(r"\{(staff|level)\}|%s")


def fill(template: str, params: Sequence[Any], slots: Mapping[str, Sql]) -> Sql:
    """Put the compiled ``slots`` into ``template``; its ``%s`` take ``params`` in order.

    The result's parameters follow the text, wherever a slot (with parameters of its own)
    appears, however often.
    """
    own = iter(params)
    out: list[Any] = []

    def put(match: re.Match[str]) -> str:
        if match.group(1) is None:
            out.append(next(own))
            return "%s"
        sql, slot_params = slots[match.group(1)]
        out.extend(slot_params)
        return sql

    return _TOKEN.sub(put, template), out


def _sum(terms: list[Sql]) -> Sql:
    if not terms:
        return "0::numeric", []
    return "(" + " + ".join(t for t, _p in terms) + ")", [p for _t, ps in terms for p in ps]


def _count(rank: str) -> Sql:
    return _KEY_COUNT, [rank, rank]


def _limit_case(limits: Limits, rank: str) -> Sql:
    """The limit of ``rank`` at the row's level, 0 where there is none."""
    whens = [(level, by_rank[rank]) for level, by_rank in limits.items() if rank in by_rank]
    sql = "(CASE {level}" + " WHEN %s THEN %s" * len(whens) + " ELSE 0 END)"
    return sql, [value for pair in whens for value in pair]


def _pairs(limits: Limits) -> list[list[str]]:
    levels = [level for level, by_rank in limits.items() for _rank in by_rank]
    return [levels, [rank for by_rank in limits.values() for rank in by_rank]]


def staff_sql(ranks: Sequence[str]) -> Sql:
    """Staff of the ``ranks`` (the civil-service ladder); other keys are not counted here."""
    return _sum([_count(rank) for rank in ranks])


def allowance_sql(limits: Limits, ranks: Sequence[str]) -> Sql:
    """Σ staff of each rank × its limit at the row's level."""
    terms = []
    for rank in ranks:
        case, params = _limit_case(limits, rank)
        if params:
            terms.append((_KEY_COUNT + " * " + case, [rank, rank, *params]))
    return _sum(terms)


def uncounted_sql(limits: Limits, ranks: Sequence[str]) -> Sql:
    """Staff the allowance leaves out: ranks without a limit at the row's level, and keys
    that are no rank at all."""
    terms = []
    for rank in ranks:
        levels = [level for level, by_rank in limits.items() if rank in by_rank]
        limited = "(CASE WHEN {level} = ANY(%s::text[]) THEN 0 ELSE 1 END)"
        terms.append((_KEY_COUNT + " * " + limited, [rank, rank, levels]))
    terms.append((_OTHER_KEYS, [list(ranks), list(ranks)]))
    return _sum(terms)


def uncounted_ranks_sql(limits: Limits) -> Sql:
    """The keys with staff but no limit at the row's level, sorted."""
    sql = (
        "ARRAY(SELECT n.key FROM " + _ENTRIES + " WHERE " + _ENTRY_COUNT + " > 0 AND "
        + _NO_LIMIT + " ORDER BY n.key)"
    )  # fmt: skip
    return sql, _pairs(limits)


class StandardExpression(Func):
    """An expression of an occupancy's staff (JSON) and its unit's government level, with the
    SQL one of the ``*_sql`` builders above made for one edition's limits."""

    output_field: ClassVar[Any]

    def __init__(self, staff: Any, level: Any, sql: Sql, **extra: Any) -> None:
        super().__init__(staff, level, **extra)
        self.sql = sql

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Sql:  # type: ignore[override]
        staff, level = (compiler.compile(e) for e in self.get_source_expressions())
        return fill(self.sql[0], self.sql[1], {"staff": staff, "level": level})


class StaffCount(StandardExpression):
    output_field = IntegerField()


class Allowance(StandardExpression):
    output_field = DecimalField(max_digits=14, decimal_places=2)


class UncountedRanks(StandardExpression):
    output_field = ArrayField(CharField(max_length=40))


# Ranks with staff but no limit, by level, over the occupancies ``{scope}`` selects (the
# compiled SQL of a queryset of their ids): what a page lists as "no limit for rank X at Y".
MISSING_LIMITS = (
    "SELECT u.level, n.key, sum(" + _ENTRY_COUNT + "), count(*), count(DISTINCT o.unit_id)"
    " FROM buildings_occupancy o JOIN org_unit u ON u.id = o.unit_id"
    " CROSS JOIN LATERAL " + _ENTRIES
    + " WHERE o.id IN ({scope}) AND " + _ENTRY_COUNT + " > 0 AND " + _NO_LIMIT
    + " GROUP BY u.level, n.key ORDER BY u.level, n.key"
)  # fmt: skip


def missing_limits(scope: tuple[str, Sequence[Any]], limits: Limits) -> list[tuple[Any, ...]]:
    """Rows (level, rank, staff, occupancies, units) of ranks without a limit in ``limits``."""
    head, tail = MISSING_LIMITS.split("{scope}")
    slots: dict[str, Sql] = {"staff": ("o.staff_by_rank", []), "level": ("u.level", [])}
    head_sql, head_params = fill(head, [], slots)
    tail_sql, tail_params = fill(tail, _pairs(limits), slots)
    with connection.cursor() as cursor:
        cursor.execute(head_sql + scope[0] + tail_sql, [*head_params, *scope[1], *tail_params])
        return list(cursor.fetchall())
