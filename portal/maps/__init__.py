"""The map portal: the map page, the layer registry, vector tiles, search and spatial queries."""
