"""The campaign's choropleth as a standalone folium map: a zip of ``map.html`` and ``assets/``
that opens from disk with no network (see :mod:`portal.maps.folium_export`)."""

from __future__ import annotations

from typing import Any, Final

import folium
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from portal.maps.folium_export import LEGEND_STYLE, LocalMap, map_zip, offline_map
from portal.parcels.campaign import Campaign, legend
from portal.parcels.reports import report_title

SWATCH_STYLE: Final = (
    "display:inline-block;width:14px;height:10px;margin-right:6px;border:1px solid #52606d;"
)


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


def campaign_map(campaign: Campaign) -> LocalMap:
    """The folium map: hillshade, the divisions coloured by share registered, a legend."""
    folium_map = offline_map(zoom_start=6)
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


def campaign_map_zip(campaign: Campaign) -> bytes:
    return map_zip(campaign_map(campaign))
