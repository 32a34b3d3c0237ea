"""Writes of the fleet app, one module per part; each runs in one transaction (``writing``) and
raises the errors of :mod:`portal.fleet.exceptions`."""
