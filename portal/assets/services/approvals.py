"""Approval chains of transfers, transfer batches and disposal batches: who signs, in what order.

A chain is data (:class:`~portal.assets.models.ApprovalRule`): :func:`chain_for` picks the steps
when a reservation is made or a batch submitted, and the subject keeps them in its ``chain``
field, so a rule edited later does not change what was asked of a transfer already under way.
:func:`sign` records one step at a time, in order, under a lock on the subject: signing the last
step approves the subject, a rejection at any step rejects it and frees what it held (the
listing of a reservation, the items of a batch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.assets.choices import (
    ApprovalDecision,
    ApprovalStep,
    ApprovalSubject,
    AssetStatus,
    BatchStatus,
    ListingMode,
    ListingStatus,
    ReservationStatus,
)
from portal.assets.exceptions import (
    ApprovalForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import (
    Approval,
    ApprovalRule,
    Asset,
    AssetCategory,
    DisposalBatch,
    Listing,
    Reservation,
    TransferBatch,
)
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.core.services import writing
from portal.org.choices import Role
from portal.org.scoping import edit_scope

if TYPE_CHECKING:
    from portal.org.models import Unit, User

# What a subject may be: one of these three models (the Approval row has a key to each).
Subject = Reservation | TransferBatch | DisposalBatch


# -- choosing a chain --------------------------------------------------------------------------


def _lineage(category: AssetCategory | None) -> list[int]:
    """The category's id and its ancestors' ids, the category itself first."""
    ids: list[int] = []
    while category is not None and category.pk not in ids:  # a cycle in edited data stops here
        ids.append(category.pk)
        category = category.parent
    return ids


def chain_for(
    subject: ApprovalSubject | str, category: AssetCategory | None, value: Decimal
) -> list[str]:
    """The steps a transfer or disposal of ``value`` yuan in ``category`` needs, in order.

    Of the active rules of ``subject`` for the category, one of its ancestors or no category,
    whose ``min_value`` the value reaches, the most specific category wins, then the highest
    threshold. Raises :class:`WarehouseStateError` when no rule applies.
    """
    lineage = _lineage(category)
    rules = ApprovalRule.objects.filter(subject=subject, active=True, min_value__lte=value).filter(
        Q(category__isnull=True) | Q(category_id__in=lineage)
    )

    def specificity(rule: ApprovalRule) -> tuple[int, Decimal]:
        depth = lineage.index(rule.category_id) if rule.category_id else len(lineage)
        return depth, -rule.min_value

    best = min(rules, key=specificity, default=None)
    if best is None:
        raise WarehouseStateError(
            _(
                "No active approval rule covers a %(subject)s of %(category)s worth %(value)s "
                "yuan; ask the administration to add one."
            )
            % {
                "subject": ApprovalSubject(subject).label,
                "category": category or _("any category"),
                "value": value,
            }
        )
    return list(best.steps)


# -- what each kind of subject means -------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    """How :func:`sign` reads and moves one kind of subject."""

    approval_field: str
    awaiting: str
    approved: str
    rejected: str
    giving: Callable[[Any], Unit]
    receiving: Callable[[Any], Unit | None]
    on_approved: Callable[[Any], None]
    on_rejected: Callable[[Any], None]


def listed_status(listing: Listing) -> str:
    """The asset's status while its listing is offered: in the warehouse, or the reason."""
    return AssetStatus.IN_WAREHOUSE if listing.mode == ListingMode.PHYSICAL else listing.reason


def release_listing(reservation: Reservation) -> None:
    """Offer the reservation's listing again: published, its asset marked as listed.

    Called with the reservation locked and no longer active; locks the listing, then the asset
    (the order every transfer write takes them in).
    """
    if reservation.listing_id is None:
        return
    listing = Listing.objects.select_for_update(no_key=True).get(pk=reservation.listing_id)
    asset = Asset.objects.select_for_update(no_key=True).get(pk=reservation.asset_id)
    if listing.status == ListingStatus.RESERVED:
        listing.status = ListingStatus.PUBLISHED
        listing.save(update_fields=["status", "updated_at"])
    if asset.status == AssetStatus.RESERVED:
        asset.status = listed_status(listing)
        asset.save(update_fields=["status", "updated_at"])


def _no_effect(subject: Subject) -> None:
    """A reservation or disposal batch only changes its status when approved."""


def _approve_items(batch: TransferBatch) -> None:
    batch.items.filter(status=ReservationStatus.PENDING).update(
        status=ReservationStatus.APPROVED, updated_at=timezone.now()
    )


def _reject_items(batch: TransferBatch) -> None:
    # The items' assets were never marked: closing the items frees them for other transfers.
    batch.items.filter(status__in=ACTIVE_RESERVATION_STATUSES).update(
        status=ReservationStatus.REJECTED, updated_at=timezone.now()
    )


def _free_disposal_items(batch: DisposalBatch) -> None:
    # An item holds its listing (one batch per listing): removing the items lets the listings
    # join another batch. The history keeps what the rejected batch contained.
    batch.items.all().delete()


_KINDS: Final[dict[type[Model], _Kind]] = {
    Reservation: _Kind(
        "reservation",
        ReservationStatus.PENDING,
        ReservationStatus.APPROVED,
        ReservationStatus.REJECTED,
        giving=lambda r: r.from_unit,
        receiving=lambda r: r.receiving_unit,
        on_approved=_no_effect,
        on_rejected=release_listing,
    ),
    TransferBatch: _Kind(
        "transfer_batch",
        BatchStatus.SUBMITTED,
        BatchStatus.APPROVED,
        BatchStatus.REJECTED,
        giving=lambda b: b.from_unit,
        receiving=lambda b: b.to_unit,
        on_approved=_approve_items,
        on_rejected=_reject_items,
    ),
    DisposalBatch: _Kind(
        "disposal_batch",
        BatchStatus.SUBMITTED,
        BatchStatus.APPROVED,
        BatchStatus.REJECTED,
        giving=lambda b: b.unit,
        receiving=lambda b: None,
        on_approved=_no_effect,
        on_rejected=_free_disposal_items,
    ),
}


def _kind(subject: Model) -> _Kind:
    try:
        return _KINDS[type(subject)]
    except KeyError:
        raise TypeError(f"{type(subject).__name__} has no approval chain") from None


# -- who signs what ------------------------------------------------------------------------------


def may_sign(user: User, step: str, *, giving_unit: Unit, receiving_unit: Unit | None) -> bool:
    """Whether ``user`` may sign ``step`` of a transfer or disposal between these units.

    A unit's step: its officers, or an administrator whose edit scope covers it. The offices
    administration's step: a user of an offices administration whose edit scope covers the
    giving unit, or a province administrator. Viewers and auditors edit nothing, so sign nothing.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    scope = edit_scope(user)
    if step == ApprovalStep.HOLDER_UNIT:
        return scope.allows(giving_unit)
    if step == ApprovalStep.RECEIVING_UNIT:
        return receiving_unit is not None and scope.allows(receiving_unit)
    if step == ApprovalStep.ADMINISTRATION:
        if user.is_superuser or user.role == Role.PROVINCE_ADMIN:
            return True
        unit = user.unit
        return unit is not None and unit.offices_administration and scope.allows(giving_unit)
    return False


def next_step(subject_obj: Subject) -> tuple[int, str] | None:
    """The step awaited now, as (position from 1, step); None when nothing awaits a signature."""
    kind = _kind(subject_obj)
    if subject_obj.status != kind.awaiting:
        return None
    signed = Approval.objects.filter(
        **{kind.approval_field: subject_obj}, decision=ApprovalDecision.APPROVED
    ).count()
    if signed >= len(subject_obj.chain):
        return None
    return signed + 1, subject_obj.chain[signed]


def sign(
    subject_obj: Subject, decision: ApprovalDecision | str, *, by: User, note: str = ""
) -> Approval:
    """Sign the awaited step of a reservation, transfer batch or disposal batch.

    The subject is locked and read again first, so of two people signing at once the second
    signs the next step or is refused. The subject passed in is not refreshed.
    """
    kind = _kind(subject_obj)
    if decision not in ApprovalDecision.values:
        raise WarehouseInputError(_("Choose to approve or to reject."))
    with writing(by):
        subject = type(subject_obj).objects.select_for_update(no_key=True).get(pk=subject_obj.pk)
        position, step = _awaited(subject, kind)
        giving, receiving = kind.giving(subject), kind.receiving(subject)
        if not may_sign(by, step, giving_unit=giving, receiving_unit=receiving):
            raise ApprovalForbiddenError(
                _("Step %(position)d, “%(step)s”, is not yours to sign.")
                % {"position": position, "step": ApprovalStep(step).label}
            )
        approval = Approval.objects.create(
            **{kind.approval_field: subject},
            position=position,
            step=step,
            decision=decision,
            note=note.strip(),
            decided_by=by,
        )
        _conclude(subject, kind, decision, position)
    return approval


def _awaited(subject: Subject, kind: _Kind) -> tuple[int, str]:
    # An item of a bulk transfer is approved with its batch, never on its own.
    if isinstance(subject, Reservation) and subject.batch_id is not None:
        raise WarehouseStateError(
            _("“%(subject)s” is an item of transfer batch #%(batch)d: sign the batch.")
            % {"subject": subject, "batch": subject.batch_id}
        )
    awaited = next_step(subject)
    if awaited is None:
        raise WarehouseStateError(
            _("“%(subject)s” is not awaiting approval: it is %(status)s.")
            % {"subject": subject, "status": subject.get_status_display()}
        )
    return awaited


def _conclude(subject: Subject, kind: _Kind, decision: str, position: int) -> None:
    """Reject the subject, approve it after its last step, or leave it awaiting the next."""
    if decision == ApprovalDecision.REJECTED:
        subject.status = kind.rejected
        subject.save(update_fields=["status", "updated_at"])
        kind.on_rejected(subject)
    elif position == len(subject.chain):
        subject.status = kind.approved
        subject.save(update_fields=["status", "updated_at"])
        kind.on_approved(subject)
