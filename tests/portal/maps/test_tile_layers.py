"""Every layer of the registry and the division basemap serves tiles; TileJSON describes them."""

from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from portal.assets.models import SpaceListing
from portal.assets.services.space import publish_space
from portal.buildings.models import Building, Floor, Occupancy, Room, SpaceStandard
from portal.maps.layers import LAYERS
from portal.maps.tiles import MAX_ZOOM
from portal.org.choices import Role
from portal.parcels.models import ConflictRun, Finding
from tests.factories import (
    BuildingFactory,
    CategoryFactory,
    DepotFactory,
    ListingFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
    square,
)
from tests.portal.maps.mvt import HERE, decode, tile_at, tile_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(db) -> dict:
    """One record of each layer in 锦江区, all at (or around) HERE."""
    unit = UnitFactory(division_code="510104")
    building = BuildingFactory(managing_unit=unit, footprint=square(*HERE, 0.0002))
    return {
        "units": unit,
        "buildings": building,
        "office_space": over_standard(building),
        "shareable_space": offered_room(building),
        "parcels": ParcelFactory(holder=unit),
        "depots": DepotFactory(managing_unit=unit),
        "vehicles": VehicleFactory(holder=unit, base_building=building),
        "assets": None,  # covered in depth by test_tiles.py
        "warehouse": ListingFactory(
            asset__holder=unit,
            geom=Point(*HERE, srid=4490),
            division=unit.division,
            category=CategoryFactory(),
            condition="good",
            original_value=6000,
            net_value=3000,
        ),
        "conflicts": Finding.objects.create(
            kind="parcel_overlap",
            key="1:2",
            unit=unit,
            division=unit.division,
            geom=square(*HERE, 0.0001),
            first_run=ConflictRun.objects.create(),
        ),
    }


def over_standard(building: Building) -> Building:
    """``building`` with 2 county staff in 100 m², against 2 × 9 m² allowed."""
    SpaceStandard.objects.create(
        edition="2014", government_level="county", rank="staff", post="科级以下", area_m2=9
    )
    Occupancy.objects.create(
        unit=building.managing_unit,
        building=building,
        usable_area_m2=Decimal("100.00"),
        staff_by_rank={"staff": 2},
    )
    return building


def offered_room(building: Building) -> SpaceListing:
    floor = Floor.objects.create(building=building, number=2)
    room = Room.objects.create(floor=floor, number="201", usable_area_m2=Decimal("30.00"))
    user = UserFactory(role=Role.UNIT_OFFICER, unit=building.managing_unit)
    return publish_space(building, room=room, note="朝南", by=user)


@pytest.fixture
def signed_in(client, records):
    client.force_login(UserFactory(role=Role.PROVINCE_ADMIN, unit=records["units"]))
    return client


def features(client, layer: str, tile) -> dict[str, list]:
    response = client.get(tile_url(layer, tile))
    assert response.status_code == 200, response.content
    return decode(response)


@pytest.mark.parametrize("layer", [name for name in LAYERS if name != "assets"])
def test_each_layer_draws_its_records_from_its_zoom(signed_in, records, layer):
    record = records[layer]
    drawn = features(signed_in, layer, tile_at(*HERE, 14))[layer]
    assert [f["id"] for f in drawn] == [record.pk]
    assert set(drawn[0]["properties"]) <= set(LAYERS[layer].properties)
    kind = "Point" if LAYERS[layer].kind == "point" else "Polygon"
    assert drawn[0]["geometry"]["type"] == kind


@pytest.mark.parametrize("layer", [name for name in LAYERS if name != "assets"])
def test_each_layer_counts_per_cell_below_its_zoom(signed_in, records, layer):
    counted = features(signed_in, layer, tile_at(*HERE, 6))[layer]
    assert sum(f["properties"]["count"] for f in counted) == 1
    assert {f["geometry"]["type"] for f in counted} == {"Point"}
    style = LAYERS[layer].style_by
    if style is not None:  # a layer drawn in one colour counts no values
        value = getattr(records[layer], style)
        assert sum(f["properties"][f"count_{value}"] for f in counted) == 1


def test_a_vehicle_is_drawn_at_its_base_building(signed_in, records):
    tile = tile_at(*HERE, 16)
    [vehicle] = features(signed_in, "vehicles", tile)["vehicles"]
    # The building stands at its unit's location, HERE, which the units layer draws too.
    [unit] = features(signed_in, "units", tile)["units"]
    assert vehicle["geometry"]["coordinates"] == unit["geometry"]["coordinates"]


def test_divisions_show_counties_from_zoom_7_with_labels(signed_in, records):
    def names(z: int, layer: str) -> set[str]:
        return {
            f["properties"]["name"]
            for f in features(signed_in, "divisions", tile_at(*HERE, z))[layer]
        }

    assert {"四川省", "成都市"} <= names(5, "divisions")
    assert "锦江区" not in names(5, "divisions")
    assert {"四川省", "成都市", "锦江区"} <= names(12, "divisions")
    assert "锦江区" in names(12, "division_labels")
    [jinjiang] = [
        f
        for f in features(signed_in, "divisions", tile_at(*HERE, 12))["divisions"]
        if f["properties"]["code"] == "510104"
    ]
    assert jinjiang["properties"]["level"] == "county"
    assert jinjiang["geometry"]["type"] == "Polygon"


def tilejson(client, layer: str, **params):
    return client.get(reverse("maps:layer_tilejson", args=[layer]), params)


def test_tilejson_describes_a_layer_with_the_query_string(signed_in):
    response = tilejson(signed_in, "assets", status="idle", division="510104")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    document = response.json()
    assert document["tilejson"] == "3.0.0"
    assert document["tiles"] == [
        "http://testserver/tiles/assets/{z}/{x}/{y}.pbf?status=idle&division=510104"
    ]
    assert (document["minzoom"], document["maxzoom"]) == (0, MAX_ZOOM)
    west, south, east, north = document["bounds"]
    assert west < 97.35
    assert south < 26.05
    assert east > 110.19
    assert north > 34.31
    assert document["aggregate_below_zoom"] == LAYERS["assets"].aggregate_below_zoom
    [layer] = document["vector_layers"]
    assert layer["id"] == "assets"
    assert {"name", "ledger_code", "status", "net_value", "count", "count_idle"} <= set(
        layer["fields"]
    )
    assert all(isinstance(text, str) and text for text in layer["fields"].values())


def test_tilejson_of_the_divisions_names_both_layers(signed_in):
    document = tilejson(signed_in, "divisions").json()
    assert [layer["id"] for layer in document["vector_layers"]] == ["divisions", "division_labels"]
    assert document["tiles"][0].endswith("/tiles/divisions/{z}/{x}/{y}.pbf")
    assert "aggregate_below_zoom" not in document


def test_tilejson_refuses_what_the_tiles_refuse(client, signed_in):
    assert tilejson(signed_in, "assets", status="lost").status_code == 400
    assert tilejson(signed_in, "treasure").status_code == 404
    client.logout()
    assert tilejson(client, "assets").status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("layer", [name for name in LAYERS if name != "assets"])
def test_each_layer_exports_its_records(signed_in, records, layer, fmt):
    """Every layer has its export columns, and every value can be written (moments included)."""
    response = signed_in.get(reverse(f"maps:query_{fmt}"), {"layer": layer})
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 100


def test_a_reclassified_asset_changes_the_warehouse_tile(signed_in, records):
    """Who reads a listing follows its asset's classification: a tile of the warehouse is
    stale once the asset changes, though the listing's own row did not."""
    url = tile_url("warehouse", tile_at(*HERE, 14))
    etag = signed_in.get(url)["ETag"]
    assert signed_in.get(url, headers={"If-None-Match": etag}).status_code == 304
    asset = records["warehouse"].asset
    asset.confidentiality = "secret"
    asset.save(update_fields=["confidentiality"])
    changed = signed_in.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert decode(changed).get("warehouse", []) == []
