"""Bulk transfer batches: opening one (the receiving unit found by search, then its delivery
building), and a batch's page with its items and actions (add, remove, submit, sign, complete).

Each action calls one service of :mod:`portal.assets.services.batches` (or
:func:`approvals.sign`); a refusal comes back on the page with its status and nothing written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal.assets.choices import BatchStatus, ReservationStatus
from portal.assets.exceptions import WarehouseForbiddenError, WarehouseInputError
from portal.assets.forms.transfers import (
    BatchAddForm,
    BatchForm,
    BatchRemoveForm,
    CompleteBatchForm,
    ConfirmForm,
    UnitSearchForm,
)
from portal.assets.forms.warehouse import SHAREABLE_LEVELS
from portal.assets.models import Asset, Reservation, TransferBatch
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.assets.models.warehouse import LIVE_LISTING_STATUSES
from portal.assets.services import approvals, batches
from portal.assets.services.batches import OPEN_BATCH_STATUSES, TRANSFERABLE_STATUSES
from portal.assets.services.handover import may_edit
from portal.assets.views.transfers import ActionPage, PageAction, chain_steps, sign_action
from portal.core.exceptions import PortalError
from portal.org.models import Unit

UNIT_MATCHES: Final = 20
OFFERED: Final = 100  # assets offered as boxes to tick; the search and typed codes reach the rest


# -- opening a batch ---------------------------------------------------------------------------


class BatchCreateView(LoginRequiredMixin, TemplateView):
    """``/warehouse/batches/new/``: ``?q=`` finds the receiving unit, ``?to=<unit>`` asks for
    its delivery building; the POST opens the batch from the user's unit."""

    template_name = "assets/transfers_batch_new.html"

    def to_unit(self) -> Unit | None:
        pk = self.request.GET.get("to", "")
        return Unit.objects.filter(pk=pk).first() if pk.isdigit() else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, to_unit = self.request.user, self.to_unit()
        search = UnitSearchForm(self.request.GET if "q" in self.request.GET else None)
        kwargs.setdefault("form", BatchForm(to_unit=to_unit, user=user) if to_unit else None)
        return super().get_context_data(
            search=search,
            units=search.units(UNIT_MATCHES) if search.is_valid() else [],
            to_unit=to_unit,
            from_unit=user.unit,
            **kwargs,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        to_unit, user = self.to_unit(), request.user
        if to_unit is None:
            return self.refuse(WarehouseInputError(_("Choose the receiving unit.")), None)
        form = BatchForm(request.POST, to_unit=to_unit, user=user)
        if not form.is_valid():
            return self.refuse(WarehouseInputError(_("Please correct the form.")), form)
        if user.unit is None:
            return self.refuse(WarehouseForbiddenError(_("Your account has no unit.")), form)
        data = form.cleaned_data
        try:
            batch = batches.create_batch(
                user.unit, to_unit, data["delivery_building"], by=user, note=data["note"]
            )
        except PortalError as exc:
            return self.refuse(exc, form)
        messages.success(request, _("Transfer batch #%(batch)d opened.") % {"batch": batch.pk})
        return redirect(batch)

    def refuse(self, exc: PortalError, form: BatchForm | None) -> HttpResponse:
        context = self.get_context_data(form=form, error=exc.user_message)
        return self.render_to_response(context, status=exc.http_status)


# -- a batch's actions -------------------------------------------------------------------------


def _ledger(batch: TransferBatch, user: Any) -> QuerySet[Asset]:
    """The giving unit's assets as ``user`` reads them: what codes may name."""
    return Asset.objects.visible_to(user).filter(holder=batch.from_unit_id)


def offered_assets(batch: TransferBatch, user: Any, find: str = "") -> QuerySet[Asset]:
    """Assets of the giving unit that could join a batch now: in use or marked, not classified,
    not offered in the warehouse, not reserved (the service checks again under its locks)."""
    assets = (
        _ledger(batch, user)
        .filter(status__in=TRANSFERABLE_STATUSES, confidentiality__in=SHAREABLE_LEVELS)
        .exclude(listings__status__in=LIVE_LISTING_STATUSES)
        .exclude(reservations__status__in=ACTIVE_RESERVATION_STATUSES)
    )
    if find:
        assets = assets.filter(Q(ledger_code__icontains=find) | Q(name__icontains=find))
    return assets.distinct().order_by("ledger_code")


def batch_items(batch: TransferBatch, user: Any) -> QuerySet[Reservation]:
    """The batch's items ``user`` may read: an asset above their clearance stays hidden."""
    return Reservation.objects.visible_to(user).filter(batch=batch)


def _in_batch(batch: TransferBatch, user: Any) -> QuerySet[Asset]:
    items = batch_items(batch, user).filter(status__in=ACTIVE_RESERVATION_STATUSES)
    return Asset.objects.filter(pk__in=items.values("asset_id"))


def _add_form(batch: TransferBatch, user: Any, data: Any) -> BatchAddForm:
    return BatchAddForm(data, ledger=_ledger(batch, user), offered=_ledger(batch, user))


def _add(batch: TransferBatch, form: BatchAddForm, user: Any) -> str:
    items = batches.add_to_batch(batch, form.cleaned_data["selected"], by=user)
    return _("%(count)d assets added.") % {"count": len(items)}


def _remove(batch: TransferBatch, form: BatchRemoveForm, user: Any) -> str:
    asset = form.cleaned_data["asset"]
    batches.remove_from_batch(batch, asset, by=user)
    return _("Asset %(code)s taken out of the batch.") % {"code": asset.ledger_code}


def _submit(batch: TransferBatch, form: ConfirmForm, user: Any) -> str:
    batches.submit_batch(batch, by=user)
    return _("The batch is submitted for approval.")


def _complete(batch: TransferBatch, form: CompleteBatchForm, user: Any) -> str:
    batches.complete_batch(batch, by=user, document_no=form.cleaned_data["document_no"])
    return _("Every asset of the batch is handed over to %(unit)s.") % {"unit": batch.to_unit}


def _giver(batch: TransferBatch, user: Any, *statuses: str) -> bool:
    return batch.status in statuses and may_edit(user, batch.from_unit)


def _either(batch: TransferBatch, user: Any, *statuses: str) -> bool:
    return batch.status in statuses and may_edit(user, batch.from_unit, batch.to_unit)


BATCH_ACTIONS: Final = {
    "add": PageAction(_add_form, _add, lambda b, user: _giver(b, user, BatchStatus.DRAFT)),
    "remove": PageAction(
        lambda b, user, data: BatchRemoveForm(data, items=_in_batch(b, user)),
        _remove,
        lambda b, user: _either(b, user, *OPEN_BATCH_STATUSES),
    ),
    "submit": PageAction(
        lambda b, user, data: ConfirmForm(data),
        _submit,
        lambda b, user: _giver(b, user, BatchStatus.DRAFT),
    ),
    "sign": sign_action("from_unit", "to_unit"),
    "complete": PageAction(
        lambda b, user, data: CompleteBatchForm(data),
        _complete,
        lambda b, user: _either(b, user, BatchStatus.APPROVED),
    ),
}


class BatchPageView(ActionPage):
    """``/warehouse/batches/<pk>/``: a batch's items, its chain and what may be done next."""

    model = TransferBatch
    template_name = "assets/transfers_batch.html"
    context_object_name = "batch"
    actions = BATCH_ACTIONS
    select_related = ("from_unit", "to_unit", "delivery_building", "created_by")
    fields = (
        "from_unit",
        "to_unit",
        "delivery_building",
        "status",
        "created_by",
        "created_at",
        "submitted_at",
        "completed_at",
        "note",
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch, user = self.object, self.request.user
        find = self.request.GET.get("find", "").strip()
        offered = (
            list(offered_assets(batch, user, find)[: OFFERED + 1])
            if "add" in context["forms"]
            else []
        )
        items = list(
            batch_items(batch, user).select_related("asset").order_by("asset__ledger_code", "pk")
        )
        live = [*ACTIVE_RESERVATION_STATUSES, ReservationStatus.HANDED_OVER]
        context.update(
            items=items,
            live_statuses=live,
            total=sum((item.value for item in items if item.status in live), Decimal(0)),
            steps=chain_steps(
                batch, batch.approvals.select_related("decided_by"), approvals.next_step(batch)
            ),
            offered=offered[:OFFERED],
            offered_more=len(offered) > OFFERED,
            find=find,
        )
        return context


urlpatterns = [
    path("warehouse/batches/new/", BatchCreateView.as_view(), name="batch_new"),
    path("warehouse/batches/<int:pk>/", BatchPageView.as_view(), name="batch_detail"),
]
