"""A full conflict run against the same detection written with geopandas, on the same data.

TIANFU_BENCH_CONFLICT_ROWS parcels (default 100,000) lie on a grid over central Chengdu, each
with an office building inside, all generated in SQL. A few percent are made faulty on purpose:
parcels widened over their neighbour (overlaps), buildings shifted half off their parcel or
far from any, occupants other than the holder, certificate numbers and unit codes repeated,
second claimants, certificate areas 10 % off, unit codes naming the wrong county.

Ours: ``detect_conflicts`` on an empty register (every finding new and written, with history),
timed once. The baseline reads the same tables with ``geopandas.read_postgis`` and computes the
same findings in memory: ``sjoin`` for overlaps, buildings on parcels and codes against
counties, shapely overlays for the overlap and off-parcel shapes, pandas for duplicates and
claims, areas and perimeters in the Gauss-Krüger zone of Chengdu (EPSG:4544). It writes
nothing. The issue asks that ours be at least as fast: ``ours / baseline <= 1``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from django.conf import settings
from django.db import connection

from portal.demo.generators.fixtures import read_divisions
from portal.demo.generators.reference import to_geos
from portal.org.models import AdminDivision
from portal.parcels.choices import ConflictKind
from portal.parcels.conflicts import CODE_SHAPE, detect_conflicts
from portal.parcels.tolerances import Tolerances
from tests.benchmarks.conftest import record_line
from tests.factories import UnitFactory

ROWS = int(os.environ.get("TIANFU_BENCH_CONFLICT_ROWS", "100000"))
TARGET = 1.0
UNITS = 60
GK_CHENGDU = "EPSG:4544"

pytestmark = pytest.mark.django_db(transaction=True)


# -- data, generated in SQL ---------------------------------------------------------------------

# Grid cell ~86 m; a parcel ~57 × 60 m, its building ~29 × 30 m in the middle.
PARCELS = """
INSERT INTO parcels_parcel (registry_no, real_estate_unit_code, certificate_no, holder_id,
    division_id, right_type, land_use, geom, source_crs, title_status, synthetic, created_at,
    updated_at)
SELECT 'BZ-' || i, NULL,
       'CERT-' || CASE WHEN i %% 97 = 5 THEN i - 1 ELSE i END,
       (%(units)s::bigint[])[1 + i %% %(unit_count)s], %(division)s, 'allocated', 'organ',
       ST_Multi(ST_MakeEnvelope(x, y, x + CASE WHEN i %% 33 = 0 THEN 0.0011 ELSE 0.0006 END,
                                y + 0.00054, 4490)),
       '', 'unregistered', true, now(), now()
  FROM generate_series(0, %(rows)s - 1) AS i
 CROSS JOIN LATERAL (SELECT 103.93 + (i %% %(cols)s) * 0.0009 AS x,
                            30.55 + (i / %(cols)s) * 0.00078 AS y) g
"""
# Division and code from the county the parcel lies in; 1 in 100 codes names another county.
PLACE_PARCELS = """
UPDATE parcels_parcel p
   SET division_id = d.id,
       real_estate_unit_code = CASE WHEN p.id %% 100 = 7 THEN '510199' ELSE d.code END
           || lpad((p.id / 90000)::text, 3, '0') || '001GB'
           || lpad((p.id %% 90000 + 1)::text, 5, '0') || 'W00000000',
       certificate_area_m2 = round((p.area_m2 * CASE WHEN p.id %% 50 = 3 THEN 1.1 ELSE 1 END)
                                   ::numeric, 2)
  FROM org_admindivision d
 WHERE d.level = 'county' AND d.geom && ST_PointOnSurface(p.geom)
   AND ST_Intersects(d.geom, ST_PointOnSurface(p.geom))
"""
BUILDINGS = """
INSERT INTO buildings_building (name, address, division_id, managing_unit_id, geom, footprint,
    source_crs, floors_above, floors_below, use_type, confidentiality, synthetic, created_at,
    updated_at)
SELECT 'BB-' || p.id, '', p.division_id, p.holder_id, ST_Centroid(f.shape), f.shape, '', 5, 0,
       'office', 'internal', true, now(), now()
  FROM parcels_parcel p
 CROSS JOIN LATERAL (SELECT ST_XMin(p.geom) + 0.00015
                               + CASE WHEN p.id %% 40 = 1 THEN 0.00045
                                      WHEN p.id %% 200 = 2 THEN 0.3 ELSE 0 END AS x,
                            ST_YMin(p.geom) + 0.00013 AS y) o
 CROSS JOIN LATERAL (SELECT ST_Multi(ST_MakeEnvelope(o.x, o.y, o.x + 0.0003, o.y + 0.00027,
                                                     4490)) AS shape) f
"""
OCCUPANTS = """
INSERT INTO buildings_occupancy (unit_id, building_id, usable_area_m2, staff_by_rank, synthetic,
    created_at, updated_at)
SELECT CASE WHEN b.id %% 50 = 4
            THEN (%(units)s::bigint[])[1 + (b.managing_unit_id + 1) %% %(unit_count)s]
            ELSE b.managing_unit_id END,
       b.id, 800, '{}', true, now(), now()
  FROM buildings_building b
"""
CERTIFICATES = """
INSERT INTO parcels_certificate (kind, number, real_estate_unit_code, holder_id, parcel_id,
    issuing_authority, synthetic, created_at, updated_at)
SELECT 'real_estate',
       CASE WHEN p.id %% 150 = 9
            THEN (SELECT q.certificate_no FROM parcels_parcel q WHERE q.id = p.id + 2)
            ELSE p.certificate_no END,
       CASE WHEN p.id %% 300 = 12 THEN
           (SELECT q.real_estate_unit_code FROM parcels_parcel q WHERE q.id = p.id + 1)
       ELSE '' END,
       p.holder_id, p.id, '', true, now(), now()
  FROM parcels_parcel p
 WHERE p.id %% 3 = 0 AND p.id + 2 <= (SELECT max(id) FROM parcels_parcel)
"""
RIGHTS = """
INSERT INTO parcels_right (kind, holder_id, parcel_id, share, note, synthetic, created_at,
    updated_at)
SELECT 'land_allocated', p.holder_id, p.id, 1, '', true, now(), now() FROM parcels_parcel p
UNION ALL
SELECT 'use', (%(units)s::bigint[])[1 + (p.holder_id + 3) %% %(unit_count)s], p.id, 0.5, '',
       true, now(), now()
  FROM parcels_parcel p WHERE p.id %% 100 = 13
"""


def _divisions() -> None:
    """Sichuan, Chengdu and its counties from the project's real boundaries."""
    rows = read_divisions(Path(settings.BASE_DIR) / "fixtures" / "divisions.gpkg")
    keep = [r for r in rows if r.code == "510000" or r.code[:4] == "5101"]
    created: dict[str, AdminDivision] = {}
    for row in keep:
        created[row.code] = AdminDivision.objects.create(
            code=row.code,
            name=row.name,
            level=row.level,
            parent=created.get(row.parent_code or ""),
            geom=to_geos(row.geom),
        )


def generate(rows: int) -> dict[str, Any]:
    _divisions()
    units = [UnitFactory(division_code="510104").pk for _ in range(UNITS)]
    params = {
        "rows": rows,
        "cols": int(np.ceil(np.sqrt(rows))),
        "units": units,
        "unit_count": len(units),
        "division": AdminDivision.objects.get(code="510100").pk,
    }
    with connection.cursor() as cursor:
        for statement in (PARCELS, PLACE_PARCELS, BUILDINGS, OCCUPANTS, CERTIFICATES, RIGHTS):
            cursor.execute(statement, params)
        for table in ("parcels_parcel", "buildings_building", "parcels_certificate"):
            cursor.execute(f"ANALYZE {table}")
    return params


# -- the geopandas pipeline -----------------------------------------------------------------------


def _read(query: str, geom: str | None = "geom") -> Any:
    if geom is None:
        return pd.read_sql_query(query, connection.connection)
    return gpd.read_postgis(query, connection.connection, geom_col=geom).rename_geometry("geometry")


def _overlaps(parcels: gpd.GeoDataFrame, tol: Tolerances) -> int:
    pairs = gpd.sjoin(parcels, parcels, predicate="overlaps")
    pairs = pairs[pairs.index < pairs["index_right"]]
    a = parcels.geometry.loc[pairs.index].to_numpy()
    b = parcels.geometry.loc[pairs["index_right"]].to_numpy()
    shapes = gpd.GeoSeries(shapely.intersection(a, b), crs=4490).to_crs(GK_CHENGDU)
    area, perimeter = shapes.area.to_numpy(), shapes.length.to_numpy()
    keep = (area >= tol.min_overlap_m2) & (area / np.maximum(perimeter, 1e-9) >= tol.sliver_width_m)
    return int(keep.sum())


def _home(buildings: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each building's parcel of largest share, and that share."""
    hits = gpd.sjoin(buildings, parcels[["geometry"]], predicate="intersects")
    fp = gpd.GeoSeries(buildings.geometry.loc[hits.index].to_numpy(), crs=4490)
    land = gpd.GeoSeries(parcels.geometry.loc[hits["index_right"]].to_numpy(), crs=4490)
    inter = gpd.GeoSeries(shapely.intersection(fp.to_numpy(), land.to_numpy()), crs=4490)
    share = inter.to_crs(GK_CHENGDU).area.to_numpy() / fp.to_crs(GK_CHENGDU).area.to_numpy()
    links = pd.DataFrame({"building": hits.index, "parcel": hits["index_right"], "share": share})
    # Ties go to the lower parcel id, as in the SQL.
    ordered = links.sort_values(["building", "share", "parcel"], ascending=[True, False, True])
    best = ordered.drop_duplicates("building")
    return best.set_index("building").reindex(buildings.index)


def _outside(buildings: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, home: pd.DataFrame, tol):
    off = 1 - home["share"].fillna(0)
    faulty = home[100 * off > tol.building_outside_pct]
    placed = faulty["parcel"].notna()
    fp = buildings.geometry.loc[faulty.index[placed]].to_numpy()
    land = parcels.geometry.loc[faulty["parcel"][placed].astype(int)].to_numpy()
    shapely.difference(fp, land)
    return len(faulty)


def _occupants(home: pd.DataFrame, parcels, occupancy, units) -> int:
    placed = home.dropna(subset=["parcel"]).astype({"parcel": int})
    merged = occupancy.merge(placed, left_on="building_id", right_index=True)
    merged = merged.merge(parcels[["holder_id"]], left_on="parcel", right_index=True)
    merged = merged.merge(units, left_on="holder_id", right_index=True)
    faulty = merged[(merged["unit_id"] != merged["holder_id"]) & ~merged["offices_administration"]]
    return faulty.groupby(["building_id", "parcel"]).ngroups


def _normalise(values: pd.Series) -> pd.Series:
    table = str.maketrans("（）", "()")
    return values.str.translate(table).str.strip(" \u3000").str.upper()


def _duplicates(parcels: pd.DataFrame, certificates: pd.DataFrame, column: str, cert_col: str):
    records = pd.concat(
        [
            pd.DataFrame(
                {"value": parcels[column], "object": "parcel:" + parcels.index.astype(str)}
            ),
            pd.DataFrame(
                {
                    "value": certificates[cert_col],
                    "object": "parcel:" + certificates["parcel_id"].astype(str),
                }
            ),
        ]
    )
    records = records[records["value"].fillna("") != ""]
    records["value"] = _normalise(records["value"])
    return int((records.groupby("value")["object"].nunique() > 1).sum())


def _claims(rights: pd.DataFrame) -> int:
    grouped = rights.groupby("parcel_id").agg(
        units=("holder_id", "nunique"), total=("share", "sum")
    )
    return int(((grouped["units"] >= 2) & (grouped["total"] > 1)).sum())


def _areas(parcels: gpd.GeoDataFrame, certificates: pd.DataFrame, tol: Tolerances) -> int:
    computed = parcels.geometry.to_crs(GK_CHENGDU).area
    stated = parcels["certificate_area_m2"].astype(float)
    off = (stated - computed).abs() / computed * 100 > tol.area_tolerance_pct
    stated_c = certificates["certificate_area_m2"].astype(float).to_numpy()
    computed_c = computed.reindex(certificates["parcel_id"]).to_numpy()
    off_c = np.abs(stated_c - computed_c) / computed_c * 100 > tol.area_tolerance_pct
    return int(off.sum() + off_c.sum())


def _codes(parcels: gpd.GeoDataFrame, divisions: gpd.GeoDataFrame, counties) -> int:
    codes = parcels["real_estate_unit_code"].fillna("").str.strip().str.upper()
    malformed = ~codes.str.match(CODE_SHAPE)
    own = divisions.loc[parcels["division_id"], "code"].to_numpy()
    off_division = codes.str[:6].to_numpy() != own
    points = gpd.GeoDataFrame(geometry=parcels.geometry.representative_point(), crs=4490)
    located = gpd.sjoin(points, counties[["code", "geometry"]], predicate="within")
    located = located[~located.index.duplicated()]["code"].reindex(parcels.index)
    off_location = located.notna() & (codes.str[:6] != located)
    return int((malformed | off_division | off_location).sum())


def baseline(tol: Tolerances) -> dict[str, int]:
    parcels = (
        _read(
            "SELECT id, holder_id, division_id, certificate_no, real_estate_unit_code, "
            "certificate_area_m2, geom FROM parcels_parcel"
        )
        .set_index("id")
        .rename_axis(None)
    )
    buildings = (
        _read("SELECT id, managing_unit_id, footprint AS geom FROM buildings_building")
        .set_index("id")
        .rename_axis(None)
    )
    divisions = (
        _read("SELECT id, code, level, geom FROM org_admindivision")
        .set_index("id")
        .rename_axis(None)
        .rename_axis(None)
    )
    counties = divisions[divisions["level"] == "county"]
    certificates = _read(
        "SELECT id, number, real_estate_unit_code, parcel_id, certificate_area_m2 "
        "FROM parcels_certificate",
        None,
    )
    rights = _read("SELECT holder_id, parcel_id, share FROM parcels_right", None)
    occupancy = _read("SELECT unit_id, building_id FROM buildings_occupancy", None)
    units = (
        _read("SELECT id, offices_administration FROM org_unit", None)
        .set_index("id")
        .rename_axis(None)
    )
    home = _home(buildings, parcels)
    return {
        "parcel_overlap": _overlaps(parcels, tol),
        "building_outside": _outside(buildings, parcels, home, tol),
        "occupant_not_holder": _occupants(home, parcels, occupancy, units),
        "duplicate_certificate": _duplicates(parcels, certificates, "certificate_no", "number"),
        "duplicate_unit_code": _duplicates(
            parcels, certificates, "real_estate_unit_code", "real_estate_unit_code"
        ),
        "double_claim": _claims(rights),
        "area_mismatch": _areas(parcels, certificates, tol),
        "code_mismatch": _codes(parcels, divisions, counties),
    }


def test_conflict_run_against_geopandas() -> None:
    generate(ROWS)
    tolerances = Tolerances()
    start = time.perf_counter()
    run = detect_conflicts(tolerances=tolerances)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = baseline(tolerances)
    base = time.perf_counter() - start
    start = time.perf_counter()
    again = detect_conflicts(tolerances=tolerances)
    rerun = time.perf_counter() - start
    found = {kind: run.counts[kind]["found"] for kind in ConflictKind.values}
    print(f"conflicts per type ({ROWS} parcels and buildings): ours {found}, geopandas {theirs}")
    changed = sum(c["new"] + c["reopened"] + c["closed"] for c in again.counts.values())
    print(f"second run on unchanged data: {rerun:.2f}s, {changed} findings changed")
    ratio = ours / base
    record_line(f"conflicts_run_{ROWS // 1000}k", f"{ours:.2f}s", f"{base:.2f}s", ratio, TARGET)
    # The same full run on a register that exists: every detector over all the data again,
    # only nothing to write. Reported beside the first run, which the target is held to.
    record_line(
        f"conflicts_rerun_{ROWS // 1000}k", f"{rerun:.2f}s", f"{base:.2f}s", rerun / base, TARGET
    )
    assert all(found[kind] > 0 for kind in ConflictKind.values), found
    assert ratio <= TARGET
