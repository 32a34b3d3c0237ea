"""The suite runs on real PostGIS, and metric work on CGCS2000 behaves as the code assumes."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def fetch(query: str, *params: object) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


def test_backend_is_postgis_3():
    assert connection.vendor == "postgresql"
    (version,) = fetch("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    assert version.startswith("3.")


def test_cgcs2000_is_known_with_its_gauss_kruger_zones():
    (name,) = fetch("SELECT srtext FROM spatial_ref_sys WHERE srid = 4490")
    assert "China Geodetic Coordinate System 2000" in name
    (gk,) = fetch("SELECT srtext FROM spatial_ref_sys WHERE srid = 4544")
    assert "Gauss-Kruger CM 105E" in gk


def test_geography_area_and_gk_area_agree_in_metres():
    # About 1 km x 1 km next to Tianfu Square, Chengdu.
    square = (
        "SRID=4490;POLYGON((104.06 30.65,104.0704 30.65,104.0704 30.659,"
        "104.06 30.659,104.06 30.65))"
    )
    geodesic, planar = fetch(
        "SELECT ST_Area(g::geography), ST_Area(ST_Transform(g, 4544)) "
        "FROM (SELECT ST_GeomFromEWKT(%s) AS g) s",
        square,
    )
    assert 990_000 < geodesic < 1_010_000
    assert abs(geodesic - planar) / geodesic < 0.001
