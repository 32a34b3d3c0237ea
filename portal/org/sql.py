"""Raw SQL of the org app: PostGIS builds the JSON, which is ~10x faster than serialising in
Python (DOMAIN.md §7)."""

from django.db import connection

# Counties and cities for the offline basemap, thinned for display (the stored boundaries keep
# their full detail); coordinates are lon/lat with 5 decimals (about 1 m), as RFC 7946 wants.
BASEMAP = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'geometry', ST_AsGeoJSON(
            ST_ForcePolygonCCW(ST_SimplifyPreserveTopology(geom, %(tolerance)s)), 5, 0
        )::json,
        'properties', json_build_object('code', code, 'name', name, 'level', level)
    ) ORDER BY level DESC, code), '[]'::json)
)::text
FROM org_admindivision
WHERE valid_to IS NULL AND level = ANY(%(levels)s)
"""


def basemap_geojson(levels: list[str], tolerance_deg: float) -> str:
    """A FeatureCollection of the current divisions at ``levels``."""
    with connection.cursor() as cursor:
        cursor.execute(BASEMAP, {"levels": levels, "tolerance": tolerance_deg})
        return str(cursor.fetchone()[0])
