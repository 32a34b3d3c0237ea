"""The arithmetic of the XYZ grid, to find records in tiles, and a tile decoder."""

import math

import mapbox_vector_tile
from django.urls import reverse

R = 6378137.0
HALF = math.pi * R
HERE = (104.08, 30.63)
NEAR = (104.0805, 30.6305)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    return R * math.radians(lon), R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def tile_at(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    mx, my = mercator(lon, lat)
    size = 2 * HALF / 2**z
    return z, int((mx + HALF) // size), int((HALF - my) // size)


def pixel(lon: float, lat: float, tile: tuple[int, int, int]) -> tuple[float, float]:
    """Where a point falls in a tile, in tile coordinates (0..4096, y down)."""
    z, x, y = tile
    mx, my = mercator(lon, lat)
    size = 2 * HALF / 2**z
    return (mx + HALF - x * size) / size * 4096, (HALF - my - y * size) / size * 4096


def tile_url(layer: str, tile: tuple[int, int, int]) -> str:
    return reverse("maps:layer_tile", args=[layer, *tile])


def decode(response) -> dict:
    """The tile's layers as {name: [features]} (tile coordinates, y down)."""
    layers = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    return {name: layer["features"] for name, layer in layers.items()}
