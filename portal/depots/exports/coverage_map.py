"""A coverage analysis on a map: GeoJSON layers for the page's map and a standalone folium map.

Both draw the same four layers: the depots' areas within the travel time and within the radius,
the gap map (each county's uncovered populated cells) and the depots. Coordinates are rounded
in PostGIS (``ST_AsGeoJSON``, 4 decimals ≈ 10 m), far finer than the 1 km cells drawn.

The folium map is a :mod:`portal.maps.folium_export` one: a zip of ``map.html`` and the vendored
Leaflet files it names by relative path, over the offline hillshade embedded in the page, so it
opens from disk on an intranet with no route outside.
"""

from __future__ import annotations

import json
from typing import Any, Final

import folium
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.depots.exports.coverage import county_rows, depot_rows
from portal.depots.models import CoverageAnalysis
from portal.maps import folium_export
from portal.maps.folium_export import LocalMap, offline_map, safe_properties, safe_text

PRECISION: Final = 4
# The page's colours (static/depots/js/coverage-map.js), so a printout and the page agree.
STYLES: Final = {
    "time": {"color": "#0b6e4f", "weight": 1, "fillColor": "#0b6e4f", "fillOpacity": 0.25},
    "radius": {"color": "#1f6feb", "weight": 1, "dashArray": "4 4", "fillOpacity": 0.05},
    "gaps": {"color": "#c23b22", "weight": 0.5, "fillColor": "#c23b22", "fillOpacity": 0.45},
}
DEPOT_STYLE: Final = {"radius": 5, "color": "#3e4c59", "weight": 2, "fillColor": "#ffffff"}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(geojson: str | None, **properties: Any) -> dict[str, Any] | None:
    if geojson is None:
        return None
    return {"type": "Feature", "geometry": json.loads(geojson), "properties": properties}


def _depot_features(
    analysis: CoverageAnalysis, reader: Any
) -> dict[str, list[dict[str, Any] | None]]:
    rows = depot_rows(analysis, reader).annotate(
        time_json=AsGeoJSON("time_area", precision=PRECISION),
        radius_json=AsGeoJSON("radius_area", precision=PRECISION),
        point_json=AsGeoJSON("depot__geom", precision=6),
    )
    found: dict[str, list[dict[str, Any] | None]] = {"time": [], "radius": [], "depots": []}
    for row in rows:
        label = f"{row.depot.name} ({row.depot.code})"
        url = reverse("depots:depot_detail", args=[row.depot_id])
        people = {"radius": round(row.population_radius), "time": round(row.population_time)}
        found["time"].append(_feature(row.time_json, label=label, people=people["time"]))
        found["radius"].append(_feature(row.radius_json, label=label, people=people["radius"]))
        found["depots"].append(_feature(row.point_json, label=label, url=url, **people))
    return found


def map_layers(analysis: CoverageAnalysis, reader: Any) -> dict[str, Any]:
    """The four layers as FeatureCollections: ``time``, ``radius``, ``gaps`` and ``depots``
    (the depots ``reader`` may see, and their areas)."""
    layers = _depot_features(analysis, reader)
    gaps = county_rows(analysis, "code").annotate(gap_json=AsGeoJSON("gap", precision=PRECISION))
    layers["gaps"] = [
        _feature(row.gap_json, label=row.division.name, uncovered=round(row.uncovered_people))
        for row in gaps
    ]
    return {name: _collection([f for f in features if f]) for name, features in layers.items()}


# -- folium -------------------------------------------------------------------------------------


def _areas(folium_map: folium.Map, layers: dict[str, Any]) -> None:
    names = {
        "radius": _("Within the radius"),
        "time": _("Within the travel time"),
        "gaps": _("Uncovered populated cells"),
    }
    fields = {"radius": "people", "time": "people", "gaps": "uncovered"}
    aliases = {"radius": _("People"), "time": _("People"), "gaps": _("Uncovered")}
    for key, name in names.items():
        if not layers[key]["features"]:
            continue
        style = STYLES[key]
        folium.GeoJson(
            safe_properties(layers[key], ("label",)),
            name=name,
            style_function=lambda _feature, style=style: style,
            tooltip=folium.GeoJsonTooltip(
                fields=["label", fields[key]], aliases=[_("Name"), aliases[key]]
            ),
        ).add_to(folium_map)


def _depots(folium_map: folium.Map, layers: dict[str, Any]) -> None:
    group = folium.FeatureGroup(name=_("Depots")).add_to(folium_map)
    for feature in layers["depots"]["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        folium.CircleMarker(
            [lat, lon], tooltip=safe_text(feature["properties"]["label"]), **DEPOT_STYLE
        ).add_to(group)


def coverage_map(analysis: CoverageAnalysis, reader: Any) -> LocalMap:
    """Hillshade, the areas, the gaps and the depots ``reader`` may see, with a layer
    switcher."""
    folium_map = offline_map(zoom_start=7)
    layers = map_layers(analysis, reader)
    _areas(folium_map, layers)
    _depots(folium_map, layers)
    folium.LayerControl(collapsed=False).add_to(folium_map)
    extent = analysis.region.geom.extent
    folium_map.fit_bounds([[extent[1], extent[0]], [extent[3], extent[2]]])
    return folium_map


def map_zip(analysis: CoverageAnalysis, reader: Any) -> bytes:
    return folium_export.map_zip(coverage_map(analysis, reader))
