"""Forms of the fleet pages, one module per part."""
