"""Bulk transfer batches: assets of one unit chosen from its ledger and moved to another unit at
once, under one approval chain.

A batch's items are reservations without a listing. The giving unit's editors open a draft, add
assets and submit it: the chain is fixed then, from the batch's total value (see
:func:`batch_chain`), and signed through :func:`~portal.assets.services.approvals.sign`. Either
side may take an item out until the batch is completed, and complete it once approved: every
item is handed over, or none if one is no longer available. Every write locks the batch first,
then its items, then their assets in key order (so two batches over the same assets cannot
deadlock), checks their state under the lock, and runs in one transaction inside
``pghistory.context(user=...)``: a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.assets.choices import (
    ApprovalStep,
    ApprovalSubject,
    AssetStatus,
    BatchStatus,
    ReservationStatus,
)
from portal.assets.exceptions import (
    AlreadyListedError,
    AlreadyReservedError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import Asset, Listing, Reservation, TransferBatch
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.assets.models.warehouse import LIVE_LISTING_STATUSES
from portal.assets.services.approvals import chain_for
from portal.assets.services.handover import (
    check_codes_free,
    check_delivery,
    guarded,
    log_handover,
    may_edit,
    move_asset,
)
from portal.core.choices import Confidentiality
from portal.core.services import writing

if TYPE_CHECKING:
    from portal.buildings.models import Building
    from portal.org.models import Unit, User

# An asset in one of these statuses may join a transfer batch; any other is listed, reserved,
# gone, or on its way out.
TRANSFERABLE_STATUSES: Final = (
    AssetStatus.IN_USE,
    AssetStatus.IDLE,
    AssetStatus.OVER_STANDARD,
    AssetStatus.LOW_EFFICIENCY,
    AssetStatus.REPAIRABLE,
)
# Both units read a batch's items, so nothing classified above this level joins one.
SHAREABLE_RANK: Final = Confidentiality.rank(Confidentiality.INTERNAL)
# Items may be taken out of a batch until it is completed or rejected.
OPEN_BATCH_STATUSES: Final = (BatchStatus.DRAFT, BatchStatus.SUBMITTED, BatchStatus.APPROVED)


def create_batch(
    from_unit: Unit, to_unit: Unit, delivery_building: Building, *, by: User, note: str = ""
) -> TransferBatch:
    """Open a draft batch moving assets of ``from_unit`` to ``to_unit`` (its editors open it)."""
    if not may_edit(by, from_unit):
        raise WarehouseForbiddenError(
            _("You may not transfer assets of %(unit)s.") % {"unit": from_unit}
        )
    if from_unit.pk == to_unit.pk:
        raise WarehouseInputError(_("Receiving unit: choose a unit other than the holder."))
    check_delivery(to_unit, delivery_building)
    with writing(by):
        return TransferBatch.objects.create(
            from_unit=from_unit,
            to_unit=to_unit,
            delivery_building=delivery_building,
            chain=[],
            note=note.strip(),
            created_by=by,
        )


def _lock_batch(
    batch: TransferBatch, by: User, action: str, *statuses: str, giving_only: bool = False
) -> TransferBatch:
    """The batch, locked, if it is in one of ``statuses`` and ``by`` edits one of its units
    (the giving unit with ``giving_only``: only it reads its ledger and chooses the assets)."""
    units = (batch.from_unit,) if giving_only else (batch.from_unit, batch.to_unit)
    if not may_edit(by, *units):
        raise WarehouseForbiddenError(
            _("You may not %(action)s transfer batch #%(batch)s.")
            % {"action": action, "batch": batch.pk}
        )
    queryset = TransferBatch.objects.select_for_update(of=("self",), no_key=True)
    locked = queryset.select_related("from_unit", "to_unit", "delivery_building").get(pk=batch.pk)
    if locked.status not in statuses:
        raise WarehouseStateError(
            _("Transfer batch #%(batch)s is %(status)s: you cannot %(action)s it now.")
            % {"batch": locked.pk, "status": locked.get_status_display(), "action": action}
        )
    return locked


def _lock_assets(ids: Iterable[int], *, key: bool = False) -> list[Asset]:
    """Assets locked in key order, so two batches over the same assets cannot deadlock."""
    queryset = Asset.objects.filter(pk__in=list(ids)).order_by("pk")
    return list(queryset.select_for_update(no_key=not key))


def _check_transferable(
    assets: Sequence[Asset], holder: Unit, batch: TransferBatch | None = None
) -> None:
    """Each asset is the holder's, not classified above "internal" (a batch is read by both
    sides, as a listing is shared), not listed, not reserved (except as an item of ``batch``)."""
    ids = [asset.pk for asset in assets]
    reserved = Reservation.objects.filter(asset__in=ids, status__in=ACTIVE_RESERVATION_STATUSES)
    if batch is not None:
        reserved = reserved.exclude(batch=batch)
    reserved_ids = set(reserved.values_list("asset_id", flat=True))
    listed = Listing.objects.filter(asset__in=ids, status__in=LIVE_LISTING_STATUSES)
    listed_ids = set(listed.values_list("asset_id", flat=True))
    for asset in assets:
        names = {"code": asset.ledger_code, "unit": holder, "status": asset.get_status_display()}
        if asset.holder_id != holder.pk:
            raise WarehouseInputError(_("Asset %(code)s is not on the ledger of %(unit)s.") % names)
        if Confidentiality.rank(asset.confidentiality) > SHAREABLE_RANK:
            raise WarehouseInputError(
                _(
                    "Asset %(code)s is %(level)s: a classified asset cannot be transferred "
                    "in a batch."
                )
                % {**names, "level": asset.get_confidentiality_display()}
            )
        if asset.pk in reserved_ids:
            raise AlreadyReservedError(_("Asset %(code)s is already reserved.") % names)
        if asset.pk in listed_ids:
            raise AlreadyListedError(_("Asset %(code)s is offered in the warehouse.") % names)
        if asset.status not in TRANSFERABLE_STATUSES:
            raise WarehouseStateError(_("Asset %(code)s is %(status)s.") % names)


def add_to_batch(batch: TransferBatch, assets: Iterable[Asset], *, by: User) -> list[Reservation]:
    """Add assets of the giving unit to a draft batch, all or none (the error names the asset)."""
    with writing(by):
        locked = _lock_batch(batch, by, _("add assets to"), BatchStatus.DRAFT, giving_only=True)
        rows = _lock_assets(asset.pk for asset in assets)
        if not rows:
            raise WarehouseInputError(_("Choose at least one asset."))
        _check_transferable(rows, locked.from_unit)
        items = [
            Reservation(
                asset=asset,
                batch=locked,
                from_unit=locked.from_unit,
                receiving_unit=locked.to_unit,
                delivery_building=locked.delivery_building,
                value=asset.net_value,
                chain=[],
                requested_by=by,
            )
            for asset in rows
        ]
        with guarded():
            Reservation.objects.bulk_create(items)
    return items


def remove_from_batch(batch: TransferBatch, asset: Asset, *, by: User) -> Reservation:
    """Take an asset out of a batch not yet completed; what remains keeps its approvals."""
    with writing(by):
        locked = _lock_batch(batch, by, _("change"), *OPEN_BATCH_STATUSES)
        item = (
            locked.items.select_for_update(no_key=True)
            .filter(asset=asset, status__in=ACTIVE_RESERVATION_STATUSES)
            .first()
        )
        if item is None:
            raise WarehouseInputError(
                _("Asset %(code)s is not in transfer batch #%(batch)s.")
                % {"code": asset.ledger_code, "batch": locked.pk}
            )
        item.status = ReservationStatus.CANCELLED
        item.save(update_fields=["status", "updated_at"])
    return item


def batch_chain(items: Sequence[Reservation]) -> list[str]:
    """The approval chain of a batch: every step any of its items needs at the batch's total.

    Thresholds are read at the batch's total value, so splitting a large transfer into cheap
    items (or batches into items) cannot avoid a higher approval. Items of several categories
    take the union of their categories' chains, so no item escapes a step a rule for its
    category asks for; steps keep their usual order (holder, receiver, administration), as the
    disposal batches' chains do.
    """
    total = sum((item.value for item in items), Decimal(0))
    categories = {item.asset.category_id: item.asset.category for item in items}
    steps = {
        step
        for category in categories.values()
        for step in chain_for(ApprovalSubject.TRANSFER, category, total)
    }
    return sorted(steps, key=list(ApprovalStep.values).index)


def _active_items(batch: TransferBatch, status: str) -> list[Reservation]:
    items = batch.items.select_for_update(of=("self",), no_key=True).filter(status=status)
    return list(items.select_related("asset__category").order_by("asset_id"))


def submit_batch(batch: TransferBatch, *, by: User) -> TransferBatch:
    """Submit a draft batch for approval; its chain is fixed now (see :func:`batch_chain`)."""
    with writing(by):
        locked = _lock_batch(batch, by, _("submit"), BatchStatus.DRAFT, giving_only=True)
        items = _active_items(locked, ReservationStatus.PENDING)
        if not items:
            raise WarehouseInputError(_("Add at least one asset to the batch before submitting."))
        _check_transferable(_lock_assets(i.asset_id for i in items), locked.from_unit, locked)
        locked.chain = batch_chain(items)
        locked.status = BatchStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["chain", "status", "submitted_at", "updated_at"])
        Reservation.objects.filter(pk__in=[item.pk for item in items]).update(
            chain=locked.chain, updated_at=locked.submitted_at
        )
    return locked


def complete_batch(batch: TransferBatch, *, by: User, document_no: str = "") -> TransferBatch:
    """Hand every item of an approved batch over at once, or none if one is no longer available.

    The refusal names the first unavailable asset by its ledger code.
    """
    with writing(by):
        locked = _lock_batch(batch, by, _("complete"), BatchStatus.APPROVED)
        items = _active_items(locked, ReservationStatus.APPROVED)
        if not items:
            raise WarehouseInputError(_("The batch has no asset left to hand over."))
        assets = _lock_assets((item.asset_id for item in items), key=True)
        _check_transferable(assets, locked.from_unit, locked)
        check_codes_free(assets, locked.to_unit)
        for asset in assets:
            move_asset(asset, locked.to_unit, locked.delivery_building)
        fields = ["holder", "ledger_code", "building", "geom", "status", "updated_at"]
        with guarded():
            Asset.objects.bulk_update(assets, fields)
        now = timezone.now()
        for item in items:
            item.status, item.handed_over_by = ReservationStatus.HANDED_OVER, by
            item.handed_over_at = item.updated_at = now
        Reservation.objects.bulk_update(
            items, ["status", "handed_over_at", "handed_over_by", "updated_at"]
        )
        log_handover(items, by, document_no)
        locked.status, locked.completed_at = BatchStatus.COMPLETED, now
        locked.save(update_fields=["status", "completed_at", "updated_at"])
    return locked
