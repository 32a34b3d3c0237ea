"""System checks of the map settings, so `manage.py check` reports a bad basemap before start."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from portal.maps.basemaps import configured_basemaps


@checks.register(checks.Tags.compatibility)
def check_basemaps(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report a malformed ``TIANFU_BASEMAPS`` entry as an error naming the entry and key."""
    try:
        configured_basemaps()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="maps.E001")]
    return []
