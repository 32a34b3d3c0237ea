"""Origins the Content Security Policy must allow, worked out from other settings.

Imported by ``portal/settings.py``, so it uses nothing from Django: it only reads the plain
values the settings module has already parsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

# Leaflet's own default when a template has {s} but the entry names no subdomains.
LEAFLET_SUBDOMAINS = "abc"


def tile_origins(basemaps: object) -> list[str]:
    """The ``scheme://host[:port]`` of every tile URL template in ``TIANFU_BASEMAPS``.

    ``{s}`` in a host is expanded with each of the entry's subdomains (one character each, as
    Leaflet reads them) so the policy names exact hosts rather than a wildcard. Paths on the
    portal itself need nothing ('self'). Malformed entries are skipped here: the basemap check
    (``portal.maps.basemaps``) reports them with the key to fix.
    """
    if not isinstance(basemaps, list):
        return []
    origins: dict[str, None] = {}
    for entry in basemaps:
        if not isinstance(entry, dict):
            continue
        subdomains = entry.get("subdomains") or LEAFLET_SUBDOMAINS
        for key in ("url", "labels_url"):
            for origin in _origins(entry.get(key), str(subdomains)):
                origins[origin] = None
    return list(origins)


def origin(url: object) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL; None for a path or anything else."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _origins(template: object, subdomains: str) -> Iterable[str]:
    found = origin(template)
    if found is None:
        return []
    if "{s}" not in found:
        return [found]
    return [found.replace("{s}", letter) for letter in subdomains]
