"""The raw SQL of the title registry: building↔parcel links and the conflict detectors.

Every statement here works on whole tables at once, so a run over 100,000 parcels and 100,000
buildings is a handful of statements, each led by the GiST indexes (``&&``) of the geometries.
Areas are geodesic (``::geography``, square metres on the CGCS2000 ellipsoid), never degrees.

A run fills two temporary tables: ``conflict_home`` (each building's own parcel, by the rule
of :data:`HOME`) and ``conflict_found`` (what the detectors see now, one row per finding), then
merges ``conflict_found`` into ``parcels_finding`` (:data:`INSERT_NEW`, :data:`REFRESH`,
:data:`CLOSE`) so that an unchanged finding is never written again. Parameters are named
(``%(run)s``); no value is ever formatted into the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from django.db import connection


class Detector(NamedTuple):
    """One kind of conflict: ``select`` answers its findings in :data:`FOUND_COLUMNS` order,
    after the ``prepare`` statements (working tables of its own) have run."""

    select: str
    prepare: tuple[str, ...] = ()


# Two runs must never interleave: the second waits for the first to commit.
LOCK = "SELECT pg_advisory_xact_lock(hashtext(%(lock)s))"
LOCK_NAME = "tianfu.parcels.detect_conflicts"

# -- building ↔ parcel links -----------------------------------------------------------------

# What each building meets now, in one pass over the base tables so that PostgreSQL can share
# it among parallel workers (a temporary table as input would keep it in one process). One
# DE-9IM matrix per candidate pair answers both questions (one GEOS call instead of two): does
# the shape (footprint, or location lacking one) meet the parcel, and does the parcel cover it
# (nothing of the shape in the parcel's exterior: positions 7 and 8 are F)? A covered shape
# stands wholly on the parcel, the common case, spared the intersection and its geodesic area.
# OFFSET 0 keeps the matrix computed once per pair rather than once per use.
_HITS = """
CREATE TEMP TABLE link_hits ON COMMIT DROP AS
SELECT r.building_id, r.parcel_id,
       CASE WHEN r.footprint IS NULL OR ST_RelateMatch(r.matrix, '******FF*') THEN 1.0
            ELSE coalesce(round(least(1.0, ST_Area(ST_Intersection(r.footprint, r.geom)::geography)
                                           / nullif(ST_Area(r.footprint::geography), 0))::numeric,
                                6)::float8, 1.0) END AS share
  FROM (SELECT b.id AS building_id, p.id AS parcel_id, b.footprint::geometry AS footprint, p.geom,
               ST_Relate(p.geom, coalesce(b.footprint::geometry, b.geom::geometry)) AS matrix
          FROM buildings_building b
          JOIN parcels_parcel p ON p.geom && coalesce(b.footprint::geometry, b.geom::geometry)
         WHERE %(all)s OR b.id = ANY(%(ids)s)
        OFFSET 0) r
 WHERE NOT ST_RelateMatch(r.matrix, 'FF*FF****')
"""
# New links are inserted plainly (an upsert's speculative insertion costs twice as much on a
# first derivation of 100,000 links); known ones are updated only when their share moved, so an
# unchanged link writes no history row. An officer's decision (confirmed, rejected) is kept.
_INSERT_LINKS = """
INSERT INTO parcels_buildingparcel (building_id, parcel_id, share_on_parcel, status, derived_at)
SELECT h.building_id, h.parcel_id, h.share, %(derived)s, now()
  FROM link_hits h
 WHERE NOT EXISTS (SELECT 1 FROM parcels_buildingparcel l
                    WHERE l.building_id = h.building_id AND l.parcel_id = h.parcel_id)
 ORDER BY h.building_id, h.parcel_id
"""
_UPDATE_LINKS = """
UPDATE parcels_buildingparcel l SET share_on_parcel = h.share
  FROM link_hits h
 WHERE l.building_id = h.building_id AND l.parcel_id = h.parcel_id
   AND l.share_on_parcel IS DISTINCT FROM h.share
"""
# Links of the derived buildings that no longer meet their parcel: derived ones go, decided
# ones stay with a share of 0.
_STALE = """
FROM parcels_buildingparcel l
 WHERE (%(all)s OR l.building_id = ANY(%(ids)s))
   AND NOT EXISTS (SELECT 1 FROM link_hits h
                    WHERE h.building_id = l.building_id AND h.parcel_id = l.parcel_id)
"""
_DROP_STALE = (
    "DELETE FROM parcels_buildingparcel WHERE id IN (SELECT l.id "
    + _STALE
    + " AND l.status = %(derived)s)"
)
_ZERO_STALE = (
    "UPDATE parcels_buildingparcel SET share_on_parcel = 0 WHERE id IN (SELECT l.id "
    + _STALE
    + " AND l.status <> %(derived)s AND l.share_on_parcel <> 0)"
)
_DROP_LINK_TABLES = "DROP TABLE IF EXISTS pg_temp.link_hits"


def derive_links(ids: list[int] | None, derived: str) -> int:
    """Refresh the links of the buildings ``ids`` (all when None); the rows written."""
    params = {"all": ids is None, "ids": ids or [], "derived": derived}
    with connection.cursor() as cursor:
        cursor.execute(_DROP_LINK_TABLES)
        cursor.execute(_HITS, params)
        cursor.execute(_INSERT_LINKS, params)
        written = cursor.rowcount
        cursor.execute(_UPDATE_LINKS, params)
        written += cursor.rowcount
        cursor.execute(_DROP_STALE, params)
        cursor.execute(_ZERO_STALE, params)
        cursor.execute(_DROP_LINK_TABLES)
    return written


# -- the run's working tables ---------------------------------------------------------------

# A building's own parcel: its title case's, else a confirmed link, else the derived link with
# the largest share (rejected links never count). ``share_on`` is its share on that parcel.
HOME = """
CREATE TEMP TABLE conflict_home ON COMMIT DROP AS
WITH ranked AS (
    SELECT DISTINCT ON (l.building_id) l.building_id, l.parcel_id
      FROM parcels_buildingparcel l
     WHERE l.status <> %(rejected)s
     ORDER BY l.building_id, (l.status = %(confirmed)s) DESC, l.share_on_parcel DESC, l.parcel_id
)
SELECT b.id AS building_id, coalesce(tc.parcel_id, r.parcel_id) AS parcel_id,
       coalesce(l.share_on_parcel, 0) AS share_on
  FROM buildings_building b
  LEFT JOIN parcels_titlecase tc ON tc.building_id = b.id
  LEFT JOIN ranked r ON r.building_id = b.id
  LEFT JOIN parcels_buildingparcel l
         ON l.building_id = b.id AND l.parcel_id = coalesce(tc.parcel_id, r.parcel_id)
"""
FOUND = """
CREATE TEMP TABLE conflict_found (
    kind text NOT NULL,
    key text NOT NULL,
    parcel_id bigint,
    other_parcel_id bigint,
    building_id bigint,
    unit_id bigint NOT NULL,
    division_id bigint NOT NULL,
    confidentiality text NOT NULL,
    geom geometry(MultiPolygon, 4490),
    measures jsonb NOT NULL,
    PRIMARY KEY (kind, key)
) ON COMMIT DROP
"""
DROP_WORK_TABLES = "DROP TABLE IF EXISTS pg_temp.conflict_home, pg_temp.conflict_found"
# Temporary tables have no statistics until analysed; the detectors join this one thrice.
ANALYZE_HOME = "ANALYZE conflict_home"
COUNT_FOUND = "SELECT kind, count(*) FROM conflict_found GROUP BY kind"

# The polygonal part of a geometry as a MultiPolygon, NULL when nothing polygonal is left.
_MULTI = (
    "nullif(ST_Multi(ST_CollectionExtract({0}, 3)), ST_GeomFromText('MULTIPOLYGON EMPTY', 4490))"
)
# The columns of conflict_found, in the order every detector's query answers them.
FOUND_COLUMNS = (
    "kind, key, parcel_id, other_parcel_id, building_id, unit_id, division_id, confidentiality, "
    "geom, measures"
)
# A detector's query is first gathered by CREATE TABLE AS, which PostgreSQL may share among
# parallel workers (it runs an INSERT … SELECT in one process), then appended to conflict_found
# with the column types made explicit (a bare NULL in the query is text).
_PART = "CREATE TEMP TABLE conflict_part ON COMMIT DROP AS SELECT * FROM ({select}) AS f({columns})"
_APPEND = f"""
INSERT INTO conflict_found ({FOUND_COLUMNS})
SELECT kind, key, parcel_id::bigint, other_parcel_id::bigint, building_id::bigint, unit_id::bigint,
       division_id::bigint, confidentiality::text, geom::geometry, measures::jsonb
  FROM conflict_part
"""
_DROP_PART = "DROP TABLE IF EXISTS pg_temp.conflict_part"

# -- the detectors: each fills conflict_found with one kind ---------------------------------

# Pairs meeting in their interiors, each intersection computed once, gathered first into a
# table of their own: that statement alone may run in parallel workers, an INSERT may not.
# ``b.id - a.id > 0`` rather than ``a.id < b.id``: as a range on the primary key the planner
# scanned every greater id for each parcel, which is quadratic.
_OVERLAP_PAIRS = """
CREATE TEMP TABLE overlap_pairs ON COMMIT DROP AS
SELECT a.id AS a_id, b.id AS b_id, a.holder_id, a.division_id, a.area_m2 AS a_m2,
       b.area_m2 AS b_m2, ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS shape
  FROM parcels_parcel a
  JOIN parcels_parcel b
    ON a.geom && b.geom AND b.id - a.id > 0 AND ST_Relate(a.geom, b.geom, 'T********')
"""
_OVERLAP_FINDINGS = (
    """
WITH measured AS MATERIALIZED (
    SELECT p.*, ST_Area(p.shape::geography) AS area,
           ST_Perimeter(p.shape::geography) AS perimeter
      FROM overlap_pairs p
)
SELECT 'parcel_overlap', m.a_id || ':' || m.b_id, m.a_id, m.b_id, NULL, m.holder_id,
       m.division_id, %(internal)s, """
    + _MULTI.format("m.shape")
    + """,
       jsonb_build_object('overlap_m2', round(m.area::numeric, 2),
                          'share_a', round((100 * m.area / nullif(m.a_m2, 0))::numeric, 2),
                          'share_b', round((100 * m.area / nullif(m.b_m2, 0))::numeric, 2),
                          'width_m', round((m.area / nullif(m.perimeter, 0))::numeric, 3))
  FROM measured m
 WHERE m.area >= %(min_overlap_m2)s
   AND m.area / nullif(m.perimeter, 0) >= %(sliver_width_m)s
"""
)
PARCEL_OVERLAP = Detector(
    _OVERLAP_FINDINGS, ("DROP TABLE IF EXISTS pg_temp.overlap_pairs", _OVERLAP_PAIRS)
)

# The share off the parcel comes from the link (a footprint's geodesic share), so the costly
# difference is only computed for the buildings found off their parcel.
BUILDING_OUTSIDE = (
    """
SELECT 'building_outside', b.id::text, h.parcel_id, NULL, b.id, b.managing_unit_id,
       b.division_id, b.confidentiality,
       CASE WHEN b.footprint IS NULL THEN NULL
            WHEN p.id IS NULL THEN b.footprint
            ELSE """
    + _MULTI.format("ST_Difference(b.footprint, p.geom)")
    + """ END,
       jsonb_build_object(
           'outside_m2', CASE WHEN b.footprint IS NULL THEN NULL
                              ELSE round((s.outside * ST_Area(b.footprint::geography))::numeric, 2)
                         END,
           'share_outside', round((100 * s.outside)::numeric, 2),
           'status', CASE WHEN s.outside >= 1 THEN 'outside' ELSE 'straddling' END,
           'parcel_id', h.parcel_id)
  FROM conflict_home h
  JOIN buildings_building b ON b.id = h.building_id
  LEFT JOIN parcels_parcel p ON p.id = h.parcel_id
 CROSS JOIN LATERAL (SELECT CASE WHEN h.parcel_id IS NULL THEN 1.0
                                 ELSE greatest(0, 1 - h.share_on) END AS outside) s
 WHERE 100 * s.outside > %(building_outside_pct)s
"""
)

OCCUPANT_NOT_HOLDER = """
SELECT 'occupant_not_holder', b.id || ':' || p.id, p.id, NULL, b.id, b.managing_unit_id,
       b.division_id, b.confidentiality, b.footprint,
       jsonb_build_object(
           'holder_id', holder.id, 'holder_name', holder.name,
           'occupants', jsonb_agg(jsonb_build_object('id', occupant.id, 'name', occupant.name)
                                  ORDER BY occupant.id))
  FROM conflict_home h
  JOIN buildings_building b ON b.id = h.building_id
  JOIN parcels_parcel p ON p.id = h.parcel_id
  JOIN org_unit holder ON holder.id = p.holder_id AND NOT holder.offices_administration
  JOIN buildings_occupancy o ON o.building_id = b.id AND o.unit_id <> p.holder_id
  JOIN org_unit occupant ON occupant.id = o.unit_id
 GROUP BY b.id, p.id, holder.id
"""

# Title numbers (certificate numbers, unit codes) of parcels and certificates, normalised (trimmed,
# upper-cased, full-width parentheses made ASCII), kept where one value names several objects. A
# certificate's object is its parcel, else its building: a parcel's certificate bearing the
# parcel's own number is the same title, not a duplicate.
_TITLE_NUMBERS = """
WITH records AS (
    SELECT 'parcel' AS source, p.id AS record_id, {parcel_value} AS raw,
           'parcel:' || p.id AS object, p.id AS parcel_id, NULL::bigint AS building_id
      FROM parcels_parcel p
     WHERE coalesce({parcel_value}, '') <> ''
    UNION ALL
    SELECT 'certificate', c.id, {certificate_value},
           coalesce('parcel:' || c.parcel_id, 'building:' || c.building_id),
           c.parcel_id, CASE WHEN c.parcel_id IS NULL THEN c.building_id END
      FROM parcels_certificate c
     WHERE coalesce({certificate_value}, '') <> ''
), normalised AS (
    SELECT r.*, upper(btrim(translate(r.raw, '（）', '()'), ' 　')) AS value FROM records r
), repeated AS (
    -- min <> max: more than one object, found by hashing instead of sorting every group
    SELECT value FROM normalised GROUP BY value HAVING min(object) <> max(object)
), grouped AS (
    SELECT n.value,
           array_agg(DISTINCT n.parcel_id ORDER BY n.parcel_id)
               FILTER (WHERE n.parcel_id IS NOT NULL) AS parcels,
           array_agg(DISTINCT n.building_id ORDER BY n.building_id)
               FILTER (WHERE n.building_id IS NOT NULL) AS buildings,
           jsonb_agg(jsonb_build_object('source', n.source, 'id', n.record_id, 'value', n.raw,
                                        'parcel_id', n.parcel_id, 'building_id', n.building_id)
                     ORDER BY n.source DESC, n.record_id) AS records
      FROM normalised n
      JOIN repeated USING (value)
     GROUP BY n.value
)
"""
# Confidentiality: the highest level of the buildings involved, else internal.
_DUPLICATE_SELECT = (
    _TITLE_NUMBERS
    + """
SELECT %(kind)s, g.value, g.parcels[1], g.parcels[2], g.buildings[1],
       coalesce(p.holder_id, b.managing_unit_id), coalesce(p.division_id, b.division_id),
       coalesce((SELECT (%(levels)s::text[])[max(array_position(%(levels)s::text[],
                                                                  bb.confidentiality::text))]
                   FROM buildings_building bb WHERE bb.id = ANY(g.buildings)), %(internal)s),
       (SELECT """
    + _MULTI.format("ST_Union(shapes.geom)")
    + """
          FROM (SELECT pp.geom FROM parcels_parcel pp WHERE pp.id = ANY(g.parcels)
                UNION ALL
                SELECT bb.footprint FROM buildings_building bb
                 WHERE bb.id = ANY(g.buildings) AND bb.footprint IS NOT NULL) shapes),
       jsonb_build_object('value', g.value, 'records', g.records)
  FROM grouped g
  LEFT JOIN parcels_parcel p ON p.id = g.parcels[1]
  LEFT JOIN buildings_building b ON b.id = g.buildings[1]
"""
)
DUPLICATE_CERTIFICATE = _DUPLICATE_SELECT.format(
    parcel_value="p.certificate_no", certificate_value="c.number"
)
DUPLICATE_UNIT_CODE = _DUPLICATE_SELECT.format(
    parcel_value="p.real_estate_unit_code", certificate_value="c.real_estate_unit_code"
)

# Current rights (begun, not ended on the run's day) of two or more units adding up to over 1.
DOUBLE_CLAIM = """
WITH current AS (
    SELECT r.* FROM parcels_right r
     WHERE r.parcel_id IS NOT NULL
       AND (r.start_date IS NULL OR r.start_date <= %(today)s)
       AND (r.end_date IS NULL OR r.end_date >= %(today)s)
), claimed AS (
    -- min <> max: two units or more, found by hashing; details are gathered for these only
    SELECT parcel_id FROM current
     GROUP BY parcel_id HAVING min(holder_id) <> max(holder_id) AND sum(share) > 1
)
SELECT 'double_claim', p.id::text, p.id, NULL, NULL, p.holder_id, p.division_id, %(internal)s,
       p.geom,
       jsonb_build_object(
           'total_share', sum(r.share),
           'rights', jsonb_agg(jsonb_build_object('id', r.id, 'unit_id', u.id, 'unit_name', u.name,
                                                  'kind', r.kind, 'share', r.share)
                               ORDER BY r.id))
  FROM current r
  JOIN claimed c ON c.parcel_id = r.parcel_id
  JOIN parcels_parcel p ON p.id = r.parcel_id
  JOIN org_unit u ON u.id = r.holder_id
 GROUP BY p.id
"""

_AREA_MEASURES = """
jsonb_build_object('source', {source}, 'certificate_m2', {stated},
                   'computed_m2', round(p.area_m2::numeric, 2),
                   'difference_pct', round((100 * ({stated}::float8 - p.area_m2)
                                            / p.area_m2)::numeric, 2){extra})
"""
_AREA_OFF = "abs({stated}::float8 - p.area_m2) / p.area_m2 * 100 > %(area_tolerance_pct)s"
AREA_MISMATCH = (
    """
SELECT 'area_mismatch', 'parcel:' || p.id, p.id, NULL::bigint, NULL::bigint, p.holder_id,
       p.division_id,
       %(internal)s, p.geom, """
    + _AREA_MEASURES.format(source="'parcel'", stated="p.certificate_area_m2", extra="")
    + """
  FROM parcels_parcel p
 WHERE p.certificate_area_m2 IS NOT NULL AND p.area_m2 > 0
   AND """
    + _AREA_OFF.format(stated="p.certificate_area_m2")
    + """
UNION ALL
SELECT 'area_mismatch', 'certificate:' || c.id, p.id, NULL::bigint, c.building_id, p.holder_id,
       p.division_id, coalesce(b.confidentiality, %(internal)s), p.geom, """
    + _AREA_MEASURES.format(
        source="'certificate'",
        stated="c.certificate_area_m2",
        extra=", 'certificate_id', c.id, 'number', c.number",
    )
    + """
  FROM parcels_certificate c
  JOIN parcels_parcel p ON p.id = c.parcel_id
  LEFT JOIN buildings_building b ON b.id = c.building_id
 WHERE c.certificate_area_m2 IS NOT NULL AND p.area_m2 > 0
   AND """
    + _AREA_OFF.format(stated="c.certificate_area_m2")
)

# A parcel's unit code: malformed (the GB/T 37346 shape of gis.codes, as a regular expression
# plus its county-level and sequence rules), outside the parcel's division, or naming another
# county than the one its point on surface lies in. The location is tested first against the
# county the code names alone: consecutive parcels mostly lie in one county, so PostGIS keeps
# that outline prepared from row to row. Only a point outside it is looked up among all
# counties (the lowest code when it lies on a border). The normalised code is computed once per
# row behind OFFSET 0; inlined, it was recomputed for each of its nine uses.
CODE_MISMATCH = """
WITH coded AS (
    SELECT p.id, p.holder_id, p.division_id, p.geom, k.code, d.code AS division_code,
           CASE d.level WHEN 'province' THEN 2 WHEN 'city' THEN 4 ELSE 6 END AS shared
      FROM parcels_parcel p
      JOIN org_admindivision d ON d.id = p.division_id
     CROSS JOIN LATERAL (SELECT upper(btrim(p.real_estate_unit_code)) AS code OFFSET 0) k
     WHERE coalesce(p.real_estate_unit_code, '') <> ''
), located AS (
    SELECT c.*, coalesce(own.code, other.code) AS location_code
      FROM coded c
      LEFT JOIN LATERAL (
          SELECT o.code FROM org_admindivision o
           WHERE o.code = left(c.code, 6) AND o.level = 'county' AND o.valid_to IS NULL
             AND ST_Intersects(o.geom, ST_PointOnSurface(c.geom))) own ON true
      LEFT JOIN LATERAL (
          SELECT o.code FROM org_admindivision o
           WHERE own.code IS NULL AND o.level = 'county' AND o.valid_to IS NULL
             AND o.geom && ST_PointOnSurface(c.geom)
             AND ST_Intersects(o.geom, ST_PointOnSurface(c.geom))
           ORDER BY o.code LIMIT 1) other ON true
), checked AS (
    SELECT c.*,
           NOT (c.code ~ %(code_shape)s AND substr(c.code, 3, 2) <> '00'
                AND substr(c.code, 5, 2) <> '00' AND substr(c.code, 15, 5) <> '00000'
                AND (substr(c.code, 20, 1) <> 'W' OR substr(c.code, 21) = '00000000'))
               AS malformed,
           left(c.code, c.shared) <> left(c.division_code, c.shared) AS off_division,
           left(c.code, 6) <> c.location_code AS off_location
      FROM located c
)
SELECT 'code_mismatch', f.id::text, f.id, NULL, NULL, f.holder_id, f.division_id, %(internal)s,
       f.geom,
       jsonb_build_object('code', f.code, 'division_code', f.division_code,
                          'location_code', f.location_code,
                          'problems', to_jsonb(array_remove(ARRAY[
                              CASE WHEN f.malformed THEN 'malformed' END,
                              CASE WHEN f.off_division THEN 'division' END,
                              CASE WHEN f.off_location THEN 'location' END], NULL)))
  FROM checked f
 WHERE f.malformed OR f.off_division OR f.off_location
"""

DETECTORS: Mapping[str, Detector] = {
    "parcel_overlap": PARCEL_OVERLAP,
    "building_outside": Detector(BUILDING_OUTSIDE),
    "occupant_not_holder": Detector(OCCUPANT_NOT_HOLDER),
    "duplicate_certificate": Detector(DUPLICATE_CERTIFICATE),
    "duplicate_unit_code": Detector(DUPLICATE_UNIT_CODE),
    "double_claim": Detector(DOUBLE_CLAIM),
    "area_mismatch": Detector(AREA_MISMATCH),
    "code_mismatch": Detector(CODE_MISMATCH),
}

# -- merging into the register --------------------------------------------------------------

INSERT_NEW = """
WITH added AS (
    INSERT INTO parcels_finding (kind, key, status, parcel_id, other_parcel_id, building_id,
                                 unit_id, division_id, confidentiality, geom, measures,
                                 first_run_id, reason, opened_at, updated_at)
    SELECT f.kind, f.key, %(open)s, f.parcel_id, f.other_parcel_id, f.building_id, f.unit_id,
           f.division_id, f.confidentiality, f.geom, f.measures, %(run)s, '', now(), now()
      FROM conflict_found f
     WHERE NOT EXISTS (SELECT 1 FROM parcels_finding t WHERE t.kind = f.kind AND t.key = f.key)
    RETURNING kind
)
SELECT kind, count(*) FROM added GROUP BY kind
"""
# Findings seen again: written only when what they show changed, or to reopen a resolved one
# (an accepted finding stays accepted).
REFRESH = """
WITH changed AS (
    SELECT t.id, t.status AS old_status, f.*
      FROM parcels_finding t
      JOIN conflict_found f ON f.kind = t.kind AND f.key = t.key
     WHERE t.status = %(resolved)s
        OR (t.parcel_id, t.other_parcel_id, t.building_id, t.unit_id, t.division_id,
            t.confidentiality, t.measures)
           IS DISTINCT FROM
           (f.parcel_id, f.other_parcel_id, f.building_id, f.unit_id, f.division_id,
            f.confidentiality, f.measures)
        OR t.geom IS DISTINCT FROM f.geom
), refreshed AS (
    UPDATE parcels_finding t
       SET status = CASE WHEN c.old_status = %(resolved)s THEN %(open)s ELSE t.status END,
           closed_run_id = CASE WHEN c.old_status = %(resolved)s THEN NULL
                                ELSE t.closed_run_id END,
           reason = CASE WHEN c.old_status = %(resolved)s THEN '' ELSE t.reason END,
           decided_by_id = CASE WHEN c.old_status = %(resolved)s THEN NULL
                                ELSE t.decided_by_id END,
           decided_at = CASE WHEN c.old_status = %(resolved)s THEN NULL ELSE t.decided_at END,
           parcel_id = c.parcel_id, other_parcel_id = c.other_parcel_id,
           building_id = c.building_id, unit_id = c.unit_id, division_id = c.division_id,
           confidentiality = c.confidentiality, geom = c.geom, measures = c.measures,
           updated_at = now()
      FROM changed c
     WHERE t.id = c.id
    RETURNING t.kind, c.old_status
)
SELECT kind, count(*) FILTER (WHERE old_status = %(resolved)s) FROM refreshed GROUP BY kind
"""
# Open or accepted findings no longer seen are resolved by the run.
CLOSE = """
WITH closed AS (
    UPDATE parcels_finding t
       SET status = %(resolved)s, closed_run_id = %(run)s, reason = %(reason)s,
           decided_by_id = NULL, decided_at = now(), updated_at = now()
     WHERE t.status IN (%(open)s, %(accepted)s)
       AND NOT EXISTS (SELECT 1 FROM conflict_found f WHERE f.kind = t.kind AND f.key = t.key)
    RETURNING t.kind
)
SELECT kind, count(*) FROM closed GROUP BY kind
"""


def execute(statement: str, params: Mapping[str, Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def counts(statement: str, params: Mapping[str, Any] | None = None) -> dict[str, int]:
    """``{kind: n}`` from a statement answering ``(kind, count)`` rows."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return {kind: int(n) for kind, n in cursor.fetchall()}


def detect(detector: Detector, params: Mapping[str, Any]) -> None:
    """Append what ``detector`` finds to conflict_found."""
    part = _PART.format(select=detector.select, columns=FOUND_COLUMNS)
    with connection.cursor() as cursor:
        for statement in detector.prepare:
            cursor.execute(statement, params)
        cursor.execute(_DROP_PART)
        cursor.execute(part, params)
        cursor.execute(_APPEND)
        cursor.execute(_DROP_PART)
