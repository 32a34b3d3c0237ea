"""A small world for the OGC API – Features tests: three units in 锦江区, 武侯区 and 涪城区,
buildings with footprints (one unmapped, one secret), assets acquired on known days, and
readers of every reach: the province, a county administrator of 锦江区 and a cleared reader."""

import datetime as dt

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from portal.core.choices import Confidentiality
from portal.org.choices import Role
from portal.org.models import AdminDivision
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    DepotFactory,
    ListingFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    square,
)

OGC = "/ogc"


class OGCClient(Client):
    """The test client in English, reading the OGC API with a token or a session."""

    def __init__(self) -> None:
        super().__init__(HTTP_ACCEPT_LANGUAGE="en")

    def items(self, collection_id: str, **query):
        return self.get(f"{OGC}/collections/{collection_id}/items", query)

    def item(self, collection_id: str, feature_id, **query):
        return self.get(f"{OGC}/collections/{collection_id}/items/{feature_id}", query)

    def ids(self, collection_id: str, **query) -> list:
        """The feature ids of one page; fails unless the answer is 200."""
        response = self.items(collection_id, **query)
        assert response.status_code == 200, response.content
        return sorted(feature["id"] for feature in response.json()["features"])


def footprint(unit, index: int):
    """A 80 m square east of the unit's location, one per building."""
    return square(unit.location.x + 0.002 * index, unit.location.y, 0.0004)


@pytest.fixture
def world(db):
    units = {
        "jinjiang": UnitFactory(division_code="510104"),
        "wuhou": UnitFactory(division_code="510107"),
        "fucheng": UnitFactory(division_code="510703"),
    }
    AdminDivision.objects.filter(code="510104").update(valid_from=dt.date(2019, 1, 1))
    AdminDivision.objects.filter(code="510107").update(valid_from=dt.date(2021, 6, 30))

    def building(unit, index, **extra):
        return BuildingFactory(
            managing_unit=units[unit], footprint=footprint(units[unit], index), **extra
        )

    buildings = {
        "jinjiang": [building("jinjiang", 1, year_built=1998), building("jinjiang", 2)],
        "unmapped": BuildingFactory(managing_unit=units["jinjiang"], footprint=None),
        "secret": building("jinjiang", 3, confidentiality=Confidentiality.SECRET),
        "wuhou": [building("wuhou", 1), building("wuhou", 2)],
        "fucheng": [building("fucheng", 1)],
    }

    def asset(unit, day, **extra):
        return AssetFactory(holder=units[unit], acquired_on=day, **extra)

    assets = {
        "2020-01-15": asset("jinjiang", dt.date(2020, 1, 15)),
        "2021-06-30": asset("jinjiang", dt.date(2021, 6, 30)),
        "2022-03-01": asset("jinjiang", dt.date(2022, 3, 1), status="idle"),
        "wuhou-2021-06-30": asset("wuhou", dt.date(2021, 6, 30)),
        "undated": asset("fucheng", None),
    }
    idle = assets["2022-03-01"]
    ListingFactory(
        asset=idle,
        geom=idle.geom,
        division=idle.holder.division,
        category=idle.category,
        condition="good",
        original_value=6000,
        net_value=3000,
        acquired_on=idle.acquired_on,
    )
    for unit in units.values():
        ParcelFactory(holder=unit)
        DepotFactory(managing_unit=unit)
    return {"units": units, "buildings": buildings, "assets": assets}


@pytest.fixture
def province(world):
    return UserFactory(role=Role.PROVINCE_ADMIN, unit=world["units"]["jinjiang"])


@pytest.fixture
def county(world):
    """The administrator of 锦江区: reads that county's records only."""
    return UserFactory(role=Role.DIVISION_ADMIN, unit=world["units"]["jinjiang"])


@pytest.fixture
def cleared(world):
    return UserFactory(
        role=Role.PROVINCE_ADMIN,
        unit=world["units"]["jinjiang"],
        clearance=Confidentiality.SECRET,
    )


@pytest.fixture
def ogc():
    return OGCClient()


@pytest.fixture
def reader(ogc, province):
    """``ogc`` signed in as the province administrator with a session."""
    ogc.force_login(province)
    return ogc


@pytest.fixture
def token_reader(province):
    """A client sending the province administrator's API token, as GDAL and QGIS do."""
    token = Token.objects.create(user=province)
    client = OGCClient()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client
