"""Transfers of assets between units through the warehouse: a listing reserved for a receiving
unit, then handed over once its approval chain is signed. Bulk transfer batches between two
holders are in :mod:`~portal.assets.services.batches`; what both share (the handover itself,
the checks on who acts and where to) in :mod:`~portal.assets.services.handover`.

An asset is never reserved or handed over twice. Every write locks its rows first, always in the
same order (batch, reservation, listing, asset, need), and checks their state under the lock: of
two units reserving one listing at once, the second waits for the first and finds the listing
reserved. The database's constraints (one active reservation per asset, one handover per
listing) are the last guard; an insert or update they refuse becomes the same user error. Every
write runs in one transaction inside ``pghistory.context(user=...)``: a refusal writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.assets.choices import (
    ApprovalSubject,
    AssetStatus,
    CustodyEvent,
    ListingMode,
    ListingStatus,
    NeedStatus,
    ReservationStatus,
)
from portal.assets.exceptions import (
    AlreadyReservedError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import Asset, CustodyEntry, Listing, Need, Reservation
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.assets.querysets import ListingQuerySet
from portal.assets.services.approvals import chain_for, release_listing
from portal.assets.services.handover import (
    check_codes_free,
    check_delivery,
    guarded,
    log_handover,
    may_edit,
    move_asset,
)
from portal.core.services import writing
from portal.org.scoping import cleared_q

if TYPE_CHECKING:
    from portal.buildings.models import Building
    from portal.org.models import Unit, User


def _lock_asset(pk: int, *, key: bool = False) -> Asset:
    # A handover changes the holder (part of a unique key): that needs the full row lock.
    return Asset.objects.select_for_update(no_key=not key).get(pk=pk)


def _lock_listing(pk: int) -> Listing:
    return Listing.objects.select_for_update(no_key=True).get(pk=pk)


def _lock_reservation(pk: int) -> Reservation:
    queryset = Reservation.objects.select_for_update(of=("self",), no_key=True)
    return queryset.select_related("receiving_unit", "delivery_building").get(pk=pk)


# -- reservations from the warehouse ----------------------------------------------------------


def reserve_listing(
    listing: Listing,
    *,
    by: User,
    need: Need | None = None,
    receiving_unit: Unit | None = None,
    delivery_building: Building | None = None,
    note: str = "",
) -> Reservation:
    """Reserve a published listing for a receiving unit; the approval chain starts.

    The receiving unit is the need's unit, else ``by``'s; the delivery building the need's,
    unless given. The reservation's value is the asset's net value, which chooses the chain.
    """
    unit = receiving_unit or (need.unit if need else by.unit)
    building = delivery_building or (need.delivery_building if need else None)
    _check_request(listing, unit, building, need, by)
    with writing(by):
        locked = _lock_listing(listing.pk)
        asset = _lock_asset(locked.asset_id)
        _check_reservable(locked, asset)
        reservation = Reservation(
            asset=asset,
            listing=locked,
            need=need,
            from_unit_id=locked.holder_id,
            receiving_unit=unit,
            delivery_building=building,
            value=asset.net_value,
            chain=chain_for(ApprovalSubject.TRANSFER, asset.category, asset.net_value),
            requested_by=by,
            note=note.strip(),
        )
        with guarded(asset):
            reservation.save()
        locked.status = ListingStatus.RESERVED
        locked.save(update_fields=["status", "updated_at"])
        asset.status = AssetStatus.RESERVED
        asset.save(update_fields=["status", "updated_at"])
    return reservation


def _check_request(
    listing: Listing, unit: Unit | None, building: Building | None, need: Need | None, by: User
) -> None:
    """Who asks, for whom, where to: everything but the listing's state (read under the lock)."""
    if unit is None:
        raise WarehouseInputError(_("Choose the receiving unit."))
    if not may_edit(by, unit):
        raise WarehouseForbiddenError(
            _("You may not reserve assets for %(unit)s.") % {"unit": unit}
        )
    if not _shared(listing, unit, by):
        raise WarehouseForbiddenError(
            _("“%(listing)s” is not shared with %(unit)s.") % {"listing": listing, "unit": unit}
        )
    if listing.holder_id == unit.pk:
        raise WarehouseInputError(
            _("%(unit)s holds “%(listing)s”: a unit cannot reserve its own asset.")
            % {"unit": unit, "listing": listing}
        )
    check_delivery(unit, building)
    if need is not None:
        _check_need(need, unit)


def _shared(listing: Listing, unit: Unit, by: User) -> bool:
    """The listing is shared with the unit, and ``by`` is cleared for the asset.

    The sharing rule of :meth:`ListingQuerySet.visible_to`, but for the receiving unit and
    without its status filter: a listing withdrawn or reserved meanwhile is refused under the
    lock, with a message saying so, rather than as never shared.
    """
    if not unit.division.code.startswith(listing.share_prefix):
        return False
    cleared = cleared_q(Listing, by, ListingQuerySet.confidentiality_path)
    return Listing.objects.filter(cleared, pk=listing.pk).exists()


def _check_need(need: Need, unit: Unit) -> None:
    if need.unit_id != unit.pk:
        raise WarehouseInputError(
            _("Need: “%(need)s” is not a need of %(unit)s.") % {"need": need, "unit": unit}
        )
    if need.status != NeedStatus.OPEN:
        raise WarehouseStateError(
            _("Need: “%(need)s” is %(status)s, not open.")
            % {"need": need, "status": need.get_status_display()}
        )


def _check_reservable(listing: Listing, asset: Asset) -> None:
    """Under the listing's and the asset's locks: still offered, reserved by nobody."""
    active = asset.reservations.filter(status__in=ACTIVE_RESERVATION_STATUSES)
    if listing.status == ListingStatus.RESERVED or active.exists():
        raise AlreadyReservedError(_("“%(asset)s” is already reserved.") % {"asset": asset})
    if listing.status != ListingStatus.PUBLISHED or asset.holder_id != listing.holder_id:
        raise WarehouseStateError(
            _("“%(asset)s” is no longer offered in the warehouse (the listing is %(status)s).")
            % {"asset": asset, "status": listing.get_status_display()}
        )


def _require_party(reservation: Reservation, by: User, action: str) -> None:
    """Either side of a transfer may act on it: the giving unit's editors or the receiver's."""
    if not may_edit(by, reservation.from_unit, reservation.receiving_unit):
        raise WarehouseForbiddenError(
            _("You may not %(action)s the transfer of “%(asset)s”.")
            % {"action": action, "asset": reservation.asset}
        )


def cancel_reservation(reservation: Reservation, *, by: User, note: str = "") -> Reservation:
    """Cancel a reservation awaiting approval or approved; its listing is offered again."""
    _require_party(reservation, by, _("cancel"))
    with writing(by):
        locked = _lock_reservation(reservation.pk)
        if locked.batch_id is not None:
            raise WarehouseStateError(
                _("“%(asset)s” is an item of transfer batch #%(batch)s: remove it from the batch.")
                % {"asset": locked.asset, "batch": locked.batch_id}
            )
        if locked.status not in ACTIVE_RESERVATION_STATUSES:
            raise WarehouseStateError(
                _("The reservation of “%(asset)s” is %(status)s: it can no longer be cancelled.")
                % {"asset": locked.asset, "status": locked.get_status_display()}
            )
        locked.status = ReservationStatus.CANCELLED
        locked.note = "\n".join(filter(None, (locked.note, note.strip())))
        locked.save(update_fields=["status", "note", "updated_at"])
        release_listing(locked)
    return locked


# -- handover ------------------------------------------------------------------------------------


def hand_over(
    reservation: Reservation, *, by: User, ledger_code: str = "", document_no: str = ""
) -> Reservation:
    """Hand an approved reservation's asset over: the receiving unit becomes its holder.

    ``ledger_code`` renumbers the asset on the receiving unit's ledger (by default it keeps its
    code). The listing is closed as transferred; the custody log records the stock-out of a
    physical listing, then the handover; the need, if any, is fulfilled once enough arrived.
    """
    _require_party(reservation, by, _("hand over"))
    with writing(by):
        locked = _lock_reservation(reservation.pk)
        listing = _lock_listing(locked.listing_id) if locked.listing_id else None
        asset = _lock_asset(locked.asset_id, key=True)
        _check_handover(locked, asset)
        check_codes_free([asset], locked.receiving_unit, ledger_code)
        move_asset(asset, locked.receiving_unit, locked.delivery_building, ledger_code)
        with guarded(asset):
            asset.save()
        if listing is not None:
            _close_listing(listing, locked, by, document_no)
        log_handover([locked], by, document_no)
        locked.status = ReservationStatus.HANDED_OVER
        locked.handed_over_at, locked.handed_over_by = timezone.now(), by
        with guarded(asset):
            locked.save(update_fields=["status", "handed_over_at", "handed_over_by", "updated_at"])
        _fulfil_need(locked)
    return locked


def _check_handover(reservation: Reservation, asset: Asset) -> None:
    """The reservation is approved and alone, and ``asset`` (locked) is still the giving
    unit's: a ledger changed since the reservation is refused rather than overwritten."""
    if reservation.batch_id is not None:
        raise WarehouseStateError(
            _("“%(asset)s” is handed over with its transfer batch #%(batch)s.")
            % {"asset": reservation.asset, "batch": reservation.batch_id}
        )
    if reservation.status == ReservationStatus.HANDED_OVER:
        raise WarehouseStateError(
            _("“%(asset)s” was already handed over.") % {"asset": reservation.asset}
        )
    if reservation.status != ReservationStatus.APPROVED:
        raise WarehouseStateError(
            _("“%(asset)s” can be handed over once approved; the reservation is %(status)s.")
            % {"asset": reservation.asset, "status": reservation.get_status_display()}
        )
    if asset.holder_id != reservation.from_unit_id:
        raise WarehouseStateError(
            _(
                "Asset %(code)s is no longer on the ledger of %(unit)s: its ledger changed "
                "since the reservation, which cannot be handed over."
            )
            % {"code": asset.ledger_code, "unit": reservation.from_unit}
        )


def _close_listing(listing: Listing, reservation: Reservation, by: User, document_no: str) -> None:
    listing.status = ListingStatus.TRANSFERRED
    listing.closed_at = timezone.now()
    listing.save(update_fields=["status", "closed_at", "updated_at"])
    if listing.mode == ListingMode.PHYSICAL:
        CustodyEntry.objects.create(
            asset_id=reservation.asset_id,
            event=CustodyEvent.STOCK_OUT,
            from_unit_id=listing.holder_id,
            depot_id=listing.depot_id,
            reservation=reservation,
            document_no=document_no.strip(),
            by=by,
        )


def _fulfil_need(reservation: Reservation) -> None:
    """The need is fulfilled once the assets handed over for it reach its quantity."""
    if reservation.need_id is None:
        return
    need = Need.objects.select_for_update(no_key=True).get(pk=reservation.need_id)
    if need.status != NeedStatus.OPEN:
        return
    received = Reservation.objects.filter(
        need=need, status=ReservationStatus.HANDED_OVER
    ).aggregate(total=Sum("asset__quantity"))["total"]
    if (received or 0) >= need.quantity:
        need.status = NeedStatus.FULFILLED
        need.save(update_fields=["status", "updated_at"])
