"""Vector tiles: decoded, with features where they belong, filtered and scoped like the lists."""

from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.test import RequestFactory

from portal.core.choices import Confidentiality
from portal.maps.tile_views import TileView
from portal.maps.tiles import CELL_CAP, SOURCES
from portal.org.choices import Role
from portal.org.models import User
from tests.factories import AssetFactory, UserFactory
from tests.portal.maps.mvt import HERE, NEAR, decode, pixel, tile_at, tile_url

pytestmark = pytest.mark.django_db

FULL = tile_at(*HERE, 14)  # assets are drawn one by one from zoom 13
CELLS = tile_at(*HERE, 10)


def assets_in(client, tile, **params) -> list[dict]:
    response = client.get(tile_url("assets", tile), params)
    assert response.status_code == 200, response.content
    return decode(response).get("assets", [])


def total(features: list[dict], name: str = "count") -> float:
    return sum(f["properties"].get(name, 0) for f in features)


def test_a_full_zoom_tile_carries_each_record_where_it_stands(tile_client, tile_world):
    features = {f["id"]: f for f in assets_in(tile_client, FULL)}
    assert set(features) == {tile_world.own.pk, tile_world.other.pk}
    own = features[tile_world.own.pk]
    assert own["properties"] == {
        "name": tile_world.own.name,
        "ledger_code": tile_world.own.ledger_code,
        "status": "in_use",
        "net_value": 3000.0,
    }
    for record, lonlat in ((tile_world.own, HERE), (tile_world.other, NEAR)):
        x, y = features[record.pk]["geometry"]["coordinates"]
        expected_x, expected_y = pixel(*lonlat, FULL)
        assert abs(x - expected_x) <= 1
        assert abs(y - expected_y) <= 1


def test_below_the_aggregation_zoom_a_tile_counts_per_cell(tile_client, tile_world):
    features = assets_in(tile_client, CELLS)
    # Cells have no feature id, which the decoder reports as protobuf's default 0.
    assert all(f["id"] == 0 for f in features)
    assert total(features) == 2
    assert total(features, "count_in_use") == 1
    assert total(features, "count_idle") == 1
    assert total(features, "net_value") == pytest.approx(4000.50)
    # One point per 64 px cell, at the cell's centre.
    for feature in features:
        x, y = feature["geometry"]["coordinates"]
        assert (x % 1024, y % 1024) == (512, 512)


def test_a_crowded_cell_becomes_one_count_at_full_zoom(tile_client, tile_world):
    here = tile_world.own.geom
    crowd = AssetFactory.create_batch(CELL_CAP, holder=tile_world.jinjiang, geom=here)
    features = assets_in(tile_client, FULL)
    cells = [f for f in features if "count" in f["properties"]]
    records = {f["id"] for f in features if "count" not in f["properties"]}
    # 32 px cells: 512 tile units. NEAR is counted with HERE only if it falls in the same cell.
    shared = cell_of(HERE, FULL) == cell_of(NEAR, FULL)
    assert len(cells) == 1
    assert cells[0]["properties"]["count"] == CELL_CAP + 1 + shared
    assert cells[0]["properties"]["count_in_use"] == CELL_CAP + 1
    assert records == (set() if shared else {tile_world.other.pk})
    assert not records & {asset.pk for asset in [tile_world.own, *crowd]}


def cell_of(lonlat, tile) -> tuple[float, float]:
    x, y = pixel(*lonlat, tile)
    return x // 512, y // 512


def test_filters_are_those_of_the_lists_at_full_zoom(tile_client, tile_world):
    def ids(**params):
        return {f["id"] for f in assets_in(tile_client, FULL, **params)}

    assert ids() == ids(unknown="ignored") == {tile_world.own.pk, tile_world.other.pk}
    assert ids(status="idle") == {tile_world.other.pk}
    assert ids(status=["idle", "in_use"]) == {tile_world.own.pk, tile_world.other.pk}
    assert ids(division="510104") == {tile_world.own.pk}
    assert ids(bbox="104.1,30.7,104.2,30.8") == set()
    assert ids(near=f"{HERE[0]},{HERE[1]},20") == {tile_world.own.pk}
    around_near = Point(*NEAR, srid=4490).buffer(0.0001)
    assert ids(intersects=around_near.json) == {tile_world.other.pk}


def test_filters_are_those_of_the_lists_below_the_aggregation_zoom(tile_client, tile_world):
    idle = assets_in(tile_client, CELLS, status="idle")
    assert (total(idle), total(idle, "count_idle"), total(idle, "net_value")) == (1, 1, 1000.5)
    own = assets_in(tile_client, CELLS, division="510104")
    assert (total(own), total(own, "count_in_use"), total(own, "net_value")) == (1, 1, 3000)
    assert assets_in(tile_client, CELLS, bbox="104.1,30.7,104.2,30.8") == []


def test_a_status_filter_counts_identical_records_apart(tile_client, tile_world):
    # Status filters make the FilterSet add DISTINCT; two idle assets with the same place and
    # value must still count as two.
    AssetFactory(
        holder=tile_world.wuhou,
        geom=Point(*NEAR, srid=4490),
        status="idle",
        net_value=Decimal("1000.50"),
    )
    idle = assets_in(tile_client, CELLS, status="idle")
    assert total(idle) == 2


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"status": "lost"}, "status"),
        ({"division": "999999"}, "division"),
        ({"bbox": "104,30"}, "bbox"),
        ({"min_value": "lots"}, "min_value"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(tile_client, tile_world, params, parameter):
    response = tile_client.get(tile_url("assets", FULL), params)
    assert response.status_code == 400
    body = response.json()
    assert parameter in body["errors"]
    assert parameter in body["detail"]


@pytest.mark.parametrize("tile", [(21, 0, 0), (3, 8, 0), (3, 0, 8), ("z", 0, 0), (3, "-1", 0)])
def test_tiles_outside_the_grid_answer_400(tile_client, tile):
    response = tile_client.get(tile_url("assets", tile))
    assert response.status_code == 400
    assert response.json()["detail"]


def test_unknown_layers_answer_404(tile_client):
    response = tile_client.get(tile_url("treasure", FULL))
    assert response.status_code == 404
    assert "assets" in response.json()["detail"]


@pytest.mark.parametrize("tile", [FULL, CELLS], ids=["records", "cells"])
def test_a_county_officer_sees_only_its_county(client, tile_world, tile):
    officer = UserFactory(role=Role.DIVISION_ADMIN, unit=tile_world.jinjiang)
    client.force_login(officer)
    features = assets_in(client, tile)
    if tile == FULL:
        assert {f["id"] for f in features} == {tile_world.own.pk}
    else:
        assert total(features) == 1
        assert total(features, "count_idle") == 0


@pytest.mark.parametrize("tile", [FULL, CELLS], ids=["records", "cells"])
def test_secret_records_need_clearance(client, tile_world, tile):
    for clearance, expected in ((Confidentiality.INTERNAL, 2), (Confidentiality.SECRET, 3)):
        user = UserFactory(role=Role.PROVINCE_ADMIN, unit=tile_world.jinjiang, clearance=clearance)
        client.force_login(user)
        features = assets_in(client, tile)
        seen = len(features) if tile == FULL else total(features)
        assert seen == expected
        ids = {f.get("id") for f in features}
        assert (tile_world.secret.pk in ids) is (tile == FULL and expected == 3)


def signed_request(user, layer: str, tile, headers: dict | None = None):
    """A tile request of ``user``, whose unit and division are loaded, as a session would not."""
    request = RequestFactory().get(tile_url(layer, tile), headers=headers)
    request.user = User.objects.select_related("unit__division").get(pk=user.pk)
    return request


def get_tile(request, layer: str, tile):
    return TileView.as_view()(request, layer, *map(str, tile))


@pytest.mark.parametrize("layer", list(SOURCES))
@pytest.mark.parametrize("zoom", [6, 14])
def test_one_query_per_tile(tile_world, django_assert_num_queries, layer, zoom):
    officer = UserFactory(role=Role.DIVISION_ADMIN, unit=tile_world.jinjiang)
    request = signed_request(officer, layer, tile_at(*HERE, zoom))
    with django_assert_num_queries(1):
        assert get_tile(request, layer, tile_at(*HERE, zoom)).status_code == 200


def test_one_query_per_filtered_tile(tile_world, django_assert_num_queries):
    officer = UserFactory(role=Role.DIVISION_ADMIN, unit=tile_world.jinjiang)
    request = signed_request(officer, "assets", FULL)
    request.GET = request.GET.copy()
    request.GET.update({"status": "idle", "min_value": "100", "q": "计算机"})
    with django_assert_num_queries(1):
        assert get_tile(request, "assets", FULL).status_code == 200


def test_a_not_modified_answer_is_one_query_too(tile_world, django_assert_num_queries):
    admin = UserFactory(role=Role.PROVINCE_ADMIN, unit=tile_world.jinjiang)
    etag = get_tile(signed_request(admin, "assets", FULL), "assets", FULL)["ETag"]
    again = signed_request(admin, "assets", FULL, headers={"If-None-Match": etag})
    with django_assert_num_queries(1):
        assert get_tile(again, "assets", FULL).status_code == 304


def test_headers_say_what_a_tile_is_and_who_may_cache_it(tile_client, tile_world):
    response = tile_client.get(tile_url("assets", FULL))
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert set(response["Cache-Control"].split(", ")) == {"private", "max-age=60"}
    assert response["ETag"].startswith('"')
    assert len(response["ETag"]) == 34


def test_a_matching_etag_answers_304_until_the_data_changes(tile_client, tile_world):
    url = tile_url("assets", FULL)
    etag = tile_client.get(url)["ETag"]
    again = tile_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    tile_world.own.status = "idle"
    tile_world.own.save()
    changed = tile_client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_etag_depends_on_the_query_and_the_user(client, tile_client, tile_world):
    url = tile_url("assets", FULL)
    etag = tile_client.get(url)["ETag"]
    assert tile_client.get(url, {"status": "idle"})["ETag"] != etag
    client.force_login(UserFactory(role=Role.DIVISION_ADMIN, unit=tile_world.jinjiang))
    assert client.get(url)["ETag"] != etag


def test_an_empty_tile_is_an_empty_200(tile_client, tile_world):
    response = tile_client.get(tile_url("assets", tile_at(90.0, 45.0, 14)))
    assert response.status_code == 200
    assert response.content == b""


def test_tiles_need_a_signed_in_user(client, tile_world):
    response = client.get(tile_url("assets", FULL))
    assert response.status_code == 403
    assert response.json()["detail"]


def test_aggregated_points_keep_their_exact_count_across_tiles(tile_client, tile_world):
    spread = [Point(104.0 + i * 0.013, 30.6 + i * 0.007, srid=4490) for i in range(12)]
    for point in spread:
        AssetFactory(holder=tile_world.jinjiang, geom=point)
    z = 11
    tiles = {tile_at(p.x, p.y, z) for p in [*spread, tile_world.own.geom, tile_world.other.geom]}
    counted = sum(total(assets_in(tile_client, tile)) for tile in tiles)
    assert counted == len(spread) + 2
