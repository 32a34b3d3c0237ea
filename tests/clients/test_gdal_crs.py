"""GDAL 3.12 (pyogrio's wheel) asks for features in EPSG:4490 and a CGCS2000 Gauss-Krüger zone
(OGC API – Features Part 2) and gets the stored geometry as pyproj transforms it; it also pages
with the largest page the API allows, which it reads from the OpenAPI document.

GDAL gives coordinates in its traditional order (longitude or easting first) whatever axis
order the server wrote: the comparison with pyproj's ``always_xy`` transform therefore also
proves that the server writes each CRS in the axis order GDAL expects of it.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from portal.features.collections import COLLECTIONS
from portal.features.crs import EPSG_PREFIX
from portal.features.params import MAX_LIMIT
from tests.clients.world import SECRET_PLACE

pytestmark = pytest.mark.django_db(transaction=True)

# EPSG:4544 is CGCS2000 / 3-degree Gauss-Kruger CM 105E, the zone of Chengdu and Mianyang.
TOLERANCE = {4490: 1e-7, 4544: 1e-3}  # degrees, metres
# A point this close to the secret place (about 50 m either way) is of the secret record: its
# footprint's corners lie 30 m off, every other record's more than 100 m.
NEAR = {4490: 5e-4, 4544: 50.0}


def stored(collection, pk: int, epsg: int) -> np.ndarray:
    """The record's stored geometry (EPSG:4490) as pyproj transforms it, easting first."""
    geometry = getattr(collection.model.objects.get(pk=pk), collection.geometry)
    points = shapely.get_coordinates(shapely.from_wkb(bytes(geometry.wkb)))
    transform = Transformer.from_crs(4490, epsg, always_xy=True)
    return np.column_stack(transform.transform(points[:, 0], points[:, 1]))


@pytest.mark.parametrize("reader", ["province", "county"])
def test_features_in_a_crs_are_the_stored_geometry_transformed(
    world, landing, pyogrio_read, reader
):
    user = world.users[reader]
    for epsg, tolerance in TOLERANCE.items():
        secret = Transformer.from_crs(4490, epsg, always_xy=True).transform(*SECRET_PLACE)
        for collection_id in ("buildings", "assets"):
            collection = COLLECTIONS[collection_id]
            done, got = pyogrio_read(
                landing, collection_id, world.tokens[reader], f"{EPSG_PREFIX}{epsg}"
            )
            assert got is not None, done.stderr
            assert got["epsg"] == epsg
            features = {int(fid): points for fid, points in got["features"].items()}
            portal = set(collection.records(user).values_list("pk", flat=True))
            assert set(features) == portal
            assert (world.secret[collection_id] in features) == (reader == "province")
            for pk, points in features.items():
                if points is None:  # a building whose footprint is not mapped yet
                    continue
                expected = stored(collection, pk, epsg)
                assert np.allclose(points, expected, rtol=0, atol=tolerance), (epsg, pk)
                near = np.abs(np.asarray(points) - secret).max(axis=1).min() < NEAR[epsg]
                assert near == (pk == world.secret[collection_id]), (epsg, pk)


def test_gdal_pages_with_the_api_maximum(world, landing, pyogrio_read, requests_seen):
    done, got = pyogrio_read(landing, "buildings", world.tokens["province"])
    assert got is not None, done.stderr
    portal = COLLECTIONS["buildings"].records(world.users["province"])
    assert set(map(int, got["features"])) == set(portal.values_list("pk", flat=True))
    items = [seen for seen in requests_seen if seen.startswith("/ogc/collections/buildings/items")]
    # A first, small request samples the fields; the reading asks the API's maximum, once.
    assert f"limit={MAX_LIMIT}" in items[-1]
    assert len([seen for seen in items if f"limit={MAX_LIMIT}" in seen]) == 1


@pytest.mark.parametrize("token", [None, "0" * 40], ids=["no credentials", "unknown token"])
def test_without_valid_credentials_gdal_reads_nothing(world, landing, pyogrio_read, token):
    done, got = pyogrio_read(landing, "buildings", token)
    assert got is None
    assert done.returncode == 1
    assert "401" in done.stderr
