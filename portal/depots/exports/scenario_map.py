"""A siting scenario on a map: the page's map data and a standalone folium map.

Both draw the region's outline, the existing depots kept open and the new sites chosen, each
with its label and the people it serves. The folium map is a
:mod:`portal.maps.folium_export` one: a zip of ``map.html`` and the vendored Leaflet files it
names by relative path, over the offline hillshade embedded in the page, so it opens from disk
on an intranet with no route outside.
"""

from __future__ import annotations

from typing import Any, Final

import folium
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal.core.detail import feature
from portal.depots.exports.scenarios import site_link, site_rows
from portal.depots.models import SitingScenario
from portal.maps import folium_export
from portal.maps.folium_export import LEGEND_STYLE, LocalMap, offline_map, safe_text

# The page's colours (static/depots/js/scenario-map.js), so a printout and the page agree.
EXISTING_STYLE: Final = {"radius": 6, "color": "#3e4c59", "weight": 2, "fillColor": "#9aa5b1"}
NEW_STYLE: Final = {"radius": 8, "color": "#c65102", "weight": 2, "fillColor": "#f57c00"}
REGION_STYLE: Final = {"color": "#1f6feb", "weight": 1.5, "fillOpacity": 0.03}
# The outline is drawn at a thousandth of the region's extent: finer detail is lost at map scale
# (Sichuan's boundary goes from 350 kB of GeoJSON to 50 kB; a county keeps ≈ 30 m detail).
OUTLINE_DETAIL: Final = 1000


def _site_label(site: Any) -> str:
    people = _("%(people)s people served") % {"people": f"{round(site.population_served):,}"}
    return f"{site.label} · {site.get_source_display()} · {people}"


def _outline(scenario: SitingScenario) -> dict[str, Any]:
    boundary = scenario.region.geom
    west, south, east, north = boundary.extent
    tolerance = max(east - west, north - south) / OUTLINE_DETAIL
    return feature(boundary.simplify(tolerance, preserve_topology=True), label=str(scenario.region))


def page_map(scenario: SitingScenario, reader: Any) -> dict[str, Any]:
    """The map's data for ``json_script``: region outline, and the kept depots and new sites
    ``reader`` may see."""
    kept, new = [], []
    for site in site_rows(scenario, reader):
        point = feature(site.geom, label=_site_label(site), url=site_link(site) or None)
        (new if site.is_new else kept).append(point)
    return {
        "region": _outline(scenario),
        "existing": kept,
        "new": new,
        "basemap": reverse("org:division_basemap"),
        "attribution": _("Boundaries: divisions of the registry"),
    }


# -- folium -------------------------------------------------------------------------------------


def _sites(folium_map: folium.Map, features: list[dict[str, Any]], name: str, style: dict) -> None:
    group = folium.FeatureGroup(name=name).add_to(folium_map)
    for point in features:
        lon, lat = point["geometry"]["coordinates"]
        tooltip = safe_text(point["properties"]["label"])
        folium.CircleMarker([lat, lon], tooltip=tooltip, fill_opacity=0.8, **style).add_to(group)


def _legend(scenario: SitingScenario) -> str:
    return format_html(
        '<div class="scenario-legend" style="{}"><strong>{}</strong><div>{}</div>'
        '<div style="color:{}">● {}</div><div style="color:{}">● {}</div></div>',
        LEGEND_STYLE,
        scenario.name,
        scenario.get_model_display(),
        NEW_STYLE["color"],
        _("New site"),
        EXISTING_STYLE["color"],
        _("Existing depot kept"),
    )


def scenario_map(scenario: SitingScenario, reader: Any) -> LocalMap:
    """Hillshade, the region, the kept depots and the new sites (those ``reader`` may see),
    with a layer switcher."""
    data = page_map(scenario, reader)
    folium_map = offline_map(zoom_start=7)
    folium.GeoJson(
        data["region"], name=str(scenario.region), style_function=lambda _f: REGION_STYLE
    ).add_to(folium_map)
    _sites(folium_map, data["existing"], _("Existing depots kept"), EXISTING_STYLE)
    _sites(folium_map, data["new"], _("New sites"), NEW_STYLE)
    folium.LayerControl(collapsed=False).add_to(folium_map)
    folium_map.get_root().html.add_child(folium.Element(_legend(scenario)))
    west, south, east, north = scenario.region.geom.extent
    folium_map.fit_bounds([[south, west], [north, east]])
    return folium_map


def map_zip(scenario: SitingScenario, reader: Any) -> bytes:
    return folium_export.map_zip(scenario_map(scenario, reader))
