"""Air-gapped intranets: nothing the portal serves may point at another host."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from portal.org.choices import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", re.I)
CSS_LOAD = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])(?:https?:)?//""", re.I)
OWN = Path(settings.BASE_DIR, "portal")


def static_files():
    """Every collected static file, with the pattern that flags a load from another host.

    Our own files must not even mention another host; third-party CSS must not load from one
    (their JS may carry URLs in comments and docs, e.g. the admin's xregexp). Libraries vendored
    under an app's ``static/<app>/vendor/`` (written by `make vendor`) are third-party too:
    Leaflet's JS, for one, names its home page in an attribution link the map switches off.
    """
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore_patterns=["*.map"]):
            vendored = "/vendor/" in f"/{Path(path).as_posix()}"
            own = Path(storage.path(path)).is_relative_to(OWN) and not vendored
            if own and path.endswith((".html", ".css", ".js")):
                yield path, storage, EXTERNAL
            elif path.endswith(".css"):
                yield path, storage, CSS_LOAD


def test_pages_reference_no_other_host(client):
    user = UserFactory(role=Role.PROVINCE_ADMIN)
    pages = [reverse("login")]
    client.force_login(user)
    pages += [reverse("core:home"), reverse("admin:index")]
    for url in pages:
        body = client.get(url).content.decode()
        assert not EXTERNAL.search(body), f"{url}: {EXTERNAL.search(body).group(0)}"


def test_static_files_reference_no_other_host():
    checked = 0
    for path, storage, pattern in static_files():
        with storage.open(path) as handle:
            text = handle.read().decode("utf-8", errors="replace")
        match = pattern.search(text)
        assert match is None, f"{path}: {match.group(0)}"
        checked += 1
    assert checked > 0
