import pytest

from tests.factories import UserFactory


@pytest.fixture
def officer():
    return UserFactory(username="officer")
