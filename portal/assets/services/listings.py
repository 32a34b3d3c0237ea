"""Writes of the warehouse's listings: publish (virtually or physically), edit, withdraw, bulk
publish, and the photos of a listing.

A listing copies what matching filters and ranks by (location, division, category, condition,
values) from its asset, so the match query reads one table; every write that can change those
copies them again. Each write locks the asset or listing first and checks its state under the
lock, so of two officers acting at once the second is refused; the database's constraint (one
live listing per asset) stays the last guard. Nothing is written when a check fails.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from portal.assets.choices import (
    AssetStatus,
    CustodyEvent,
    ListingMode,
    ListingReason,
    ListingStatus,
)
from portal.assets.exceptions import (
    AlreadyListedError,
    AlreadyReservedError,
    PhotoRejectedError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import Asset, CustodyEntry, Listing, ListingPhoto, Reservation
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.assets.models.warehouse import LIVE_LISTING_STATUSES
from portal.assets.services.approvals import listed_status
from portal.assets.services.handover import naming
from portal.core import files
from portal.core.choices import Confidentiality
from portal.core.services import writing
from portal.depots.choices import DepotKind

if TYPE_CHECKING:
    from portal.depots.models import Depot
    from portal.org.models import AdminDivision, User

# An asset in one of these statuses may be offered; any other is already elsewhere in its life.
LISTABLE_STATUSES: Final = (
    AssetStatus.IN_USE,
    AssetStatus.IDLE,
    AssetStatus.OVER_STANDARD,
    AssetStatus.LOW_EFFICIENCY,
    AssetStatus.REPAIRABLE,
)
WAREHOUSE_KINDS: Final = (DepotKind.WAREHOUSE, DepotKind.BOTH)
LIVE_CONSTRAINT: Final = "assets_listing_one_live_per_asset"
RECEIPT_MAX: Final = Listing._meta.get_field("receipt_no").max_length


def _refuse_editor(asset: Asset) -> None:
    """Only officers and administrators whose edit scope covers the holder offer its assets."""
    raise WarehouseForbiddenError(
        _("You may not offer assets of “%(holder)s” in the warehouse.") % {"holder": asset.holder}
    )


def _require_listing_editor(listing: Listing, by: User) -> None:
    if not Listing.objects.editable_by(by).filter(pk=listing.pk).exists():
        raise WarehouseForbiddenError(
            _("You may not change the warehouse listing of “%(asset)s”.") % {"asset": listing.asset}
        )


def _lock_listing(listing: Listing) -> Listing:
    queryset = Listing.objects.select_for_update(of=("self",))
    return queryset.select_related("asset", "depot").get(pk=listing.pk)


# -- checks of what a listing is made of ------------------------------------------------------


def _check_shareable(asset: Asset) -> None:
    rank = Confidentiality.rank(asset.confidentiality)
    if rank > Confidentiality.rank(Confidentiality.INTERNAL):
        raise WarehouseInputError(
            _("Confidentiality: a %(level)s asset cannot be shared in the warehouse.")
            % {"level": asset.get_confidentiality_display()}
        )


def _check_reason(reason: str, explanation: str) -> None:
    if reason not in ListingReason.values:
        raise WarehouseInputError(
            _("Reason: choose idle, over standard, low efficiency or repairable.")
        )
    if not explanation.strip():
        raise WarehouseInputError(_("Explanation: say why the asset is offered."))


def _check_share_prefix(share_prefix: str) -> None:
    if not (share_prefix.isascii() and share_prefix.isdigit() and 2 <= len(share_prefix) <= 6):
        raise WarehouseInputError(
            _("Shared within: give a division code prefix of 2 to 6 digits, such as 51.")
        )


def _check_mode(mode: str, depot: Depot | None, receipt_no: str) -> None:
    if mode not in ListingMode.values:
        raise WarehouseInputError(_("Mode: choose virtual or physical."))
    if mode == ListingMode.VIRTUAL:
        if depot is not None or receipt_no.strip():
            raise WarehouseInputError(
                _("Warehouse: a virtual listing stays with its holder; name no warehouse.")
            )
        return
    if depot is None:
        raise WarehouseInputError(_("Warehouse: name the warehouse the asset is stocked in."))
    if depot.kind not in WAREHOUSE_KINDS:
        raise WarehouseInputError(
            _("Warehouse: “%(depot)s” is an emergency supply depot, not a public asset warehouse.")
            % {"depot": depot}
        )
    if not receipt_no.strip():
        raise WarehouseInputError(
            _("Stock-in receipt number: a physical listing needs the receipt of its stock-in.")
        )
    if len(receipt_no.strip()) > RECEIPT_MAX:
        raise WarehouseInputError(
            _("Stock-in receipt number: at most %(max)d characters.") % {"max": RECEIPT_MAX}
        )


def _location(asset: Asset, depot: Depot | None) -> tuple[Point, AdminDivision]:
    """Where the item is offered from: the warehouse, else its building, else its own point."""
    if depot is not None:
        return depot.geom, depot.division
    building = asset.building
    geom = building.geom if building is not None else asset.geom
    if geom is None:
        raise WarehouseInputError(
            _("Location: asset %(code)s has neither a building nor a location; record one first.")
            % {"code": asset.ledger_code}
        )
    return geom, (building.division if building is not None else asset.holder.division)


def _copy_asset(listing: Listing, asset: Asset) -> None:
    """The asset's facts matching reads, copied onto the listing."""
    listing.geom, listing.division = _location(asset, listing.depot)
    listing.category_id = asset.category_id
    listing.condition = asset.condition
    listing.original_value = asset.original_value
    listing.net_value = asset.net_value
    listing.acquired_on = asset.acquired_on


# -- publish ----------------------------------------------------------------------------------


def publish_listing(
    asset: Asset,
    *,
    reason: str,
    explanation: str,
    mode: str,
    depot: Depot | None = None,
    receipt_no: str = "",
    share_prefix: str | None = None,
    by: User,
) -> Listing:
    """Offer ``asset`` in the warehouse, virtually (it stays put) or physically (stocked in).

    ``share_prefix`` is the division code prefix of the units that see the listing (default:
    the holder's province). A physical listing records a stock-in custody entry with its
    receipt. The asset's status becomes the reason, or "in the warehouse" when physical.
    """
    terms = _Terms(reason, explanation.strip(), mode, depot, receipt_no.strip(), share_prefix)
    return _publish([asset], terms, by, name_assets=False)[0]


def bulk_publish(
    assets: Iterable[Asset],
    *,
    reason: str,
    explanation: str,
    mode: str,
    depot: Depot | None = None,
    receipt_no: str = "",
    share_prefix: str | None = None,
    by: User,
) -> list[Listing]:
    """Publish every asset of ``assets`` alike, or none: a refusal names the asset's ledger code.

    A physical bulk publication shares one stock-in receipt (one delivery to the warehouse).
    """
    terms = _Terms(reason, explanation.strip(), mode, depot, receipt_no.strip(), share_prefix)
    return _publish(assets, terms, by, name_assets=True)


@dataclass(frozen=True)
class _Terms:
    """What the publisher says about the offer, the same for every asset of a publication."""

    reason: str
    explanation: str
    mode: str
    depot: Depot | None
    receipt_no: str
    share_prefix: str | None

    def check(self) -> None:
        _check_reason(self.reason, self.explanation)
        _check_mode(self.mode, self.depot, self.receipt_no)
        if self.share_prefix is not None:
            _check_share_prefix(self.share_prefix)


def _publish(
    assets: Iterable[Asset], terms: _Terms, by: User, *, name_assets: bool
) -> list[Listing]:
    terms.check()
    ids = sorted({asset.pk for asset in assets})
    if not ids:
        raise WarehouseInputError(_("Select at least one asset."))
    editable = set(Asset.objects.editable_by(by).filter(pk__in=ids).values_list("pk", flat=True))
    with writing(by):
        # Key order: two bulk publications overlapping in assets cannot deadlock.
        locked = Asset.objects.select_for_update(of=("self",)).select_related(
            "holder__division", "building__division"
        )
        listings = []
        for asset in locked.filter(pk__in=ids).order_by("pk"):
            with naming(asset if name_assets else None):
                if asset.pk not in editable:
                    _refuse_editor(asset)
                listings.append(_publish_one(asset, terms, by))
    return listings


def _publish_one(asset: Asset, terms: _Terms, by: User) -> Listing:
    _check_shareable(asset)
    _refuse_listed(asset)
    _refuse_reserved(asset)
    if asset.status not in LISTABLE_STATUSES:
        raise WarehouseStateError(
            _("Status: an asset that is “%(status)s” cannot be offered.")
            % {"status": asset.get_status_display()}
        )
    now = timezone.now()
    days = datetime.timedelta(days=int(settings.TIANFU_SCREENING_DAYS))
    listing = Listing(
        asset=asset,
        holder=asset.holder,
        reason=terms.reason,
        explanation=terms.explanation,
        mode=terms.mode,
        depot=terms.depot,
        receipt_no=terms.receipt_no,
        share_prefix=terms.share_prefix or asset.holder.division.code[:2],
        published_at=now,
        published_by=by,
        screening_ends_on=timezone.localdate() + days,
        stocked_in_at=now if terms.mode == ListingMode.PHYSICAL else None,
    )
    _copy_asset(listing, asset)
    _save_new(listing)
    asset.status = listed_status(listing)
    asset.save(update_fields=["status", "updated_at"])
    if listing.mode == ListingMode.PHYSICAL:
        _custody(listing, CustodyEvent.STOCK_IN, listing.receipt_no, by)
    return listing


def _refuse_listed(asset: Asset) -> None:
    if Listing.objects.filter(asset=asset, status__in=LIVE_LISTING_STATUSES).exists():
        raise AlreadyListedError()


def _refuse_reserved(asset: Asset) -> None:
    """An asset on its way to another unit (an item of a transfer batch) is not offered: the
    caller holds the asset's lock, which adding it to a batch takes too."""
    active = Reservation.objects.filter(asset=asset, status__in=ACTIVE_RESERVATION_STATUSES)
    reservation = active.only("batch_id").first()
    if reservation is not None:
        raise AlreadyReservedError(
            _(
                "Asset %(code)s is being transferred to another unit (%(transfer)s); "
                "it cannot be offered."
            )
            % {"code": asset.ledger_code, "transfer": _transfer_name(reservation)}
        )


def _transfer_name(reservation: Reservation) -> str:
    if reservation.batch_id is not None:
        return _("transfer batch #%(batch)s") % {"batch": reservation.batch_id}
    return _("reservation #%(reservation)s") % {"reservation": reservation.pk}


def _save_new(listing: Listing) -> None:
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as exc:
        # Listed by someone else since the check: the constraint caught it.
        if LIVE_CONSTRAINT in str(exc):
            raise AlreadyListedError() from None
        raise


def _custody(listing: Listing, event: CustodyEvent, document_no: str, by: User) -> CustodyEntry:
    """The goods go into or out of the warehouse; the holder keeps them on its ledger all along,
    so the entry names the holder and the depot (as a handover's stock-out does)."""
    return CustodyEntry.objects.create(
        asset_id=listing.asset_id,
        event=event,
        from_unit_id=listing.holder_id,
        depot_id=listing.depot_id,
        document_no=document_no,
        by=by,
    )


# -- edit and withdraw ------------------------------------------------------------------------


def edit_listing(
    listing: Listing,
    *,
    reason: str | None = None,
    explanation: str | None = None,
    share_prefix: str | None = None,
    by: User,
) -> Listing:
    """Change why and with whom a published listing is shared; the asset's facts are re-read.

    Arguments left ``None`` keep their value. The asset's status follows a changed reason
    while it stays with its holder.
    """
    _require_listing_editor(listing, by)
    with writing(by):
        locked = _lock_listing(listing)
        _require_published(locked, _("edited"))
        if reason is not None:
            locked.reason = reason
        if explanation is not None:
            locked.explanation = explanation.strip()
        _check_reason(locked.reason, locked.explanation)
        if share_prefix is not None:
            _check_share_prefix(share_prefix)
            locked.share_prefix = share_prefix
        asset = Asset.objects.select_for_update(of=("self",)).get(pk=locked.asset_id)
        _check_shareable(asset)
        _copy_asset(locked, asset)
        locked.save()
        asset.status = listed_status(locked)
        asset.save(update_fields=["status", "updated_at"])
    return locked


def withdraw_listing(listing: Listing, *, by: User, document_no: str = "") -> Listing:
    """Take a published listing back: it is no longer offered, out of the warehouse if stocked
    (``document_no``: the stock-out slip, recorded in the custody log).

    The asset keeps the listing's reason as its status (idle, over standard, low efficiency or
    repairable): withdrawing stops the offer, it does not put the asset back to use, so the
    mark it was listed under (or had before) is not lost. Its holder marks it in use again
    through the ledger once it is.
    """
    _require_listing_editor(listing, by)
    if len(document_no.strip()) > RECEIPT_MAX:
        raise WarehouseInputError(
            _("Stock-out document number: at most %(max)d characters.") % {"max": RECEIPT_MAX}
        )
    with writing(by):
        locked = _lock_listing(listing)
        _require_published(locked, _("withdrawn"))
        locked.status = ListingStatus.WITHDRAWN
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        Asset.objects.filter(pk=locked.asset_id).update(
            status=locked.reason, updated_at=locked.closed_at
        )
        if locked.mode == ListingMode.PHYSICAL:
            _custody(locked, CustodyEvent.STOCK_OUT, document_no.strip(), by)
    return locked


def _require_published(listing: Listing, action: str) -> None:
    if listing.status != ListingStatus.PUBLISHED:
        raise WarehouseStateError(
            _("Status: a listing that is “%(status)s” cannot be %(action)s.")
            % {"status": listing.get_status_display(), "action": action}
        )


# -- photos -----------------------------------------------------------------------------------


def add_photo(listing: Listing, upload: UploadedFile, *, by: User) -> ListingPhoto:
    """Store a JPEG or PNG photo of a live listing under its content hash, once per listing."""
    _require_photo_editor(listing, by)
    photo = ListingPhoto(listing=listing, uploaded_by=by, **_check_photo(upload))
    _refuse_twin(listing, photo.sha256)
    photo.file.save(photo.original_name, upload, save=False)
    try:
        with writing(by):
            photo.save()
    except BaseException as exc:
        photo.file.delete(save=False)  # the row was not written: leave no file behind
        if isinstance(exc, IntegrityError):  # the same photo, uploaded at the same moment
            raise PhotoRejectedError(_("This photo is already on the listing.")) from None
        raise
    return photo


def remove_photo(photo: ListingPhoto, *, by: User) -> None:
    """Delete a photo and, once the deletion is committed, its file."""
    _require_photo_editor(photo.listing, by)
    with writing(by):
        photo.delete()
        transaction.on_commit(lambda: photo.file.delete(save=False))


def _require_photo_editor(listing: Listing, by: User) -> None:
    """Photos change while the listing is live; afterwards they are part of its record."""
    _require_listing_editor(listing, by)
    if listing.status not in LIVE_LISTING_STATUSES:
        raise WarehouseStateError(
            _("Status: the photos of a listing that is “%(status)s” cannot change.")
            % {"status": listing.get_status_display()}
        )


def _refuse_twin(listing: Listing, sha256: str) -> None:
    twin = listing.photos.filter(sha256=sha256).first()
    if twin is not None:
        raise PhotoRejectedError(
            _("This photo is already on the listing as “%(name)s”.") % {"name": twin}
        )


def _check_photo(upload: UploadedFile) -> dict[str, object]:
    """Refuse an empty, oversized, mistyped or active file; otherwise the facts stored about it."""
    accepted = files.Accepted(
        field=capfirst(_("photo")),
        kinds=(files.JPEG, files.PNG),
        expected=_("a JPEG or PNG image"),
        max_mb=int(settings.TIANFU_LISTING_PHOTO_MAX_MB),
    )
    try:
        checked = files.check_upload(upload, accepted)
    except files.UploadRejectedError as exc:
        raise PhotoRejectedError(exc.user_message) from None
    return {
        "original_name": checked.original_name[:200],
        "content_type": checked.content_type,
        "size_bytes": checked.size_bytes,
        "sha256": checked.sha256,
    }
