"""Basemaps of the map page: the offline one drawn by the portal and configured tile servers.

The offline basemap needs nothing outside the portal: division boundaries and labels from the
registry (``/divisions/basemap.geojson``) over a plain background, with a hillshade rendered from
the DEM by ``fixtures/build_hillshade.py``. Tile basemaps come from the ``TIANFU_BASEMAPS`` setting
(a JSON list, documented in ``.env.example``), read and checked when the page asks for them, so a
bad entry is reported by ``manage.py check`` and names the entry and the key to fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.urls import reverse

HILLSHADE_IMAGE = "maps/basemap/hillshade.png"
_HILLSHADE_BOUNDS = Path(__file__).parent / "static" / "maps" / "basemap" / "hillshade.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# A tile server is either another host (an intranet server, Tianditu) or a path on this portal.
_URL = re.compile(r"^(?:https?://[^/\s]+)?/\S*$")
_KEYS = {
    "name",
    "label",
    "url",
    "labels_url",
    "attribution",
    "approval_no",
    "max_zoom",
    "gcj02",
    "subdomains",
    "tk",
}


@dataclass(frozen=True)
class TileBasemap:
    """One configured XYZ/WMTS basemap, in the shape the map's JavaScript reads."""

    name: str
    label: str
    url: str
    attribution: str
    approval_no: str = ""
    labels_url: str = ""
    max_zoom: int = 18
    gcj02: bool = False
    subdomains: str = ""
    tk: str = ""


def _fail(index: int, message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"TIANFU_BASEMAPS[{index}]: {message} (see .env.example)")


def _check_url(index: int, key: str, url: object) -> None:
    if not isinstance(url, str) or not _URL.match(url):
        raise _fail(index, f"{key} must be an http(s) URL or a path starting with /")
    if key == "url" and not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise _fail(index, "url must contain {z}, {x} and {y}")


def _check_types(index: int, entry: dict[str, Any]) -> None:
    if not isinstance(entry.get("max_zoom", 18), int) or not 1 <= entry.get("max_zoom", 18) <= 22:
        raise _fail(index, "max_zoom must be a whole number from 1 to 22")
    if not isinstance(entry.get("gcj02", False), bool):
        raise _fail(index, "gcj02 must be true or false")
    for key in ("label", "attribution", "approval_no", "subdomains", "tk"):
        if not isinstance(entry.get(key, ""), str):
            raise _fail(index, f"{key} must be a string")


def parse_basemap(index: int, entry: object) -> TileBasemap:
    """Check one entry of the setting and return it; raise ImproperlyConfigured naming the fault."""
    if not isinstance(entry, dict):
        raise _fail(index, "each entry must be a JSON object")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise _fail(index, f"unknown keys {', '.join(unknown)}")
    if not isinstance(entry.get("name"), str) or not _NAME.match(entry["name"]):
        raise _fail(index, "name must be 1-40 characters a-z, 0-9 and -")
    _check_url(index, "url", entry.get("url"))
    if entry.get("labels_url"):
        _check_url(index, "labels_url", entry["labels_url"])
    if not isinstance(entry.get("attribution"), str) or not entry["attribution"].strip():
        raise _fail(index, "attribution is required: the map must credit its source")
    _check_types(index, entry)
    return TileBasemap(**{"label": entry["name"], **entry})


def configured_basemaps() -> list[TileBasemap]:
    """The ``TIANFU_BASEMAPS`` entries, checked; names must be unique and not ``offline``."""
    raw = getattr(settings, "TIANFU_BASEMAPS", [])
    if not isinstance(raw, list):
        raise ImproperlyConfigured("TIANFU_BASEMAPS must be a JSON list (see .env.example)")
    basemaps = [parse_basemap(index, entry) for index, entry in enumerate(raw)]
    names = [basemap.name for basemap in basemaps]
    if "offline" in names or len(set(names)) != len(names):
        raise ImproperlyConfigured("TIANFU_BASEMAPS: names must be unique and not 'offline'")
    return basemaps


@cache
def _hillshade_bounds() -> list[list[float]]:
    bounds: list[list[float]] = json.loads(_HILLSHADE_BOUNDS.read_text(encoding="utf-8"))["bounds"]
    return bounds


def basemap_config() -> dict[str, Any]:
    """What the map page's JavaScript needs to draw every basemap."""
    return {
        "offline": {
            "divisions": reverse("org:division_basemap"),
            "hillshade": {"url": static(HILLSHADE_IMAGE), "bounds": _hillshade_bounds()},
        },
        "tiles": [asdict(basemap) for basemap in configured_basemaps()],
    }
