"""Geodesic areas in ``gis`` against PostGIS ``ST_Area(geography)`` on the same polygons.

Import and validation code measures parcels before they reach the database, so ``gis`` must agree
with PostGIS to the square metre and not be much slower than the server doing the same work.
"""

import numpy as np
import pytest
import shapely
from django.db import connection

from gis.geodesy import geodesic_area_m2

N_POLYGONS = 2_000


def parcels() -> list[shapely.Polygon]:
    """Irregular 12-gons of 50–500 m radius scattered over Sichuan (seeded)."""
    rng = np.random.default_rng(2026)
    centres = np.column_stack([rng.uniform(98, 108, N_POLYGONS), rng.uniform(27, 34, N_POLYGONS)])
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    polygons = []
    for lon, lat in centres:
        radius_deg = rng.uniform(50, 500, angles.size) / 111_000
        ring = np.column_stack(
            [
                lon + radius_deg * np.cos(angles) / np.cos(np.radians(lat)),
                lat + radius_deg * np.sin(angles),
            ]
        )
        polygons.append(shapely.Polygon(ring))
    return polygons


@pytest.mark.django_db
def test_geodesic_area_against_postgis(bench):
    polygons = parcels()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_parcel (id int, geom geometry(Polygon, 4490))")
        cursor.executemany(
            "INSERT INTO bench_parcel VALUES (%s, ST_GeomFromWKB(%s, 4490))",
            [(i, shapely.to_wkb(p)) for i, p in enumerate(polygons)],
        )

    def postgis_areas() -> list[float]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT ST_Area(geom::geography) FROM bench_parcel ORDER BY id")
            return [row[0] for row in cursor.fetchall()]

    ours = np.array([geodesic_area_m2(p) for p in polygons])
    theirs = np.array(postgis_areas())
    assert np.allclose(ours, theirs, rtol=1e-6, atol=0.01)
    bench(
        f"geodesic_area_{N_POLYGONS}_polygons",
        lambda: [geodesic_area_m2(p) for p in polygons],
        postgis_areas,
        target=3.0,
    )
