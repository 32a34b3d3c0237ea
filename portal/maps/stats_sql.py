"""Raw SQL of the dashboard: PostGIS joins division boundaries with aggregates built elsewhere.

The aggregates come in as a JSON parameter, computed by the ORM over ``visible_to(user)``, so
this SQL never reads a registry table and cannot widen what the user sees.
"""

import json
from typing import Any, Final

from django.db import connection

# Regions for each choropleth level: "city" is every division directly below a province (the
# cities of Sichuan and the districts and counties of Chongqing, which has no city level);
# "county" is every county-level division. A region's prefix gathers the codes below it.
CHOROPLETH: Final = """
WITH stats AS (
    SELECT key AS code, (value->>'count')::bigint AS count, (value->>'value')::numeric AS value
      FROM jsonb_each(%(stats)s::jsonb)
), regions AS (
    SELECT d.code, d.name, d.geom,
           CASE WHEN d.level = 'city' THEN left(d.code, 4) ELSE d.code END AS prefix
      FROM org_admindivision d
      LEFT JOIN org_admindivision p ON p.id = d.parent_id
     WHERE d.valid_to IS NULL
       AND CASE %(level)s WHEN 'city' THEN p.level = 'province' ELSE d.level = 'county' END
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'geometry', ST_AsGeoJSON(
            ST_ForcePolygonCCW(ST_SimplifyPreserveTopology(r.geom, %(tolerance)s)), 4, 0
        )::json,
        'properties', json_build_object(
            'code', r.code, 'name', r.name,
            'count', coalesce(s.count, 0), 'value', coalesce(s.value, 0)
        )
    ) ORDER BY r.code), '[]'::json)
)::text
FROM regions r
LEFT JOIN LATERAL (
    SELECT sum(stats.count) AS count, sum(stats.value) AS value
      FROM stats
     WHERE stats.code LIKE r.prefix || '%%'
) s ON true
"""
LEVELS: Final = ("city", "county")
# Degrees of thinning per level: enough for a 40 rem wide map of the province.
TOLERANCE_DEG: Final = {"city": 0.01, "county": 0.004}


def choropleth_geojson(level: str, stats: dict[str, dict[str, Any]]) -> str:
    """A FeatureCollection of the regions at ``level`` with ``count`` and ``value`` summed from
    ``stats`` (division code → {"count": n, "value": "yuan"}) over the codes below each."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    params = {
        "stats": json.dumps(stats, default=str),
        "level": level,
        "tolerance": TOLERANCE_DEG[level],
    }
    with connection.cursor() as cursor:
        cursor.execute(CHOROPLETH, params)
        return str(cursor.fetchone()[0])
