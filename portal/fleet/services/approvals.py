"""Approval chains of vehicle bookings: which steps a booking needs, who signs each, in order.

A chain is data (:class:`~portal.fleet.models.TripApprovalRule`): :func:`chain_for` picks the
steps when a booking is submitted (or materially amended), and the booking keeps them in its
``chain`` field, so a rule edited later does not change what was asked of a booking under way.
A trip crossing the Sichuan–Chongqing border always needs the pool manager as well.
:func:`sign` records one step at a time under a lock on the booking: the last signature approves
it, a rejection at any step rejects it. Nobody signs a booking he asked for himself, nor two
steps of one chain, nor the chain his own material amendment restarted; and nobody signs a trip
whose start has passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.services import PortalError, writing
from portal.fleet.choices import (
    ApprovalDecision,
    ApprovalStep,
    BookingAction,
    BookingStatus,
    TripType,
)
from portal.fleet.exceptions import FleetForbiddenError, FleetInputError, FleetStateError
from portal.fleet.models import (
    Booking,
    BookingApproval,
    BookingChange,
    TripApprovalRule,
    VehiclePool,
)
from portal.org.choices import Role
from portal.org.scoping import Reach, edit_scope

if TYPE_CHECKING:
    from portal.org.models import Unit, User


# -- choosing a chain --------------------------------------------------------------------------


def chain_for(unit: Unit, trip_type: str, crosses_border: bool) -> list[str]:
    """The steps a booking of ``unit`` for a ``trip_type`` trip needs, in order.

    Of the active rules for the unit or any unit, and for the trip type or any type, the unit's
    own rule wins over any unit's, then the trip type's own over any type's. A border-crossing
    trip ends with the pool manager if the rule does not ask for him. Raises
    :class:`FleetStateError` when no rule applies.
    """
    rules = TripApprovalRule.objects.filter(active=True).filter(
        Q(unit=unit) | Q(unit__isnull=True), Q(trip_type=trip_type) | Q(trip_type="")
    )
    best = min(rules, key=lambda rule: (rule.unit_id is None, rule.trip_type == ""), default=None)
    if best is None:
        raise FleetStateError(
            _(
                "No active approval rule covers %(kind)s trips of %(unit)s; ask the "
                "administration to add one."
            )
            % {"kind": TripType(trip_type).label, "unit": unit}
        )
    steps = list(best.steps)
    if crosses_border and ApprovalStep.POOL not in steps:
        steps.append(ApprovalStep.POOL.value)
    return steps


# -- who signs what ------------------------------------------------------------------------------


def may_sign(user: User, step: str, booking: Booking, managed: set[int] | None = None) -> bool:
    """Whether ``user`` may sign ``step`` of ``booking`` (never his own request).

    ``managed``, the ids of the active pools the user manages, saves a query per booking when
    many are checked at once."""
    if not (user.is_authenticated and user.is_active) or booking.requested_by_id == user.pk:
        return False
    if step == ApprovalStep.UNIT:
        return edit_scope(user).allows(booking.unit)
    if step == ApprovalStep.DIVISION:
        if user.is_superuser or user.role == Role.PROVINCE_ADMIN:
            return True
        return user.role == Role.DIVISION_ADMIN and edit_scope(user).allows(booking.unit)
    if step == ApprovalStep.POOL:
        if managed is None:
            managed = managed_pools(user)
        return booking.pool_id in managed
    return False


def managed_pools(user: User) -> set[int]:
    """Ids of the active pools ``user`` manages."""
    return set(VehiclePool.objects.managed_by(user).values_list("pk", flat=True))


# How many steps of a booking are signed now, as an annotation (``signed``) for lists.
SIGNED = Count(
    "approvals",
    filter=Q(approvals__superseded=False, approvals__decision=ApprovalDecision.APPROVED),
)


def awaited_step(booking: Booking) -> str | None:
    """The step awaited now; reads the ``signed`` annotation (:data:`SIGNED`) when present."""
    signed = getattr(booking, "signed", None)
    if signed is None:
        awaited = next_step(booking)
        return awaited[1] if awaited else None
    if booking.status != BookingStatus.SUBMITTED or signed >= len(booking.chain):
        return None
    return str(booking.chain[signed])


def current_approvals(booking: Booking) -> QuerySet[BookingApproval]:
    """The signatures that count now (an amendment supersedes the earlier ones)."""
    return booking.approvals.filter(superseded=False)


def next_step(booking: Booking) -> tuple[int, str] | None:
    """The step awaited now, as (position from 1, step); None when nothing awaits a signature."""
    if booking.status != BookingStatus.SUBMITTED:
        return None
    signed = current_approvals(booking).filter(decision=ApprovalDecision.APPROVED).count()
    if signed >= len(booking.chain):
        return None
    return signed + 1, booking.chain[signed]


def awaiting(user: User) -> list[Booking]:
    """Bookings whose awaited step ``user`` may sign now, soonest trip first."""
    if not user.is_authenticated:
        return []
    managed = managed_pools(user)
    mine = BookingApproval.objects.filter(booking=OuterRef("pk"), by=user, superseded=False)
    candidates = (
        Booking.objects.filter(status=BookingStatus.SUBMITTED, starts_at__gt=timezone.now())
        .filter(_signable(user, managed))
        .exclude(requested_by=user)
        .exclude(Exists(mine))
        .annotate(signed=SIGNED, amender=Subquery(_material_amendments(OuterRef("pk"))[:1]))
        .select_related("unit__division", "pool", "requested_by")
        .order_by("starts_at", "pk")
    )
    return [
        booking
        for booking in candidates
        if booking.signed < len(booking.chain)
        and booking.amender != user.pk
        and may_sign(user, booking.chain[booking.signed], booking, managed)
    ]


def _signable(user: User, managed: set[int]) -> Q:
    """Bookings of units in ``user``'s edit scope or of the pools he manages. Scope.q() is an
    empty Q for everything, and ``Q() | x`` is just ``x``: handle everything first."""
    scope = edit_scope(user)
    if scope.reach is Reach.ALL:
        return Q()
    return scope.q("unit") | Q(pool_id__in=managed)


def _material_amendments(booking: object) -> QuerySet[BookingChange]:
    """Authors of the material amendments of ``booking`` (an id or OuterRef), latest first."""
    # Imported here: the bookings services pick chains with this module.
    from portal.fleet.services.bookings import MATERIAL_FIELDS

    changes = BookingChange.objects.filter(
        booking=booking,
        action=BookingAction.AMENDED,
        changes__has_any_keys=list(MATERIAL_FIELDS),
    )
    return changes.order_by("-at", "-pk").values("by")


def signer_problem(booking: Booking, user: User) -> PortalError | None:
    """Why ``user``, who may sign the awaited step, must not sign ``booking`` now (or None).

    Each step is a different person's check: whoever holds a current signature or restarted the
    chain with a material amendment leaves the others to someone else. A trip whose start has
    passed is amended first: nobody approves a trip after the fact."""
    if booking.starts_at <= timezone.now():
        return FleetStateError(
            _("The trip of booking %(number)s was to start at %(start)s: amend the times first.")
            % {
                "number": booking.pk,
                "start": timezone.localtime(booking.starts_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    if current_approvals(booking).filter(by=user).exists():
        return FleetForbiddenError(
            _(
                "You have already signed a step of booking %(number)s: another person signs "
                "this one."
            )
            % {"number": booking.pk}
        )
    if _material_amendments(booking.pk).values_list("by", flat=True).first() == user.pk:
        return FleetForbiddenError(
            _("You amended booking %(number)s: someone else approves the amended trip.")
            % {"number": booking.pk}
        )
    return None


# -- signing ---------------------------------------------------------------------------------


def sign(
    booking: Booking, decision: ApprovalDecision | str, *, by: User, comment: str = ""
) -> BookingApproval:
    """Sign the awaited step of ``booking``: approve it or reject it.

    The booking is locked and read again first, so of two people signing at once the second
    signs the next step or is refused. The booking passed in is not refreshed.
    """
    if decision not in ApprovalDecision.values:
        raise FleetInputError(_("Choose to approve or to reject."))
    comment = comment.strip()
    if decision == ApprovalDecision.REJECTED and not comment:
        raise FleetInputError(_("Say why the booking is rejected."))
    with writing(by):
        locked = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        position, step = _awaited(locked, by)
        approval = BookingApproval.objects.create(
            booking=locked, step=step, decision=decision, by=by, comment=comment
        )
        _conclude(locked, decision, position, by=by, comment=comment, step=step)
    return approval


def _awaited(booking: Booking, by: User) -> tuple[int, str]:
    awaited = next_step(booking)
    if awaited is None:
        raise FleetStateError(
            _("Booking %(number)s is not awaiting approval: it is %(status)s.")
            % {"number": booking.pk, "status": booking.get_status_display()}
        )
    position, step = awaited
    if booking.requested_by_id == by.pk:
        raise FleetForbiddenError(_("Nobody may approve their own booking."))
    if not may_sign(by, step, booking):
        raise FleetForbiddenError(
            _("Step %(position)d, “%(step)s”, is not yours to sign.")
            % {"position": position, "step": ApprovalStep(step).label}
        )
    problem = signer_problem(booking, by)
    if problem is not None:
        raise problem
    return awaited


def _conclude(
    booking: Booking, decision: str, position: int, *, by: User, comment: str, step: str
) -> None:
    """Reject the booking, approve it after its last step, or leave it awaiting the next."""
    before = booking.status
    if decision == ApprovalDecision.REJECTED:
        booking.status = BookingStatus.REJECTED
    elif position == len(booking.chain):
        booking.status = BookingStatus.APPROVED
    if booking.status != before:
        booking.save(update_fields=["status", "updated_at"])
    rejected = decision == ApprovalDecision.REJECTED
    BookingChange.objects.create(
        booking=booking,
        action=BookingAction.REJECTED if rejected else BookingAction.APPROVED,
        by=by,
        changes={"status": [before, booking.status]} if booking.status != before else {},
        note=f"{position}. {ApprovalStep(step).label}" + (f": {comment}" if comment else ""),
    )
