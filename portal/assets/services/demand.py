"""Writes of demand: a unit's needs, its decisions on the warehouse's candidates for them, and
the purchase request the "check the warehouse before buying" gate lets through.

The gate: a purchase for a need is refused while any of the need's current best candidates
(the first ``TIANFU_MATCH_LIMIT`` of :func:`~portal.assets.matching.match_candidates`) has not
been reviewed, that is requested (which reserves it for the unit) or declined with a reason.

Who may act: whoever may edit the need's unit (its officers, the administrators whose division
covers it, province administrators). A need is delivered to a building its unit manages or
occupies, the rule transfers follow. Every write runs in one transaction and writes nothing
when refused; the need is locked last, after any listing and asset a reservation locks, in the
order transfers lock them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.assets.choices import NeedStatus, ReviewDecision
from portal.assets.exceptions import (
    PurchaseGateError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.matching import candidate_for, match_candidates
from portal.assets.models import MatchReview, Need, PurchaseRequest
from portal.assets.services.handover import check_delivery, may_edit
from portal.assets.services.transfers import reserve_listing
from portal.core.services import writing

if TYPE_CHECKING:
    from portal.assets.models import Listing
    from portal.org.models import Unit, User

# The largest amount the money columns hold (14 digits, 2 of them decimals).
MAX_VALUE = Decimal(10) ** 12


def _require_editor(unit: Unit, by: User, action: str) -> None:
    if not may_edit(by, unit):
        raise WarehouseForbiddenError(
            _("You may not %(action)s for %(unit)s.") % {"action": action, "unit": unit}
        )


def _lock(need: Need) -> Need:
    return Need.objects.select_for_update(no_key=True).get(pk=need.pk)


def _require_open(need: Need) -> None:
    if need.status != NeedStatus.OPEN:
        raise WarehouseStateError(
            _("The need “%(need)s” is %(status)s, not open.")
            % {"need": need, "status": need.get_status_display()}
        )


# -- needs ------------------------------------------------------------------------------------


def post_need(need: Need, *, by: User) -> Need:
    """Post a new need (an unsaved ``Need``; its unit defaults to ``by``'s); it opens.

    Refused, naming the field: a delivery building its unit neither manages nor occupies, a
    quantity under 1, a needed-by date in the past, a maximum distance under 1 metre.
    """
    if need.pk is not None:
        raise WarehouseStateError(_("This need is already posted."))
    if need.unit_id is None and by.unit is not None:
        need.unit = by.unit
    if need.unit_id is None:
        raise WarehouseInputError(_("Unit: choose the unit that needs the assets."))
    _require_editor(need.unit, by, _("post needs"))
    need.status = NeedStatus.OPEN
    need.created_by = by
    _check_need(need)
    with writing(by):
        need.save()
    return need


def _check_need(need: Need) -> None:
    """The need's own rules, then the model's validation, each refusal naming its field."""
    if need.quantity is not None and need.quantity < 1:
        raise WarehouseInputError(_("Quantity: ask for at least one."))
    if need.needed_by is not None and need.needed_by < timezone.localdate():
        raise WarehouseInputError(_("Needed by: the date has passed; give today or later."))
    if need.max_distance_m is not None and need.max_distance_m < 1:
        raise WarehouseInputError(
            _("Maximum distance: give at least one metre, or leave it empty for any distance.")
        )
    try:
        need.full_clean()
    except ValidationError as exc:
        raise WarehouseInputError(_field_errors(need, exc)) from None
    check_delivery(need.unit, need.delivery_building)


def _field_errors(need: Need, exc: ValidationError) -> str:
    def label(name: str) -> str:
        if name == "__all__":
            return _("Need")
        return str(need._meta.get_field(name).verbose_name).capitalize()

    return "; ".join(
        f"{label(name)}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
    )


def cancel_need(need: Need, *, by: User) -> Need:
    """Cancel an open need; its reviews stay as the record of what was checked."""
    _require_editor(need.unit, by, _("cancel needs"))
    with writing(by):
        locked = _lock(need)
        _require_open(locked)
        locked.status = NeedStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    return locked


# -- reviews of candidates --------------------------------------------------------------------


def review_match(
    need: Need, listing: Listing, decision: str, *, reason: str = "", by: User
) -> MatchReview:
    """Record the unit's decision on one candidate of its open need.

    ``requested`` reserves the listing for the need's unit (the approval chain starts);
    ``declined`` needs a reason. The listing must be a candidate of the need now (published,
    shared with the unit, within the need's filters), wherever it ranks; a decision on it may be
    taken again while it still is one.
    """
    _require_editor(need.unit, by, _("review warehouse candidates"))
    reason = reason.strip()
    if decision not in ReviewDecision.values:
        raise WarehouseInputError(_("Decision: choose requested or declined."))
    if decision == ReviewDecision.DECLINED and not reason:
        raise WarehouseInputError(_("Reason: say why the candidate is declined."))
    _require_open(need)
    candidate = candidate_for(need, listing)
    if candidate is None:
        raise WarehouseStateError(
            _(
                "“%(listing)s” is not a candidate for this need: it is no longer offered, not "
                "shared with %(unit)s, or outside the need's filters."
            )
            % {"listing": listing, "unit": need.unit}
        )
    with writing(by):
        if decision == ReviewDecision.REQUESTED:
            reserve_listing(listing, by=by, need=need, note=reason)
        _require_open(_lock(need))
        review, _created = MatchReview.objects.update_or_create(
            need=need,
            listing=listing,
            defaults={
                "decision": decision,
                "reason": reason,
                "distance_m": candidate.distance_m,
                "decided_by": by,
            },
        )
    return review


# -- the purchase gate ------------------------------------------------------------------------


def submit_purchase(
    need: Need, *, justification: str, estimated_value: Decimal | str, by: User
) -> PurchaseRequest:
    """Submit the purchase of an open need, once every current best candidate is reviewed.

    Refused with :class:`PurchaseGateError`, naming how many, while any of the need's first
    ``TIANFU_MATCH_LIMIT`` candidates is neither requested nor declined. The need then awaits
    its purchase.
    """
    _require_editor(need.unit, by, _("request purchases"))
    justification = justification.strip()
    if not justification:
        raise WarehouseInputError(_("Justification: say why the assets must be bought."))
    value = _money(estimated_value)
    with writing(by):
        locked = _lock(need)
        _require_open(locked)
        reviewed = _check_gate(locked)
        try:
            purchase = PurchaseRequest.objects.create(
                need=locked,
                justification=justification,
                estimated_value=value,
                candidates_reviewed=reviewed,
                submitted_by=by,
            )
        except IntegrityError:  # the need's one purchase exists: another request came first
            raise WarehouseStateError(_("A purchase is already requested for this need.")) from None
        locked.status = NeedStatus.PURCHASE
        locked.save(update_fields=["status", "updated_at"])
    return purchase


def _money(value: Decimal | str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = Decimal(-1)
    if not (amount.is_finite() and 0 <= amount < MAX_VALUE) or amount != round(amount, 2):
        raise WarehouseInputError(
            _("Estimated value: give an amount in yuan of 0 or more, with at most two decimals.")
        )
    return amount


def _check_gate(need: Need) -> int:
    """The number of current best candidates, all reviewed; else the gate's refusal."""
    candidates = match_candidates(need)
    ids = [candidate.listing_id for candidate in candidates]
    reviewed = set(
        MatchReview.objects.filter(need=need, listing_id__in=ids).values_list(
            "listing_id", flat=True
        )
    )
    waiting = len(ids) - len(reviewed)
    if waiting:
        raise PurchaseGateError(
            ngettext(
                "Check the warehouse before buying: %(count)d of the top %(total)d warehouse "
                "candidates for this need has not been reviewed. Request it, or decline it "
                "with a reason.",
                "Check the warehouse before buying: %(count)d of the top %(total)d warehouse "
                "candidates for this need have not been reviewed. Request them, or decline "
                "them with a reason.",
                waiting,
            )
            % {"count": waiting, "total": len(ids)}
        )
    return len(ids)
