from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from portal.assets.models import Asset
from portal.core.services import save_record

if TYPE_CHECKING:
    from portal.org.models import User


@transaction.atomic
def save_asset(asset: Asset, *, by: User) -> Asset:
    """Save an asset; without a location of its own it takes its building's."""
    if asset.geom is None and asset.building is not None:
        asset.geom = asset.building.geom
    save_record(asset, by=by)
    return asset
