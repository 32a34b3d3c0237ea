"""Debian's GDAL 3.6 (``ogrinfo``, ``ogr2ogr``) reads the OGC API as an analyst's desktop does,
and gets exactly what the same account reads in the portal (issue 12, the proof).

Each answer is checked twice: against ``Collection.records(user)`` (the scoping helper the
pages and the API read through) and against the world's own account of who owns what, so a
fault in the scoping helper would not pass unseen either. Records classified above a reader's
clearance must leave no trace in anything GDAL prints or writes: no id, name or coordinate.
"""

from __future__ import annotations

import math
import re

import pytest
from django.contrib.gis.geos import Polygon

from portal.buildings.models import Building
from portal.features.collections import COLLECTIONS
from portal.features.params import MAX_LIMIT
from tests.clients.conftest import export, feature_keys, run_gdal
from tests.clients.world import PLACES, SECRET_MARKS, World

pytestmark = pytest.mark.django_db(transaction=True)

FEATURE = re.compile(r"^OGRFeature\(buildings\):(\d+)$", re.M)
LAYER = re.compile(r"^\d+: (\S+)", re.M)
# A box over home's two buildings and the secret one, and no other building.
HOME_BOX = (104.0715, 30.6205, 104.0760, 30.6270)
# Whose records each reader reads: the province all, the county administrator of 锦江区 its
# two units, an officer his own unit.
REACH = {
    "province": tuple(PLACES),
    "county": ("home", "neighbour"),
    "officer": ("home",),
    "wuhou": ("wuhou",),
}
CLEARED = {"province"}


def expected(world: World, reader: str, collection_id: str) -> set[object]:
    """What ``reader`` must read of a collection, from the world's owners and the rules."""
    collection = COLLECTIONS[collection_id]
    if collection.reference:
        return set(collection.model.objects.current().values_list("code", flat=True))
    keys = set().union(*(world.owned(collection, unit) for unit in REACH[reader]))
    if collection_id == "warehouse":  # home's listing is offered to all of Sichuan
        keys |= world.owned(collection, "home")
    if reader not in CLEARED:
        keys.discard(world.secret.get(collection_id))
    return keys


def test_ogrinfo_lists_every_collection(world, landing):
    done = run_gdal(["ogrinfo", "-ro", "-q", landing], world.tokens["officer"])
    assert done.returncode == 0, done.stderr
    assert set(LAYER.findall(done.stdout)) == set(COLLECTIONS)


@pytest.mark.parametrize("reader", ["county", "province"])
def test_a_bbox_reads_the_buildings_the_reader_sees_there(world, landing, reader):
    user = world.users[reader]
    args = ["ogrinfo", "-ro", "-al", "-spat", *map(str, HOME_BOX), landing, "buildings"]
    done = run_gdal(args, world.tokens[reader])
    assert done.returncode == 0, done.stderr
    box = Polygon.from_bbox(HOME_BOX)
    box.srid = 4490
    portal = Building.objects.visible_to(user).filter(footprint__intersects=box)
    read = {int(fid) for fid in FEATURE.findall(done.stdout)}
    assert read == set(portal.values_list("pk", flat=True))
    # Home's mapped buildings are the only ones in the box; the secret one among them.
    mapped = set(Building.objects.filter(footprint__isnull=False).values_list("pk", flat=True))
    home = world.owned(COLLECTIONS["buildings"], "home") & mapped
    if reader not in CLEARED:
        home.discard(world.secret["buildings"])
    assert read == home
    assert (world.secret["buildings"] in read) == (reader in CLEARED)
    if reader not in CLEARED:
        assert not [mark for mark in SECRET_MARKS if mark in done.stdout]


@pytest.mark.parametrize("reader", list(REACH))
def test_paging_through_every_collection_reads_exactly_the_readers_records(
    world, landing, tmp_path, requests_seen, reader
):
    """Pages of two features: a collection takes several requests, joined by next links."""
    user = world.users[reader]
    for collection_id, collection in COLLECTIONS.items():
        target = tmp_path / f"{collection_id}.geojson"
        written = export(landing, collection_id, world.tokens[reader], target, "-oo", "PAGE_SIZE=2")
        read = [feature_keys(collection)(feature) for feature in written["features"]]
        assert len(read) == len(set(read)), f"{collection_id}: a feature read twice"
        # One request samples the fields, then one per page of two.
        pages = [seen for seen in requests_seen if f"/{collection_id}/items" in seen]
        assert len(pages) == 1 + max(1, math.ceil(len(read) / 2)), collection_id
        portal = set(collection.records(user).values_list(collection.id_field, flat=True))
        assert set(read) == portal == expected(world, reader, collection_id), collection_id
        if reader not in CLEARED:
            text = target.read_text(encoding="utf-8")
            assert not [mark for mark in SECRET_MARKS if mark in text], collection_id
    assert len(expected(world, reader, "buildings")) > 2  # more than one page


@pytest.mark.parametrize("reader", ["county", "officer"])
def test_an_attribute_filter_is_answered_by_the_server(world, landing, requests_seen, reader):
    user = world.users[reader]
    args = ["ogrinfo", "-ro", "-al", "-where", "use_type = 'office'", landing, "buildings"]
    done = run_gdal(args, world.tokens[reader])
    assert done.returncode == 0, done.stderr
    read = {int(fid) for fid in FEATURE.findall(done.stdout)}
    portal = Building.objects.visible_to(user).filter(use_type="office")
    assert read == set(portal.values_list("pk", flat=True))
    assert read
    assert world.secret["buildings"] not in read
    # GDAL found use_type among the collection's query parameters in the OpenAPI document and
    # sent the filter, rather than reading everything and filtering itself.
    assert any("/items?" in seen and "use_type=office" in seen for seen in requests_seen)


@pytest.mark.parametrize("token", [None, "0" * 40], ids=["no credentials", "unknown token"])
def test_without_valid_credentials_gdal_reads_nothing(world, landing, tmp_path, token):
    listed = run_gdal(["ogrinfo", "-ro", "-q", landing], token)
    assert listed.returncode != 0
    assert "401" in listed.stderr
    assert not LAYER.findall(listed.stdout)
    target = tmp_path / "buildings.geojson"
    args = ["ogr2ogr", "-f", "GeoJSON", str(target), landing, "buildings"]
    copied = run_gdal(args, token)
    assert copied.returncode != 0
    assert not target.exists()


def test_gdal_pages_with_the_page_size_asked_up_to_the_maximum(
    world, landing, tmp_path, requests_seen
):
    """GDAL 3.6 asks ``limit=10`` unless told otherwise: it reads no page size from the API
    (GDAL 3.8 and later do, see test_gdal_crs.py). With ``PAGE_SIZE`` at the API's maximum a
    whole collection of this size comes in one items request."""
    reader = "province"
    written = export(
        landing,
        "buildings",
        world.tokens[reader],
        tmp_path / "buildings.geojson",
        "-oo",
        f"PAGE_SIZE={MAX_LIMIT}",
    )
    assert len(written["features"]) == len(expected(world, reader, "buildings"))
    items = [seen for seen in requests_seen if seen.startswith("/ogc/collections/buildings/items")]
    assert items
    assert all(f"limit={MAX_LIMIT}" in seen for seen in items)
    # One request establishes the layer's fields, one reads: no next page was needed.
    assert len(items) == math.ceil(len(written["features"]) / MAX_LIMIT) + 1
