"""Transfers and their approvals: the transfer list with its tabs, and one reservation's page.

The list reads reservations and transfer batches through their two-sided ``visible_to`` (the
giving unit's scope and the receiving unit's). A page posts each action with ``action=<name>``;
the view binds the action's form and calls one service, whose refusal comes back on the page
with the error's own status (403, 409, 400) and nothing written. Transfer batches' own pages
are in :mod:`portal.assets.views.transfer_batches`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from portal.assets.choices import (
    ApprovalDecision,
    ApprovalStep,
    BatchStatus,
    ReservationStatus,
)
from portal.assets.exceptions import WarehouseStateError
from portal.assets.forms.transfers import CancelForm, HandOverForm, SignForm
from portal.assets.models import Approval, Asset, CustodyEntry, Listing, Reservation, TransferBatch
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.assets.services import approvals, transfers
from portal.assets.services.batches import OPEN_BATCH_STATUSES
from portal.assets.services.handover import may_edit
from portal.core.detail import RegistryDetailView, feature
from portal.core.exceptions import PortalError
from portal.org.scoping import Reach, cleared_levels, edit_scope, read_scope

LIMIT: Final = 100  # rows per tab; the count says how many more there are
DONE_RESERVATION: Final = (
    ReservationStatus.HANDED_OVER,
    ReservationStatus.REJECTED,
    ReservationStatus.CANCELLED,
)
DONE_BATCH: Final = (BatchStatus.COMPLETED, BatchStatus.REJECTED)
MARKS: Final = {"approved": "✓", "rejected": "✗", "awaited": "…"}


# -- the approval chain as people read it ------------------------------------------------------


@dataclass(frozen=True)
class ChainStep:
    """One step of a subject's chain: signed (✓), refused (✗), awaited (…) or still ahead."""

    position: int
    label: str
    state: str
    approval: Approval | None = None

    @property
    def mark(self) -> str:
        return MARKS.get(self.state, "")


def chain_steps(
    subject: Any, decided: Iterable[Approval], awaited: tuple[int, str] | None
) -> list[ChainStep]:
    """The subject's chain with what was decided at each step and the step awaited now."""
    by_position = {approval.position: approval for approval in decided}
    steps = []
    for position, step in enumerate(subject.chain, start=1):
        approval = by_position.get(position)
        if approval is not None:
            state = approval.decision
        else:
            state = "awaited" if awaited and awaited[0] == position else "ahead"
        steps.append(ChainStep(position, str(ApprovalStep(step).label), state, approval))
    return steps


def awaited_in_list(subject: Any, awaiting: str) -> tuple[int, str] | None:
    """:func:`approvals.next_step` read from the approvals prefetched with a list, so a list of
    a hundred rows makes one query for them rather than one per row."""
    if subject.status != awaiting:
        return None
    signed = sum(a.decision == ApprovalDecision.APPROVED for a in subject.approvals.all())
    return (signed + 1, subject.chain[signed]) if signed < len(subject.chain) else None


def signable(user: Any, awaited: tuple[int, str] | None, giving: Any, receiving: Any) -> bool:
    return awaited is not None and approvals.may_sign(
        user, awaited[1], giving_unit=giving, receiving_unit=receiving
    )


# -- pages with actions --------------------------------------------------------------------------


Runner = Callable[[Any, Any, Any], str]  # (object, valid form, user) -> message


@dataclass(frozen=True)
class PageAction:
    """A form a page posts with ``action=<name>``, the one service call it makes (returning the
    success message) and when the page offers it (the service still decides)."""

    form: Callable[[Any, Any, Any], Any]  # (object, user, POST data or None) -> form
    run: Runner
    shown: Callable[[Any, Any], bool]


@dataclass
class Posted:
    action: str
    form: Any
    error: str = ""


class ActionPage(RegistryDetailView):
    """A record's page whose forms post back to it; declared by ``actions``."""

    actions: ClassVar[dict[str, PageAction]] = {}
    posted: Posted | None = None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obj, user, posted = self.object, self.request.user, self.posted
        forms = {
            name: action.form(obj, user, None)
            for name, action in self.actions.items()
            if action.shown(obj, user)
        }
        if posted is not None and posted.form is not None:
            forms[posted.action] = posted.form
        context.update(
            forms=forms,
            error=posted.error if posted else "",
            posted_action=posted.action if posted else "",
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = obj = self.get_object()
        name = request.POST.get("action", "")
        action = self.actions.get(name)
        if action is None:
            return self.again(Posted(name, None, _("This page has no such action.")), 400)
        form = action.form(obj, request.user, request.POST)
        if not form.is_valid():
            return self.again(Posted(name, form, _("Please correct the form.")), 400)
        try:
            message = action.run(obj, form, request.user)
        except PortalError as exc:
            return self.again(Posted(name, form, exc.user_message), exc.http_status)
        messages.success(request, message)
        return redirect(obj)

    def again(self, posted: Posted, status: int) -> HttpResponse:
        self.posted = posted
        response = self.render_to_response(self.get_context_data(object=self.object))
        response.status_code = status
        return response


def sign_action(giving: str, receiving: str | None, service: Any = approvals.sign) -> PageAction:
    """Approve or reject the awaited step, offered to whoever :func:`approvals.may_sign` lets."""

    def shown(obj: Any, user: Any) -> bool:
        other = getattr(obj, receiving) if receiving else None
        return signable(user, approvals.next_step(obj), getattr(obj, giving), other)

    def run(obj: Any, form: Any, user: Any) -> str:
        data = form.cleaned_data
        approval = service(obj, data["decision"], by=user, note=data["note"])
        return _("Step %(position)d, “%(step)s”: %(decision)s.") % {
            "position": approval.position,
            "step": approval.get_step_display(),
            "decision": approval.get_decision_display(),
        }

    return PageAction(lambda obj, user, data: SignForm(data), run, shown)


# -- the transfer list ---------------------------------------------------------------------------


TABS: Final = {
    "sign": gettext_lazy("Awaiting my signature"),
    "outgoing": gettext_lazy("Outgoing"),
    "incoming": gettext_lazy("Incoming"),
    "done": gettext_lazy("Done"),
}


@dataclass(frozen=True)
class Row:
    """A line of the transfer list: one reservation, or one batch of several assets."""

    obj: Any
    is_batch: bool
    from_unit: Any
    to_unit: Any
    value: Decimal
    steps: list[ChainStep]
    awaited: tuple[int, str] | None


def _reservation_row(reservation: Reservation) -> Row:
    awaited = awaited_in_list(reservation, ReservationStatus.PENDING)
    steps = chain_steps(reservation, reservation.approvals.all(), awaited)
    unit = reservation.receiving_unit
    return Row(reservation, False, reservation.from_unit, unit, reservation.value, steps, awaited)


def _batch_row(batch: TransferBatch) -> Row:
    awaited = awaited_in_list(batch, BatchStatus.SUBMITTED)
    steps = chain_steps(batch, batch.approvals.all(), awaited)
    value = batch.total or Decimal(0)  # type: ignore[attr-defined]
    return Row(batch, True, batch.from_unit, batch.to_unit, value, steps, awaited)


def _querysets(user: Any) -> tuple[QuerySet[Reservation], QuerySet[TransferBatch]]:
    """What the user may see of transfers: single reservations (batch items show in their
    batch) and batches, with what a row shows."""
    decided = Prefetch("approvals", queryset=Approval.objects.order_by("position"))
    # A batch's count and total take only the items the user may read (as its page does).
    live_items = ~Q(items__status=ReservationStatus.CANCELLED) & Q(
        items__asset__confidentiality__in=cleared_levels(user)
    )
    reservations = (
        Reservation.objects.visible_to(user)
        .filter(batch__isnull=True)
        .select_related("asset", "from_unit", "receiving_unit")
        .prefetch_related(decided)
        .order_by("-created_at", "-pk")
    )
    batches = (
        TransferBatch.objects.visible_to(user)
        .select_related("from_unit", "to_unit")
        .prefetch_related(decided)
        .annotate(
            item_count=Count("items", filter=live_items),
            total=Sum("items__value", filter=live_items),
        )
        .order_by("-created_at", "-pk")
    )
    return reservations, batches


def _tab(tab: str, user: Any, reservations: QuerySet[Any], batches: QuerySet[Any]) -> Any:
    """The tab's reservations and batches (querysets, or lists for the signature tab)."""
    scope = read_scope(user)
    if tab == "sign":
        pending = map(_reservation_row, reservations.filter(status=ReservationStatus.PENDING))
        submitted = map(_batch_row, batches.filter(status=BatchStatus.SUBMITTED))
        rows = [
            row
            for row in (*pending, *submitted)
            if signable(user, row.awaited, row.from_unit, row.to_unit)
        ]
        return sorted(rows, key=_newest_first)
    if tab == "done":
        return reservations.filter(status__in=DONE_RESERVATION), batches.filter(
            status__in=DONE_BATCH
        )
    # "Mine" is the user's read scope: their unit, or the units of their division.
    outgoing = tab == "outgoing"
    reservation_side = "from_unit" if outgoing else "receiving_unit"
    batch_side = "from_unit" if outgoing else "to_unit"
    return (
        reservations.filter(scope.q(reservation_side), status__in=ACTIVE_RESERVATION_STATUSES),
        batches.filter(scope.q(batch_side), status__in=OPEN_BATCH_STATUSES),
    )


def _rows(selected: Any) -> tuple[list[Row], int]:
    """Up to :data:`LIMIT` rows, newest first, and how many there are in all."""
    if isinstance(selected, list):
        return selected[:LIMIT], len(selected)
    reservations, batches = selected
    rows = [*map(_reservation_row, reservations[:LIMIT]), *map(_batch_row, batches[:LIMIT])]
    rows.sort(key=_newest_first)
    return rows[:LIMIT], reservations.count() + batches.count()


def _newest_first(row: Row) -> tuple[float, int]:
    return -row.obj.created_at.timestamp(), -row.obj.pk


class TransferListView(LoginRequiredMixin, TemplateView):
    """``/warehouse/transfers/``: transfers the user's unit gives or receives, by tab."""

    template_name = "assets/transfers_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        tab = self.request.GET.get("tab", "sign")
        tab = tab if tab in TABS else "sign"
        reservations, batches = _querysets(user)
        rows, count = _rows(_tab(tab, user, reservations, batches))
        to_sign = count if tab == "sign" else len(_tab("sign", user, reservations, batches))
        return super().get_context_data(
            tab=tab,
            tabs=list(TABS.items()),
            rows=rows,
            count=count,
            to_sign=to_sign,
            may_open_batch=user.unit_id is not None and edit_scope(user).reach is not Reach.NONE,
            **kwargs,
        )


# -- one reservation -----------------------------------------------------------------------------


def _single(reservation: Reservation) -> bool:
    """A reservation from the warehouse, not an item of a batch (which acts through it)."""
    return reservation.batch_id is None


def _party(reservation: Reservation, user: Any) -> bool:
    return may_edit(user, reservation.from_unit, reservation.receiving_unit)


def _cancel(reservation: Reservation, form: CancelForm, user: Any) -> str:
    transfers.cancel_reservation(reservation, by=user, note=form.cleaned_data["note"])
    return _("The reservation is cancelled.")


def _hand_over(reservation: Reservation, form: HandOverForm, user: Any) -> str:
    data = form.cleaned_data
    done = transfers.hand_over(
        reservation, by=user, ledger_code=data["ledger_code"], document_no=data["document_no"]
    )
    return _("Handed over: %(unit)s now holds “%(asset)s”.") % {
        "unit": done.receiving_unit,
        "asset": done.asset.name,
    }


def _reservation_sign() -> PageAction:
    """Sign a reservation's awaited step. A batch item is signed through its batch: its own
    chain is never signed, and :func:`approvals.sign` does not tell an item from a reservation
    from the warehouse, so this page refuses it as the handover does."""
    action = sign_action("from_unit", "receiving_unit")

    def run(reservation: Reservation, form: SignForm, user: Any) -> str:
        if not _single(reservation):
            raise WarehouseStateError(
                _("“%(asset)s” is signed with its transfer batch #%(batch)s.")
                % {"asset": reservation.asset, "batch": reservation.batch_id}
            )
        return action.run(reservation, form, user)

    return PageAction(action.form, run, lambda r, user: _single(r) and action.shown(r, user))


RESERVATION_ACTIONS: Final = {
    "sign": _reservation_sign(),
    "cancel": PageAction(
        lambda r, user, data: CancelForm(data),
        _cancel,
        lambda r, user: _single(r) and r.status in ACTIVE_RESERVATION_STATUSES and _party(r, user),
    ),
    "handover": PageAction(
        lambda r, user, data: HandOverForm(data),
        _hand_over,
        lambda r, user: _single(r) and r.status == ReservationStatus.APPROVED and _party(r, user),
    ),
}


def route_map(origin: Any, building: Any, cleared: list[str]) -> dict[str, Any]:
    """Where the asset is offered from (grey) and the delivery building it goes to, joined by a
    line; a building classified above the reader is left out."""
    start = feature(origin, label=_("offered from")) if origin is not None else None
    features = []
    if building is not None and building.confidentiality in cleared:
        features.append(feature(building.geom, label=str(building)))
        if origin is not None:
            line = [list(origin.coords), list(building.geom.coords)]
            geometry = {"type": "LineString", "coordinates": line}
            features.append({"type": "Feature", "geometry": geometry, "properties": {}})
    elif start is not None:
        features, start = [start], None
    return {
        "primary": {"type": "FeatureCollection", "features": features} if features else None,
        "context": [start] if start is not None else [],
        "basemap": reverse("org:division_basemap"),
        "attribution": _("Boundaries: divisions of the registry"),
    }


def custody_log(asset: Asset, user: Any, **this: Any) -> QuerySet[CustodyEntry]:
    """The asset's custody entries the user may read, and those of ``this`` transfer (a party
    reads its own transfer's entries even once the asset has left its ledger)."""
    visible = CustodyEntry.objects.visible_to(user).values("pk")
    return (
        CustodyEntry.objects.filter(asset=asset)
        .filter(Q(pk__in=visible) | Q(**this))
        .select_related("from_unit", "to_unit", "depot", "by")
        .order_by("at", "pk")
    )


class ReservationPageView(ActionPage):
    """``/warehouse/reservations/<pk>/``: a transfer, its chain, its route and its actions."""

    model = Reservation
    template_name = "assets/transfers_reservation.html"
    context_object_name = "reservation"
    actions = RESERVATION_ACTIONS
    select_related = (
        "asset",
        "listing",
        "batch",
        "from_unit",
        "receiving_unit",
        "delivery_building",
        "requested_by",
        "handed_over_by",
    )
    fields = (
        "from_unit",
        "receiving_unit",
        "delivery_building",
        "value",
        "status",
        "requested_by",
        "created_at",
        "handed_over_at",
        "handed_over_by",
        "note",
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reservation, user = self.object, self.request.user
        listing, asset = reservation.listing, reservation.asset
        origin = listing.geom if listing is not None else asset.geom
        context.update(
            steps=chain_steps(
                reservation,
                reservation.approvals.select_related("decided_by"),
                approvals.next_step(reservation),
            ),
            asset_readable=Asset.objects.visible_to(user).filter(pk=asset.pk).exists(),
            listing_readable=listing is not None
            and Listing.objects.visible_to(user).filter(pk=listing.pk).exists(),
            map_data=route_map(origin, reservation.delivery_building, cleared_levels(user)),
            custody=custody_log(asset, user, reservation=reservation),
        )
        return context


urlpatterns = [
    path("warehouse/transfers/", TransferListView.as_view(), name="transfers"),
    path(
        "warehouse/reservations/<int:pk>/",
        ReservationPageView.as_view(),
        name="reservation_detail",
    ),
]
