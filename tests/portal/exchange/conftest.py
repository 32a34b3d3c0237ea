"""Who imports and for whom, and where the uploads go: a temporary media folder, so no test
leaves an uploaded file in the working tree."""

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


@pytest.fixture
def officer(holder):
    return UserFactory(role=Role.UNIT_OFFICER, unit=holder)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
