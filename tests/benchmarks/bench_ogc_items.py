"""A 1,000-feature OGC API – Features items page against the raw PostGIS query that builds the same
FeatureCollection for the same bbox, measured in the same run (issue 12).

The world: the real divisions of Sichuan (fixtures/divisions.gpkg), two units in each county and
about 51,000 office buildings with footprints, all generated in SQL: 4,000 in each of the five
central districts of Chengdu, 800 in each other county of Chengdu, 120 in each county elsewhere,
placed at random inside their county. A footprint is a rectangle, an L, a T or a block around a
courtyard (a polygon with a hole), 20–80 m a side, turned to any angle; a third of them are stored
clockwise, so the right-hand-rule rewinding does real work. Mostly internal, a tenth confidential
or secret. The bbox over central Chengdu holds about 2,800 of them, 1,240 of which the county
administrator below may read.

Ours: ``GET /ogc/collections/buildings/items?bbox=…&limit=1000`` through the in-process Django
test client (every middleware, DRF, the view and the response; no socket, so the figure is our
code and not the loopback's noise), with an API token in the ``Authorization`` header as a
desktop client sends it: token authentication, the scoping helper and the clearance rule, the
query parameters, the PostGIS-built GeoJSON, the paging links and, for a user cleared for
classified records, the security audit event naming them. Two users are measured: the county
administrator of 武侯区 (scope 510107, cleared to internal) and the province administrator (all
of Sichuan, cleared to secret).

The baseline: one hand-written statement on a bare psycopg cursor of the same connection, the
query a GIS engineer would write for the same page: the bbox through the spatial index, the
scope as a join on the owning unit's division code, the cleared levels, ``ORDER BY id LIMIT
1000``, ``ST_AsGeoJSON`` of the same rewound footprint at the same precision and the same
properties, aggregated into a FeatureCollection text by PostgreSQL. Before timing, both must
return the same features (ids, geometries and properties, in order).

The two are timed in alternation after a warm-up, each figure the median (p50) of ``RUNS`` runs;
the issue asks ``ours / baseline <= 2`` for the p50. The p95 is printed beside it against the same
target but not held to it: on a shared machine the tail measures the neighbours.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from gis.codes import complete_uscc
from portal.core.choices import Confidentiality, GovernmentLevel
from portal.org.choices import DivisionLevel, Role, UnitKind
from portal.org.models import AdminDivision, Unit
from portal.org.scoping import cleared_levels
from tests.benchmarks.conftest import Figure, record, wall_times
from tests.benchmarks.divisions import load_divisions
from tests.factories import UserFactory

CENTRAL = ("510104", "510105", "510106", "510107", "510108")
PER_CENTRAL, PER_CHENGDU, PER_COUNTY = 4000, 800, 120
UNITS_PER_COUNTY = 2
COUNTY = "510107"  # 武侯区
# Central Chengdu around 武侯区 (lon/lat, CRS84 axis order as the request sends it).
BBOX = (104.00, 30.60, 104.08, 30.68)
LIMIT = 1000
RUNS = 40
WARM_UP = 3
TARGET = 2.0

pytestmark = pytest.mark.django_db

# One footprint per point of ST_GeneratePoints: a shape drawn in metres around the origin, turned,
# scaled to degrees at about 30.6° N and moved onto the point. Sizes and angles vary with n.
BUILDINGS = """
INSERT INTO buildings_building (name, address, division_id, managing_unit_id, geom, footprint,
    source_crs, floors_above, floors_below, gross_area_m2, usable_area_m2, year_built, use_type,
    confidentiality, synthetic, created_at, updated_at)
SELECT '基准办公楼' || d.code || '-' || p.n, d.name || '人民路' || (p.n %% 300 + 1) || '号', d.id,
       d.units[1 + p.n %% array_length(d.units, 1)], ST_PointOnSurface(f.shape), f.shape, '',
       2 + p.n %% 18, p.n %% 3, round((800 + (p.n * 37) %% 9000)::numeric * 1.13, 2),
       round((500 + (p.n * 37) %% 6000)::numeric * 0.97, 2), 1960 + p.n %% 64,
       (ARRAY['office', 'business', 'technical'])[1 + p.n %% 3],
       CASE WHEN p.n %% 20 = 3 THEN 'secret' WHEN p.n %% 20 IN (5, 11) THEN 'confidential'
            WHEN p.n %% 5 = 1 THEN 'public' ELSE 'internal' END,
       true, now() - (p.n %% 900) * interval '1 day', now() - (p.n %% 90) * interval '1 hour'
FROM (SELECT d.id, d.code, d.name, d.geom, c.n AS how_many,
             (SELECT array_agg(u.id ORDER BY u.id) FROM org_unit u WHERE u.division_id = d.id)
             AS units
        FROM org_admindivision d
        JOIN unnest(%(codes)s::text[], %(counts)s::int[]) AS c(code, n) ON c.code = d.code) AS d
CROSS JOIN LATERAL (
    SELECT (g).path[1] AS n, (g).geom AS centre
    FROM ST_Dump(ST_GeneratePoints(d.geom, d.how_many, d.id::int)) AS g) AS p
CROSS JOIN LATERAL (SELECT 20 + (p.n * 13) %% 60 AS w, 20 + (p.n * 29) %% 45 AS h) AS s
CROSS JOIN LATERAL (SELECT CASE p.n %% 4
    WHEN 0 THEN ST_MakeEnvelope(-s.w / 2, -s.h / 2, s.w / 2, s.h / 2)
    WHEN 1 THEN ST_Union(ST_MakeEnvelope(-s.w / 2, -s.h / 2, s.w / 2, 0),
                         ST_MakeEnvelope(-s.w / 2, 0, 0, s.h / 2))
    WHEN 2 THEN ST_Union(ST_MakeEnvelope(-s.w / 2, s.h / 4, s.w / 2, s.h / 2),
                         ST_MakeEnvelope(-s.w / 8, -s.h / 2, s.w / 8, s.h / 4))
    ELSE ST_Difference(ST_MakeEnvelope(-s.w / 2, -s.h / 2, s.w / 2, s.h / 2),
                       ST_MakeEnvelope(-s.w / 5, -s.h / 5, s.w / 5, s.h / 5)) END AS local) AS l
CROSS JOIN LATERAL (SELECT ST_Multi(ST_SetSRID(ST_Translate(ST_Scale(
    CASE WHEN p.n %% 3 = 0 THEN ST_ForcePolygonCW(ST_Rotate(l.local, radians((p.n * 37) %% 180)))
         ELSE ST_ForcePolygonCCW(ST_Rotate(l.local, radians((p.n * 37) %% 180))) END,
    1 / 95900.0, 1 / 110850.0), ST_X(p.centre), ST_Y(p.centre)), 4490)) AS shape) AS f
"""

# The page written by hand: the properties of BuildingSerializer in its order, the footprint
# rewound by the right-hand rule at 7 decimals, as the items view writes them.
PAGE_HEAD = """
SELECT json_build_object(
  'type', 'FeatureCollection', 'features', coalesce(json_agg(f.feature), '[]')
)::text
FROM (
  SELECT json_build_object(
    'type', 'Feature', 'id', b.id,
    'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(b.footprint), 7, 0)::json,
    'properties', json_build_object(
      'name', b.name, 'address', b.address, 'division', d.code, 'managing_unit', u.credit_code,
      'floors_above', b.floors_above, 'floors_below', b.floors_below,
      'gross_area_m2', b.gross_area_m2, 'usable_area_m2', b.usable_area_m2,
      'year_built', b.year_built, 'use_type', b.use_type, 'confidentiality', b.confidentiality,
      'synthetic', b.synthetic,
      'created_at', to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'updated_at', to_char(b.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )
  ) AS feature
  FROM buildings_building b
  JOIN org_admindivision d ON d.id = b.division_id
  JOIN org_unit u ON u.id = b.managing_unit_id
"""
PAGE_TAIL = """  WHERE ST_Intersects(b.footprint, ST_MakeEnvelope(%s, %s, %s, %s, 4490))
    AND b.confidentiality = ANY(%s) {scope}
  ORDER BY b.id
  LIMIT %s
) AS f
"""
# A county's scope: buildings whose managing unit sits in the county (GB/T 2260 code prefix).
COUNTY_SCOPE = (
    "AND u.division_id IN (SELECT s.id FROM org_admindivision s WHERE s.code LIKE %s || '%%')"
)
PROVINCE_PAGE = PAGE_HEAD + PAGE_TAIL.format(scope="")
COUNTY_PAGE = PAGE_HEAD + PAGE_TAIL.format(scope=COUNTY_SCOPE)


def _units(divisions: dict[str, AdminDivision]) -> dict[str, list[int]]:
    """``UNITS_PER_COUNTY`` units in every county (the first its offices administration); their
    ids by county code."""
    counties = [d for d in divisions.values() if d.level == DivisionLevel.COUNTY]
    units = [
        Unit(
            credit_code=complete_uscc(f"11{division.code}{number:09d}"),
            name=f"{division.name}基准单位{number % UNITS_PER_COUNTY}",
            kind=UnitKind.GOVERNMENT_ORGAN,
            level=GovernmentLevel.COUNTY,
            division=division,
            offices_administration=number % UNITS_PER_COUNTY == 0,
            location=Point(*division.geom.point_on_surface.coords, srid=4490),
            synthetic=True,
        )
        for number, division in enumerate(c for c in counties for _ in range(UNITS_PER_COUNTY))
    ]
    created: dict[str, list[int]] = {}
    for unit in Unit.objects.bulk_create(units):
        created.setdefault(unit.division.code, []).append(unit.pk)
    return created


def _how_many(code: str) -> int:
    if code in CENTRAL:
        return PER_CENTRAL
    return PER_CHENGDU if code.startswith("5101") else PER_COUNTY


def _world() -> dict[str, list[int]]:
    """The divisions, units and buildings; the unit ids by county code."""
    units = _units(load_divisions("51"))
    codes = sorted(units)
    params = {"codes": codes, "counts": [_how_many(code) for code in codes]}
    with connection.cursor() as cursor:
        cursor.execute(BUILDINGS, params)
        # Fresh statistics on every table the page joins, as autovacuum would have them; without
        # them the planner takes 51 units for 366 and picks a nested loop for both queries.
        for table in ("org_admindivision", "org_unit", "buildings_building"):
            cursor.execute(f"ANALYZE {table}")
    return units


def _user(unit_id: int, role: str, clearance: str) -> tuple[Any, str]:
    """An account of ``unit_id`` and the API token a desktop client sends for it."""
    user = UserFactory(unit=Unit.objects.get(pk=unit_id), role=role, clearance=clearance)
    return user, Token.objects.create(user=user).key


def _record(name: str, ours: float, baseline: float) -> Figure:
    return record(Figure(name, ours, baseline, TARGET))


def _measure(name: str, user: Any, key: str, raw_sql: str, scope: tuple[str, ...]) -> Figure:
    """Check that the items page and the raw statement agree, time them in alternation and
    record p50 and p95; the p50 figure."""
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/ogc/collections/buildings/items?bbox={','.join(map(str, BBOX))}&limit={LIMIT}"
    raw_cursor = connection.cursor().cursor  # psycopg's own cursor: no Django wrapper
    raw_params = (*BBOX, cleared_levels(user), *scope, LIMIT)

    def ours() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.content

    def raw() -> str:
        raw_cursor.execute(raw_sql, raw_params)
        return str(raw_cursor.fetchone()[0])

    ours_body, raw_body = json.loads(ours()), json.loads(raw())
    assert ours_body["numberReturned"] == LIMIT
    assert any(link["rel"] == "next" for link in ours_body["links"])
    assert ours_body["features"] == raw_body["features"]

    wall_times(ours, WARM_UP), wall_times(raw, WARM_UP)
    ours_t, raw_t = [], []
    for _ in range(RUNS):  # interleaved, so the load's drift affects both alike
        ours_t += wall_times(ours, 1)
        raw_t += wall_times(raw, 1)
    p50 = _record(
        f"ogc_items_{name}_{LIMIT}_p50", statistics.median(ours_t), statistics.median(raw_t)
    )
    _record(
        f"ogc_items_{name}_{LIMIT}_p95",
        float(np.percentile(ours_t, 95)),
        float(np.percentile(raw_t, 95)),
    )
    return p50


def test_items_page_of_1000_buildings_against_raw_postgis() -> None:
    units = _world()
    county_user, county_key = _user(units[COUNTY][0], Role.DIVISION_ADMIN, Confidentiality.INTERNAL)
    province_user, province_key = _user(
        units[CENTRAL[0]][0], Role.PROVINCE_ADMIN, Confidentiality.SECRET
    )
    county = _measure("county", county_user, county_key, COUNTY_PAGE, (COUNTY,))
    province = _measure("province", province_user, province_key, PROVINCE_PAGE, ())
    assert county.ratio <= TARGET, county.line()
    assert province.ratio <= TARGET, province.line()
