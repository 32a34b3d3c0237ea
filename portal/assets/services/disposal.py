"""Writes of centralised disposal: the screening-period move, and disposal batches from their
creation through approval to completion with the proceeds of each item.

A listing nobody claimed by the end of its screening period moves to disposal; the offices
administration of a division then groups such listings into a batch disposed of by one method
(auction, paid transfer, donation, scrap), has the batch approved along the chain the approval
rules give, and completes it by recording what each item fetched. Completion closes the
listings, marks the assets disposed and writes a custody entry for each.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.assets.choices import (
    ApprovalStep,
    ApprovalSubject,
    AssetStatus,
    BatchStatus,
    CustodyEvent,
    DisposalMethod,
    ListingStatus,
)
from portal.assets.exceptions import (
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import (
    Approval,
    Asset,
    CustodyEntry,
    DisposalBatch,
    DisposalItem,
    Listing,
)
from portal.assets.services.approvals import chain_for, sign
from portal.assets.services.handover import naming
from portal.core.services import writing
from portal.org.choices import Role
from portal.org.models import Unit
from portal.org.scoping import edit_scope

if TYPE_CHECKING:
    from portal.org.models import User

CENT: Final = Decimal("0.01")
STEP_ORDER: Final = list(ApprovalStep.values)


# -- the screening period ---------------------------------------------------------------------


def move_to_disposal(today: datetime.date | None = None) -> int:
    """Move every published listing whose screening period ended before ``today`` to disposal.

    ``today`` defaults to the local date. A listing ending on ``today`` still has its last day;
    reserved listings are claimed and stay. Running it again the same day moves nothing.
    Returns how many listings moved.
    """
    today = today or timezone.localdate()
    with writing(None, url="screen_listings", screening_date=today.isoformat()):
        # One UPDATE: a listing a reservation locks meanwhile is re-read after the lock and,
        # no longer published, left alone.
        return Listing.objects.screening_over(today).update(
            status=ListingStatus.DISPOSAL, updated_at=timezone.now()
        )


# -- who runs disposal ------------------------------------------------------------------------


def _require_disposal_officer(unit: Unit, by: User) -> None:
    """An editor of an offices administration whose edit scope covers ``unit``, or a province
    administrator: disposal is run centrally, not by the holders themselves."""
    if by.is_active and (by.is_superuser or by.role == Role.PROVINCE_ADMIN):
        return
    own = by.unit if by.is_active else None
    if own is None or not own.offices_administration or not edit_scope(by).allows(unit):
        raise WarehouseForbiddenError(
            _("Disposal batches of “%(unit)s” are run by its offices administration.")
            % {"unit": unit}
        )


def _require_administration(unit: Unit) -> None:
    if not unit.offices_administration:
        raise WarehouseInputError(
            _("Responsible unit: “%(unit)s” is not an offices administration.") % {"unit": unit}
        )


def _lock_batch(batch: DisposalBatch, *statuses: BatchStatus, action: str) -> DisposalBatch:
    locked = DisposalBatch.objects.select_for_update().select_related("unit").get(pk=batch.pk)
    if locked.status not in statuses:
        raise WarehouseStateError(
            _("Status: a disposal batch that is “%(status)s” cannot be %(action)s.")
            % {"status": locked.get_status_display(), "action": action}
        )
    return locked


# -- creation ---------------------------------------------------------------------------------


def create_disposal_batch(
    method: str, unit: Unit, listings: Iterable[Listing], *, by: User, note: str = ""
) -> DisposalBatch:
    """Group listings moved to disposal into a draft batch run by the offices administration
    ``unit``; each listing's holder must lie in ``unit``'s division. All or none."""
    if method not in DisposalMethod.values:
        raise WarehouseInputError(_("Method: choose auction, paid transfer, donation or scrap."))
    _require_administration(unit)
    _require_disposal_officer(unit, by)
    ids = sorted({listing.pk for listing in listings})
    if not ids:
        raise WarehouseInputError(_("Select at least one listing in disposal."))
    with writing(by):
        locked = list(
            Listing.objects.select_for_update(of=("self",))
            .select_related("asset", "holder__division")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        for listing in locked:
            with naming(listing.asset):
                _check_batchable(listing, unit)
        batch = DisposalBatch.objects.create(
            code=_next_code(unit),
            method=method,
            unit=unit,
            chain=[],
            note=note.strip(),
            created_by=by,
        )
        items = [DisposalItem(batch=batch, listing=x, asset_id=x.asset_id) for x in locked]
        _save_items(items)
    return batch


def _check_batchable(listing: Listing, unit: Unit) -> None:
    if listing.status != ListingStatus.DISPOSAL:
        raise WarehouseStateError(
            _("Status: the listing is “%(status)s”, not in disposal.")
            % {"status": listing.get_status_display()}
        )
    held = DisposalItem.objects.filter(listing=listing).select_related("batch").first()
    if held is not None:
        raise WarehouseStateError(
            _("The listing is already in disposal batch %(code)s.") % {"code": held.batch}
        )
    if not listing.holder.division.code.startswith(unit.division.prefix):
        raise WarehouseForbiddenError(
            _("Holder: “%(holder)s” lies outside the division of “%(unit)s”.")
            % {"holder": listing.holder, "unit": unit}
        )


def _next_code(unit: Unit) -> str:
    """CZ<year>-<unit>-<n>: numbered per unit and year under a lock on the unit's row, so two
    batches created at once get different numbers. (NO KEY: rows referring to the unit may
    still be written meanwhile.)"""
    Unit.objects.select_for_update(no_key=True).filter(pk=unit.pk).first()
    prefix = f"CZ{timezone.localdate().year}-{unit.pk:05d}-"
    last = DisposalBatch.objects.filter(code__startswith=prefix).order_by("-code").first()
    number = int(last.code.removeprefix(prefix)) + 1 if last is not None else 1
    return f"{prefix}{number:04d}"


def _save_items(items: list[DisposalItem]) -> None:
    try:
        with transaction.atomic():
            DisposalItem.objects.bulk_create(items)
    except IntegrityError:  # batched by someone else since the check: the constraint caught it
        raise WarehouseStateError(
            _("A listing was put in another disposal batch meanwhile.")
        ) from None


# -- submission and approval ------------------------------------------------------------------


def submit_disposal_batch(batch: DisposalBatch, *, by: User) -> DisposalBatch:
    """Send a draft batch for approval along the chain the disposal rules give for it."""
    _require_disposal_officer(batch.unit, by)
    with writing(by):
        locked = _lock_batch(batch, BatchStatus.DRAFT, action=_("submitted"))
        locked.chain = disposal_chain(locked)
        locked.status = BatchStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["chain", "status", "submitted_at", "updated_at"])
    return locked


def disposal_chain(batch: DisposalBatch) -> list[str]:
    """Every step any rule asks of the batch's categories at the batch's total net value.

    A batch mixes categories; taking the union of their chains means no item escapes a step
    a rule for its category asks for. Steps keep their usual order (holder, receiver,
    administration).
    """
    listings = Listing.objects.filter(disposal_item__batch=batch)
    total = listings.aggregate(total=Sum("net_value"))["total"]
    if total is None:
        raise WarehouseStateError(_("The batch holds no listing to dispose of."))
    steps: set[str] = set()
    for category in {listing.category for listing in listings.select_related("category")}:
        steps.update(chain_for(ApprovalSubject.DISPOSAL, category, total))
    return sorted(steps, key=STEP_ORDER.index)


def sign_disposal_batch(
    batch: DisposalBatch, decision: str, *, by: User, note: str = ""
) -> Approval:
    """Sign the batch's awaited approval step (:func:`approvals.sign` says who may).

    Signing the last step approves the batch; a rejection rejects it and takes its listings
    out of it, so that they can join another batch. ``batch`` is refreshed.
    """
    approval = sign(batch, decision, by=by, note=note)
    batch.refresh_from_db()
    return approval


# -- completion -------------------------------------------------------------------------------


def complete_disposal_batch(
    batch: DisposalBatch,
    proceeds: Mapping[int, Decimal],
    *,
    by: User,
    counterparties: Mapping[int, str] | None = None,
) -> DisposalBatch:
    """Record what each item of an approved batch fetched and dispose of its assets.

    ``proceeds`` maps every item's id to its proceeds in yuan (0 when nothing was paid; a
    donation fetches nothing); ``counterparties`` optionally names each buyer or recipient.
    Listings and assets become disposed, each with a disposal custody entry. All or none.
    """
    _require_disposal_officer(batch.unit, by)
    with writing(by):
        locked = _lock_batch(batch, BatchStatus.APPROVED, action=_("completed"))
        items = list(
            DisposalItem.objects.select_for_update(of=("self",))
            .select_related("asset", "listing")
            .filter(batch=locked)
            .order_by("pk")
        )
        _refuse_strangers(proceeds, items)
        now = timezone.now()
        for item in items:
            with naming(item.asset):
                item.proceeds = _amount(proceeds.get(item.pk), locked.method)
            item.counterparty = (counterparties or {}).get(item.pk, "").strip()[:200]
            item.save(update_fields=["proceeds", "counterparty"])
            _dispose(item, locked, now, by)
        locked.status = BatchStatus.COMPLETED
        locked.completed_at = now
        locked.save(update_fields=["status", "completed_at", "updated_at"])
    return locked


def _refuse_strangers(proceeds: Mapping[int, Decimal], items: list[DisposalItem]) -> None:
    strangers = set(proceeds) - {item.pk for item in items}
    if strangers:
        raise WarehouseInputError(
            _("Proceeds: item %(item)s is not in this batch.") % {"item": min(strangers)}
        )


def _amount(value: object, method: str) -> Decimal:
    if value is None:
        raise WarehouseInputError(_("Proceeds: record what it fetched (0 if nothing)."))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise WarehouseInputError(
            _("Proceeds: “%(value)s” is not an amount.") % {"value": value}
        ) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise WarehouseInputError(
            _("Proceeds: “%(value)s” is not an amount of yuan and fen.") % {"value": value}
        )
    if method == DisposalMethod.DONATION and amount != 0:
        raise WarehouseInputError(_("Proceeds: a donation fetches nothing; record 0."))
    return amount


def _dispose(item: DisposalItem, batch: DisposalBatch, now: datetime.datetime, by: User) -> None:
    listing = item.listing
    if listing.status != ListingStatus.DISPOSAL:  # the batch holds it: only a bug moves it
        raise WarehouseStateError(
            _("Status: the listing of asset %(code)s is “%(status)s”, not in disposal.")
            % {"code": item.asset.ledger_code, "status": listing.get_status_display()}
        )
    Listing.objects.filter(pk=listing.pk).update(
        status=ListingStatus.DISPOSED, closed_at=now, updated_at=now
    )
    Asset.objects.filter(pk=item.asset_id).update(status=AssetStatus.DISPOSED, updated_at=now)
    CustodyEntry.objects.create(
        asset_id=item.asset_id,
        event=CustodyEvent.DISPOSAL,
        from_unit_id=item.asset.holder_id,
        depot_id=listing.depot_id,
        disposal_item=item,
        document_no=batch.code,
        by=by,
    )


# -- reading the proceeds ---------------------------------------------------------------------


def proceeds_total(batches: QuerySet[DisposalBatch]) -> Decimal:
    """What the completed batches among ``batches`` fetched, in yuan (scope them first)."""
    completed = batches.filter(status=BatchStatus.COMPLETED)
    total = DisposalItem.objects.filter(batch__in=completed).aggregate(total=Sum("proceeds"))
    return total["total"] or Decimal("0.00")
