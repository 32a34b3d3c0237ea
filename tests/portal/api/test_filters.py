"""The shared FilterSets through the API: space in degrees and metres, divisions, attributes."""

import json

import pytest
from django.contrib.gis.geos import Point

from portal.org.choices import Role
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    CategoryFactory,
    StockItemFactory,
    VehicleFactory,
)
from tests.portal.api.cases import ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def assets(units):
    """Two assets about 1,109 m apart in 锦江区 and one in 涪城区."""
    near = AssetFactory(holder=units["jinjiang"], geom=Point(104.08, 30.63, srid=4490))
    far = AssetFactory(
        holder=units["jinjiang"],
        geom=Point(104.08, 30.64, srid=4490),
        status="idle",
        name="会议桌",
        category=CategoryFactory(code="6010000", name="家具"),
    )
    other = AssetFactory(holder=units["fucheng"], net_value=100)
    return near, far, other


def found(api, params):
    response = api.get("/api/assets/", params)
    assert response.status_code == 200, response.content
    return ids(response)


def test_spatial_filters(api, login, assets):
    login()
    near, far, _ = assets
    assert found(api, {"bbox": "104.07,30.62,104.09,30.635"}) == {near.pk}
    assert found(api, {"near": "104.08,30.63,1000"}) == {near.pk}
    assert found(api, {"near": "104.08,30.63,1200"}) == {near.pk, far.pk}
    square = [
        [104.07, 30.635],
        [104.09, 30.635],
        [104.09, 30.65],
        [104.07, 30.65],
        [104.07, 30.635],
    ]
    polygon = json.dumps({"type": "Polygon", "coordinates": [square]})
    assert found(api, {"intersects": polygon}) == {far.pk}


def test_division_and_unit_filters(api, login, units, assets):
    login()
    near, far, other = assets
    assert found(api, {"division": "510100"}) == {near.pk, far.pk}
    assert found(api, {"division": "510703"}) == {other.pk}
    assert found(api, {"unit": units["fucheng"].credit_code.lower()}) == {other.pk}


def test_attribute_and_text_filters(api, login, assets):
    login()
    _, far, other = assets
    assert found(api, {"status": "idle"}) == {far.pk}
    assert found(api, {"category": "601"}) == {far.pk}
    assert found(api, {"max_value": "500"}) == {other.pk}
    assert found(api, {"q": "会议"}) == {far.pk}
    assert found(api, {"status": "idle", "division": "510703"}) == set()


def test_filters_combine_with_scope(api, login, units, assets):
    login(Role.DIVISION_ADMIN, units["fucheng"])
    assert found(api, {"division": "510100"}) == set()


def test_other_models_filter_too(api, login, units):
    login()
    office = BuildingFactory(managing_unit=units["jinjiang"])
    BuildingFactory(managing_unit=units["fucheng"], use_type="service")
    assert ids(api.get("/api/buildings/", {"use_type": "office"})) == {office.pk}
    assert ids(api.get("/api/buildings/", {"bbox": "104.0,30.5,104.2,30.7"})) == {office.pk}
    car = VehicleFactory(holder=units["jinjiang"], status="maintenance")
    VehicleFactory(holder=units["jinjiang"])
    assert ids(api.get("/api/vehicles/", {"status": "maintenance"})) == {car.pk}
    stock = StockItemFactory(depot__managing_unit=units["fucheng"])
    StockItemFactory(depot__managing_unit=units["jinjiang"])
    assert ids(api.get("/api/stock-items/", {"bbox": "104.6,31.4,104.8,31.5"})) == {stock.pk}
    assert ids(api.get("/api/stock-items/", {"depot": stock.depot.code})) == {stock.pk}
