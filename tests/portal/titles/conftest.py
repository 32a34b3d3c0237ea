"""Shared fixtures of the title registry tests (workflow, documents, pages, conflicts…).

Uploads go to a temporary media folder, so no test leaves a file in the working tree.
"""

import pytest

from tests.portal.titles.case_data import Campaign, campaign


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def titles(db) -> Campaign:
    """A unit's case in 锦江区, another unit's in 涪城区, Chengdu's offices administration and
    users of every role (see :mod:`tests.portal.titles.case_data`)."""
    return campaign()
