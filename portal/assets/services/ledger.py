"""Writes of the asset ledger through the admin and the REST API (``save_asset``).

The warehouse and transfers copy and rely on some of an asset's facts while they hold it (a
live listing, an active reservation): those facts are changed through their own services, so
the generic write refuses them until the listing is withdrawn or the transfer ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from django.db import transaction
from django.utils.translation import gettext as _

from portal.assets.exceptions import AssetEngagedError
from portal.assets.models import Asset, Listing, Reservation
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.assets.models.warehouse import LIVE_LISTING_STATUSES
from portal.core.services import save_record

if TYPE_CHECKING:
    from portal.org.models import User

# The facts a live listing or an active reservation relies on: who holds the asset, where it
# is in its life, who may read it and what matching files it under.
ENGAGED_FIELDS: Final = ("holder", "status", "confidentiality", "category")


@transaction.atomic
def save_asset(asset: Asset, *, by: User) -> Asset:
    """Save an asset; without a location of its own it takes its building's.

    While the asset is offered in the warehouse or reserved for a transfer, a change of its
    holder, status, confidentiality or category is refused (:class:`AssetEngagedError`).
    """
    if asset.geom is None and asset.building is not None:
        asset.geom = asset.building.geom
    # Out of scope, save_record refuses before anything about the asset's state is told.
    if asset.pk is not None and Asset.objects.editable_by(by).filter(pk=asset.pk).exists():
        check_engaged_change(asset)
    save_record(asset, by=by)
    return asset


def check_engaged_change(asset: Asset) -> None:
    """Refuse a change of :data:`ENGAGED_FIELDS` of a stored asset the warehouse or a transfer
    holds. The stored row is locked, as the warehouse's services lock it, so a listing or
    reservation made meanwhile is seen here."""
    columns = [Asset._meta.get_field(name).attname for name in ENGAGED_FIELDS]
    stored = Asset.objects.select_for_update().filter(pk=asset.pk).values(*columns).first()
    if stored is None:
        return
    changed = [
        name
        for name, column in zip(ENGAGED_FIELDS, columns, strict=True)
        if stored[column] != getattr(asset, column)
    ]
    if not changed:
        return
    engaged = _engagement(asset)
    if engaged:
        fields = ", ".join(str(Asset._meta.get_field(name).verbose_name) for name in changed)
        raise AssetEngagedError(
            _(
                "Asset %(code)s is %(engaged)s: its %(fields)s cannot change until the listing "
                "is withdrawn or the transfer ends."
            )
            % {"code": asset.ledger_code, "engaged": engaged, "fields": fields}
        )


def _engagement(asset: Asset) -> str:
    """What holds the asset now, as a phrase, or "" when nothing does."""
    if Listing.objects.filter(asset=asset.pk, status__in=LIVE_LISTING_STATUSES).exists():
        return _("offered in the public asset warehouse")
    active = Reservation.objects.filter(asset=asset.pk, status__in=ACTIVE_RESERVATION_STATUSES)
    if active.exists():
        return _("being transferred to another unit")
    return ""
