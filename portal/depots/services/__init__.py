"""Writes of the depots app, one module per capability; each function runs in one transaction."""
