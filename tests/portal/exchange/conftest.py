"""Who imports and for whom: a province administrator, and a unit holding computers."""

import pytest

from portal.org.choices import Role
from tests.factories import CategoryFactory, UnitFactory, UserFactory


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.PROVINCE_ADMIN)


@pytest.fixture
def holder(db):
    CategoryFactory(code="2010100")
    return UnitFactory()
