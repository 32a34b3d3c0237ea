"""Standalone folium maps (the title campaign's, a coverage analysis', a siting scenario's): a zip
of ``map.html`` and ``assets/`` that opens from disk with no network.

folium writes CDN links for Leaflet, jQuery, Bootstrap and Font Awesome. :class:`LocalMap`
replaces them with the portal's vendored Leaflet, copied into ``assets/`` beside the page, so
the file works on an intranet with no route to the internet; the rest is not needed for GeoJSON
layers, markers and tooltips. The basemap is the portal's offline one (the hillshade, embedded
in the page), not a configured tile server: ``TIANFU_BASEMAPS`` entries are other hosts or paths
on the portal, and a file opened from disk must reach neither.
"""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path
from typing import Any, Final

import folium
from django.apps import apps
from django.utils.translation import gettext as _

from portal.maps.basemaps import HILLSHADE_IMAGE, basemap_config

ASSETS: Final = "assets"
LEAFLET_JS: Final = f"{ASSETS}/leaflet/leaflet.js"
LEAFLET_CSS: Final = f"{ASSETS}/leaflet/leaflet.css"
# Leaflet's stylesheet names its control images relative to itself, so they travel with it.
LEAFLET_FILES: Final = (
    "leaflet.js",
    "leaflet.css",
    "LICENSE",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)
# A legend box in the map's lower left corner (folium has no legend of its own).
LEGEND_STYLE: Final = (
    "position:absolute;z-index:1000;bottom:24px;left:12px;background:#fff;padding:8px 10px;"
    "border:1px solid #9aa5b1;border-radius:4px;font:13px 'Noto Sans CJK SC',sans-serif;"
)
CENTRE: Final = (30.6, 104.0)  # Chengdu: where the map opens before it fits its data


def safe_text(text: Any) -> str:
    """``text`` fit for a folium ``Tooltip``/``Popup`` or a ``GeoJsonTooltip`` field. folium
    writes a tooltip's text unescaped into a JavaScript template literal that Leaflet puts into
    ``innerHTML``, and a GeoJSON field's value into ``innerHTML`` too; registry names are typed
    by users. Escaped as HTML, with the backtick and ``$`` (which could end the literal or open a
    ``${…}`` in it) as character references, it shows as the text it is."""
    escaped = html.escape(str(text), quote=True)
    return escaped.replace("`", "&#96;").replace("$", "&#36;")


def safe_properties(collection: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A copy of a GeoJSON FeatureCollection whose text properties ``keys`` are
    :func:`safe_text`, for a ``GeoJsonTooltip`` (the page's own map shows them as text)."""
    features = [
        {
            **feature,
            "properties": {
                name: safe_text(value) if name in keys and isinstance(value, str) else value
                for name, value in feature["properties"].items()
            },
        }
        for feature in collection["features"]
    ]
    return {**collection, "features": features}


class LocalMap(folium.Map):
    """A folium map whose only scripts and stylesheets are Leaflet's, at relative paths."""

    default_js = [("leaflet", LEAFLET_JS)]
    default_css = [("leaflet_css", LEAFLET_CSS)]


def static_dir(app_label: str) -> Path:
    return Path(apps.get_app_config(app_label).path) / "static"


def offline_map(*, zoom_start: int) -> LocalMap:
    """A map with no tile layer over the hillshade, embedded in the page."""
    folium_map = LocalMap(
        location=list(CENTRE), zoom_start=zoom_start, tiles=None, control_scale=True
    )
    image = static_dir("maps") / HILLSHADE_IMAGE
    bounds = basemap_config()["offline"]["hillshade"]["bounds"]
    folium.raster_layers.ImageOverlay(
        str(image), bounds=bounds, opacity=0.5, name=_("Hillshade"), attr=_("Hillshade: DEM")
    ).add_to(folium_map)
    return folium_map


def map_zip(folium_map: folium.Map) -> bytes:
    """``map.html`` and the Leaflet files it names, zipped; opens from disk with no network."""
    leaflet = static_dir("maps") / "maps" / "vendor" / "leaflet"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("map.html", folium_map.get_root().render())
        for name in LEAFLET_FILES:
            archive.write(leaflet / name, f"{ASSETS}/leaflet/{name}")
        archive.writestr(f"{ASSETS}/README.txt", _readme())
    return buffer.getvalue()


def _readme() -> str:
    lines = [
        _("Open map.html in a browser; it needs no network."),
        _("assets/leaflet: Leaflet 1.9.4 (BSD-2-Clause, see LICENSE), copied from the portal."),
    ]
    return "\n".join(lines) + "\n"
