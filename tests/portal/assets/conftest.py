"""Shared fixtures of the warehouse tests: uploads go to a temporary media folder, and service
messages are read in English (the default language is Chinese)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english():
    with translation.override("en"):
        yield
