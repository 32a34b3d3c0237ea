"""The raw SQL of the depots app.

Distances are geodesic metres on the ellipsoid (``geography``, ``use_spheroid`` true), never
degrees: GeoDjango's ``dwithin`` lookup refuses metres on a geographic column. Every value is a
named parameter (``%(division)s``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

# Depots inside the division or within the distance of its boundary, in code order.
_DEPOTS_WITHIN = """
SELECT d.id, ST_X(d.geom), ST_Y(d.geom)
  FROM depots_depot d
  JOIN org_admindivision r ON r.id = %(division)s
 WHERE d.id = ANY(%(ids)s)
   AND ST_DWithin(d.geom::geography, r.geom::geography, %(distance_m)s)
 ORDER BY d.code
"""


def depots_within(
    depot_ids: Sequence[int], division_id: int, distance_m: float
) -> list[tuple[int, float, float]]:
    """Those of ``depot_ids`` inside the division or within ``distance_m`` metres of it.

    Returns
    -------
    list of (id, lon, lat)
        In depot code order; lon/lat in EPSG:4490.
    """
    if not depot_ids:
        return []
    params = {"division": division_id, "ids": list(depot_ids), "distance_m": distance_m}
    with connection.cursor() as cursor:
        cursor.execute(_DEPOTS_WITHIN, params)
        return [(int(pk), float(lon), float(lat)) for pk, lon, lat in cursor.fetchall()]
