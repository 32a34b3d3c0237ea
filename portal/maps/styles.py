"""Colours of the map's layers and legends, one table so every page draws a status alike.

Statuses that officers act on get colours with a meaning (idle orange, disputed purple, registered
green); other categories take the next colour of a palette chosen to stay distinct for the common
forms of colour blindness (ColorBrewer Dark2).
"""

from __future__ import annotations

from typing import Any

from portal.maps.layers import Layer

LAYER_COLOURS = {
    "units": "#37474f",
    "buildings": "#6d4c41",
    "office_space": "#c62828",
    "shareable_space": "#00897b",
    "parcels": "#2e7d32",
    "conflicts": "#b71c1c",
    "assets": "#1565c0",
    "warehouse": "#f57c00",
    "depots": "#c62828",
    "vehicles": "#ef6c00",
}
VALUE_COLOURS = {
    "assets": {
        "in_use": "#2e7d32",
        "idle": "#f57c00",
        "over_standard": "#c62828",
        "low_efficiency": "#8e24aa",
        "repairable": "#6d4c41",
        "in_warehouse": "#1565c0",
        "reserved": "#00838f",
        "transferred": "#78909c",
        "disposed": "#424242",
    },
    # The warehouse by why an asset is offered, in the assets layer's colours for those statuses.
    "warehouse": {
        "idle": "#f57c00",
        "over_standard": "#c62828",
        "low_efficiency": "#8e24aa",
        "repairable": "#6d4c41",
    },
    "parcels": {
        "unregistered": "#c62828",
        "in_progress": "#f9a825",
        "registered": "#2e7d32",
        "filed": "#1565c0",
        "disputed": "#6a1b9a",
    },
    # Conflicts about the land itself in reds, about buildings in oranges, about papers in purples.
    "conflicts": {
        "parcel_overlap": "#d32f2f",
        "double_claim": "#880e4f",
        "building_outside": "#ef6c00",
        "occupant_not_holder": "#f9a825",
        "duplicate_certificate": "#6a1b9a",
        "duplicate_unit_code": "#4527a0",
        "area_mismatch": "#00838f",
        "code_mismatch": "#37474f",
    },
    "vehicles": {
        "available": "#2e7d32",
        "in_use": "#1565c0",
        "maintenance": "#f57c00",
        "retired": "#757575",
    },
}
PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")


def choices_of(layer: Layer, field_name: str) -> list[tuple[str, Any]]:
    """The (value, label) choices of a field of the layer's model, empty for a free field."""
    field = layer.model._meta.get_field(field_name)
    return list(field.choices or [])


def legend(layer: Layer) -> list[dict[str, str]]:
    """One entry per value of the layer's ``style_by`` field: value, translated label, colour."""
    if not layer.style_by:
        return []
    fixed = VALUE_COLOURS.get(layer.name, {})
    return [
        {
            "value": value,
            "label": str(label),
            "colour": fixed.get(value, PALETTE[index % len(PALETTE)]),
        }
        for index, (value, label) in enumerate(choices_of(layer, layer.style_by))
    ]
