"""Shared set-up of the API tests: a client speaking English, and a small scoped world."""

from decimal import Decimal

import factory
import pytest
from django.test import Client

from portal.buildings.models import Occupancy
from portal.org.choices import Role
from tests.factories import BuildingFactory, UnitFactory, UserFactory


class OccupancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupancy

    unit = factory.SubFactory(UnitFactory)
    building = factory.SubFactory(BuildingFactory, managing_unit=factory.SelfAttribute("..unit"))
    usable_area_m2 = Decimal("240.00")
    staff_by_rank = factory.LazyFunction(lambda: {"staff": 10})


class ApiClient(Client):
    """The Django test client with English messages and JSON bodies by default."""

    def __init__(self) -> None:
        super().__init__(HTTP_ACCEPT_LANGUAGE="en")

    def post_json(self, url, data):
        return self.post(url, data, content_type="application/json")

    def patch_json(self, url, data):
        return self.patch(url, data, content_type="application/json")

    def put_json(self, url, data):
        return self.put(url, data, content_type="application/json")


@pytest.fixture
def api():
    return ApiClient()


@pytest.fixture
def units(db):
    """A unit in 锦江区 and 武侯区 (Chengdu) and 涪城区 (Mianyang)."""
    return {
        "jinjiang": UnitFactory(division_code="510104"),
        "wuhou": UnitFactory(division_code="510107"),
        "fucheng": UnitFactory(division_code="510703"),
    }


@pytest.fixture
def login(api):
    """Sign ``api`` in as a new user with ``role`` in ``unit``; returns the user."""

    def sign_in(role=Role.PROVINCE_ADMIN, unit=None, **extra):
        user = UserFactory(role=role, unit=unit or UnitFactory(), **extra)
        api.force_login(user)
        return user

    return sign_in
