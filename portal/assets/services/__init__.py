"""Writes of the assets app, one module per part of the lifecycle; each runs in one transaction."""

from portal.assets.services.ledger import save_asset

__all__ = ["save_asset"]
