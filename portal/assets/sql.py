"""The raw SQL of the assets app: warehouse listings nearest to a need's delivery building.

Distances are geodesic, in metres on the sphere PostGIS uses for geography KNN (``<->`` on
``geom::geography``; within 0.5 % of the ellipsoid), never degrees. The nearest-first order
comes from the partial GiST index ``assets_listing_live_geog`` on ``(geom::geography)`` of
published listings (see ``Listing.Meta``): the statement names that expression and status as
the index declares them, so PostgreSQL walks the index outward from the delivery building and
stops at the limit, whatever the size of the warehouse.

Every value is a named parameter (``%(place)s``); the only text composed is the choice among
the constant filter clauses below, by the need's options.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

# The need's category, and every class below it when the need includes subcategories.
_SUBTREE = """
WITH RECURSIVE subtree (id) AS (
    SELECT %(category)s::bigint
    UNION
    SELECT c.id FROM assets_assetcategory c JOIN subtree s ON c.parent_id = s.id
     WHERE %(subcategories)s
)"""
_FROM_SUBTREE = "ARRAY(SELECT id FROM subtree)"
# Published listings another unit shares with the need's unit (their share prefix is one of the
# prefixes of its division code), of the need's categories and grades, of assets cleared for
# sharing. The holder's name is a subquery rather than a join: only the rows kept need it.
_CANDIDATES = """
SELECT l.id, l.asset_id, a.ledger_code, a.name, l.holder_id,
       (SELECT h.name FROM org_unit h WHERE h.id = l.holder_id), l.mode, l.depot_id,
       l.category_id, l.condition, l.net_value, l.original_value, l.acquired_on,
       ST_X(l.geom), ST_Y(l.geom),
       l.geom::geography <-> ST_GeomFromEWKB(%(place)s)::geography AS distance_m
  FROM assets_listing l
  JOIN assets_asset a ON a.id = l.asset_id
 WHERE l.status = 'published'
   AND l.holder_id <> %(unit)s
   AND l.share_prefix = ANY(%(prefixes)s)
   AND l.category_id = ANY({categories})
   AND l.condition = ANY(%(conditions)s)
   AND a.confidentiality = ANY(%(levels)s)
"""
# The same sphere as ``<->``, so a candidate's shown distance is the one the limit is held to.
_WITHIN = """
   AND ST_DWithin(l.geom::geography, ST_GeomFromEWKB(%(place)s)::geography, %(max_distance_m)s,
                  false)
"""
# Same city or county: listings of the divisions whose code starts like the delivery
# building's division code (GB/T 2260: the city is its first 4 digits, the county all 6).
_IN_AREA = " AND l.division_id = ANY(%(divisions)s)\n"
_NEAREST = """
 ORDER BY l.geom::geography <-> ST_GeomFromEWKB(%(place)s)::geography
 LIMIT %(limit)s
"""
_ONE = " AND l.id = %(listing)s"

# A candidate row: the columns of _CANDIDATES, the fields of ``matching.Candidate``.
Row = tuple[Any, ...]


def _statement(params: dict[str, Any], tail: str) -> str:
    """The candidates query with the need's optional filters, then ``tail``.

    The categories come from ``subtree`` in the statement, or as ids with the area's divisions
    (see :func:`area_context`).
    """
    given = params.get("categories") is not None
    parts = [
        "" if given else _SUBTREE,
        _CANDIDATES.format(categories="%(categories)s" if given else _FROM_SUBTREE),
    ]
    if params.get("max_distance_m") is not None:
        parts.append(_WITHIN)
    if params.get("divisions") is not None:
        parts.append(_IN_AREA)
    return "".join([*parts, tail])


def nearest_candidates(params: dict[str, Any], *, limit: int) -> list[Row]:
    """The need's ``limit`` nearest candidates, nearest first.

    ``params``: ``place`` (EWKB of the delivery point), ``unit``, ``prefixes`` (of the unit's
    division code), ``category``, ``subcategories``, ``conditions``, ``levels`` (of
    confidentiality), the option ``max_distance_m`` (metres), and for a need limited to its
    city or county ``categories`` and ``divisions`` (ids); each None when not set.
    """
    with connection.cursor() as cursor:
        cursor.execute(_statement(params, _NEAREST), {**params, "limit": limit})
        return [tuple(row) for row in cursor.fetchall()]


def one_candidate(params: dict[str, Any], listing_id: int) -> Row | None:
    """The row of listing ``listing_id`` if it is a candidate of the need, else None."""
    with connection.cursor() as cursor:
        cursor.execute(_statement(params, _ONE), {**params, "listing": listing_id})
        row = cursor.fetchone()
    return None if row is None else tuple(row)


# For a need limited to its city or county: its categories and the area's divisions by id, so
# that PostgreSQL plans knowing how many listings they hold. Left to find them itself, it
# misjudges an area with a class of categories and walks the whole province outward in search
# of a county's few (0.2 s instead of 2 ms on the full demo scale).
_AREA_CONTEXT = (
    _SUBTREE
    + """
SELECT ARRAY(SELECT id FROM subtree ORDER BY id),
       ARRAY(SELECT d.id FROM org_admindivision d WHERE d.code LIKE %(area)s ORDER BY d.id)
"""
)


def area_context(*, category: int, subcategories: bool, area: str) -> tuple[list[int], list[int]]:
    """The need's category ids, and the ids of the divisions whose code starts with ``area``."""
    params = {"category": category, "subcategories": subcategories, "area": f"{area}%"}
    with connection.cursor() as cursor:
        cursor.execute(_AREA_CONTEXT, params)
        categories, divisions = cursor.fetchone()
    return list(categories), list(divisions)
