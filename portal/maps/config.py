"""What the map page hands to its JavaScript (through ``json_script``) and to its filter panel.

Everything is derived from the layer registry and the FilterSets, so a layer or filter added
there appears on the map with its legend, popup fields and filter inputs without touching the JS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django_filters
from django.urls import reverse

from portal.maps.basemaps import basemap_config
from portal.maps.layers import LAYERS, Layer
from portal.maps.styles import LAYER_COLOURS, choices_of, legend
from portal.org.models import AdminDivision

# Parameters the panel shows once for all layers, and those the map itself sets (drawn shapes).
COMMON_FILTERS = ("division", "unit")
MAP_FILTERS = ("bbox", "near", "intersects", "q")
_KINDS = (
    (django_filters.MultipleChoiceFilter, "choice"),
    (django_filters.ChoiceFilter, "choice"),
    (django_filters.NumberFilter, "number"),
    (django_filters.DateFilter, "date"),
    (django_filters.CharFilter, "text"),
)
# Switched on when a link names no layers: the organisations and the assets they hold.
DEFAULT_LAYERS = ("units", "assets")


@dataclass(frozen=True)
class FilterInput:
    """One input of the filter panel: its query parameter, label, kind and choices."""

    layer: str
    name: str
    label: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """The form field name: ``<layer>.<parameter>``, since layers share parameter names."""
        return f"{self.layer}.{self.name}"


def _kind(filter_: django_filters.Filter) -> str:
    return next((kind for cls, kind in _KINDS if isinstance(filter_, cls)), "text")


def layer_filters(layer: Layer) -> list[FilterInput]:
    """The layer's own FilterSet parameters, beyond the common and the map-set ones."""
    inputs = []
    for name, filter_ in layer.filterset.base_filters.items():
        if name in COMMON_FILTERS or name in MAP_FILTERS:
            continue
        choices = tuple((str(v), str(label)) for v, label in filter_.extra.get("choices", ()))
        inputs.append(FilterInput(layer.name, name, str(filter_.label), _kind(filter_), choices))
    return inputs


def _properties(layer: Layer) -> list[dict[str, Any]]:
    fields = []
    for name in layer.properties:
        field = layer.model._meta.get_field(name)
        choices = {str(value): str(label) for value, label in choices_of(layer, name)}
        fields.append({"name": name, "label": str(field.verbose_name), "choices": choices})
    return fields


def tile_template(name: str) -> str:
    """``/tiles/<name>/{z}/{x}/{y}.pbf``: reversed with zeros, as reverse() would escape braces."""
    sample = reverse("maps:layer_tile", args=[name, 0, 0, 0])
    return sample.removesuffix("0/0/0.pbf") + "{z}/{x}/{y}.pbf"


def layer_config(layer: Layer) -> dict[str, Any]:
    """One layer as the map's JavaScript reads it."""
    return {
        "name": layer.name,
        "label": str(layer.label),
        "group": str(layer.group),
        "kind": layer.kind,
        "style_by": layer.style_by,
        "detail_path": layer.detail_path,
        "aggregate_below_zoom": layer.aggregate_below_zoom,
        "tiles": tile_template(layer.name),
        "tilejson": reverse("maps:layer_tilejson", args=[layer.name]),
        "colour": LAYER_COLOURS.get(layer.name, "#455a64"),
        "legend": legend(layer),
        "properties": _properties(layer),
        "filters": [f.name for f in layer_filters(layer)],
        "common_filters": [n for n in COMMON_FILTERS if n in layer.filterset.base_filters],
    }


def map_config() -> dict[str, Any]:
    """The whole ``json_script`` payload of the map page (without the translated strings)."""
    return {
        "layers": [layer_config(layer) for layer in LAYERS.values()],
        "default_layers": list(DEFAULT_LAYERS),
        "basemaps": basemap_config(),
        "urls": {
            "search": reverse("maps:search"),
            "query": reverse("maps:query_json"),
            "query_xlsx": reverse("maps:query_xlsx"),
            "query_csv": reverse("maps:query_csv"),
        },
        # Chengdu, showing most of Sichuan and Chongqing on a laptop screen.
        "view": {"center": [30.66, 104.07], "zoom": 7, "min_zoom": 4, "max_zoom": 18},
    }


def layer_groups(layers: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Layer configurations grouped as the switcher shows them, in registry order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for layer in layers:
        groups.setdefault(layer["group"], []).append(layer)
    return list(groups.items())


def filter_groups(layers: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[FilterInput]]]:
    """Each layer's own filter inputs, for the layers that have any."""
    pairs = [(layer, layer_filters(LAYERS[layer["name"]])) for layer in layers]
    return [(layer, inputs) for layer, inputs in pairs if inputs]


def division_options() -> list[tuple[str, str]]:
    """Current divisions for the division filter, indented below their parents."""
    indent = {"province": "", "city": "\u3000", "county": "\u3000\u3000"}
    rows = AdminDivision.objects.current().order_by("code").values_list("code", "name", "level")
    return [(code, f"{indent.get(level, '')}{name}") for code, name, level in rows]
