"""Forms of the assets app's pages, one module per part."""
