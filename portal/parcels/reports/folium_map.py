"""The campaign's choropleth as a standalone folium map: a zip of ``map.html`` and ``assets/``.

folium writes CDN links for Leaflet, jQuery, Bootstrap and Font Awesome. :class:`LocalMap`
replaces them with the portal's vendored Leaflet, copied into ``assets/`` beside the page, so
the file works on an intranet with no route to the internet; the rest is not needed for a
GeoJSON layer with tooltips. The basemap is the portal's offline one (the hillshade, embedded
in the page), not a configured tile server: ``TIANFU_BASEMAPS`` entries are other hosts or paths
on the portal, and a file opened from disk must reach neither.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any, Final

import folium
from django.apps import apps
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from portal.maps.basemaps import HILLSHADE_IMAGE, basemap_config
from portal.parcels.campaign import Campaign, legend
from portal.parcels.reports import report_title

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
LEGEND_STYLE: Final = (
    "position:absolute;z-index:1000;bottom:24px;left:12px;background:#fff;padding:8px 10px;"
    "border:1px solid #9aa5b1;border-radius:4px;font:13px 'Noto Sans CJK SC',sans-serif;"
)
SWATCH_STYLE: Final = (
    "display:inline-block;width:14px;height:10px;margin-right:6px;border:1px solid #52606d;"
)


class LocalMap(folium.Map):
    """A folium map whose only scripts and stylesheets are Leaflet's, at relative paths."""

    default_js = [("leaflet", LEAFLET_JS)]
    default_css = [("leaflet_css", LEAFLET_CSS)]


def static_dir(app_label: str) -> Path:
    return Path(apps.get_app_config(app_label).path) / "static"


def _tooltip_features(campaign: Campaign) -> dict[str, Any]:
    """The regions with a printable share ("—" where there is no case) for the tooltips."""
    features = []
    for feature in campaign.regions["features"]:
        if not feature["geometry"]:
            continue
        properties = dict(feature["properties"])
        share = properties["share"]
        properties["share"] = "—" if share is None else f"{share}%"
        features.append({**feature, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    colour = feature["properties"]["colour"]
    return {"fillColor": colour, "color": "#52606d", "weight": 1, "fillOpacity": 0.85}


def _legend_html(campaign: Campaign) -> str:
    rows = format_html_join(
        "",
        '<div><span style="{}background:{}"></span>{}</div>',
        ((SWATCH_STYLE, colour, label) for colour, label in legend()),
    )
    return format_html(
        '<div class="campaign-legend" style="{}"><strong>{}</strong><div>{} · {}</div>{}</div>',
        LEGEND_STYLE,
        _("Share registered"),
        report_title(),
        campaign.today.isoformat(),
        rows,
    )


def _hillshade(folium_map: folium.Map) -> None:
    image = static_dir("maps") / HILLSHADE_IMAGE
    bounds = basemap_config()["offline"]["hillshade"]["bounds"]
    folium.raster_layers.ImageOverlay(
        str(image), bounds=bounds, opacity=0.5, name=_("Hillshade"), attr=_("Hillshade: DEM")
    ).add_to(folium_map)


def campaign_map(campaign: Campaign) -> LocalMap:
    """The folium map: hillshade, the divisions coloured by share registered, a legend."""
    folium_map = LocalMap(location=[30.6, 104.0], zoom_start=6, tiles=None, control_scale=True)
    _hillshade(folium_map)
    collection = _tooltip_features(campaign)
    fields = ["name", "code", "share", "total", "registered", "overdue"]
    aliases = [
        _("Division"),
        _("Code"),
        _("Share registered"),
        _("Cases"),
        _("Registered"),
        _("Overdue"),
    ]
    layer = folium.GeoJson(
        collection,
        name=_("Share registered"),
        style_function=_style,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
    )
    layer.add_to(folium_map)
    if collection["features"]:
        folium_map.fit_bounds(layer.get_bounds())
    folium_map.get_root().html.add_child(folium.Element(_legend_html(campaign)))
    return folium_map


def map_html(campaign: Campaign) -> str:
    html: str = campaign_map(campaign).get_root().render()
    return html


def campaign_map_zip(campaign: Campaign) -> bytes:
    """``map.html`` and the Leaflet files it names, zipped; opens from disk with no network."""
    leaflet = static_dir("maps") / "maps" / "vendor" / "leaflet"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("map.html", map_html(campaign))
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
