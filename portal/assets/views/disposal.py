"""Centralised disposal: the listings moved to disposal and the disposal batches, and one
batch's page (submit, sign, complete with the proceeds of each item).

Disposal is run by the offices administration of a division: its staff read every listing in
disposal held within its division, besides what their own scope shows. Each action calls one
service of :mod:`portal.assets.services.disposal`; a refusal comes back on the page with its
status and nothing written.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal.assets.choices import BatchStatus, ListingStatus
from portal.assets.forms.transfers import (
    ConfirmForm,
    DisposalBatchForm,
    ProceedsForm,
    disposal_units,
    may_run_disposal,
)
from portal.assets.models import DisposalBatch, DisposalItem, Listing
from portal.assets.querysets import DisposalItemQuerySet, ListingQuerySet
from portal.assets.services import approvals, disposal
from portal.assets.views.transfers import ActionPage, PageAction, chain_steps, sign_action
from portal.core.exceptions import PortalError
from portal.org.scoping import Reach, cleared_levels, cleared_q, read_scope

LIMIT: Final = 200  # listings and batches shown; the counts say how many there are


def disposal_listings(user: Any) -> QuerySet[Listing]:
    """Listings in disposal ``user`` may read: those of their own scope, and for the staff of
    an offices administration every one held within its division (it runs their disposal)."""
    readable = Q(pk__in=Listing.objects.visible_to(user).values("pk"))
    unit = getattr(user, "unit", None)
    if unit is not None and unit.offices_administration and read_scope(user).reach != Reach.NONE:
        cleared = cleared_q(Listing, user, ListingQuerySet.confidentiality_path)
        readable |= Q(holder__division__code__startswith=unit.division.prefix) & cleared
    return Listing.objects.filter(readable, status=ListingStatus.DISPOSAL)


class DisposalListView(LoginRequiredMixin, TemplateView):
    """``/warehouse/disposal/``: listings awaiting disposal, the batches, and a new batch from
    the ticked listings (POST)."""

    template_name = "assets/disposal_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        listings = (
            disposal_listings(user)
            .select_related("asset", "holder", "category", "disposal_item__batch")
            .order_by("screening_ends_on", "pk")
        )
        batches = (
            DisposalBatch.objects.visible_to(user)
            .select_related("unit")
            .annotate(
                item_count=Count("items", filter=_cleared_items(user, "items__")),
                proceeds=Sum("items__proceeds", filter=_cleared_items(user, "items__")),
            )
            .order_by("-created_at", "-pk")
        )
        may_create = disposal_units(user).exists()
        if may_create:
            kwargs.setdefault("form", self.form(None))
        return super().get_context_data(
            listings=listings[:LIMIT],
            listing_count=listings.count(),
            batches=batches[:LIMIT],
            batch_count=batches.count(),
            proceeds_total=disposal.proceeds_total(DisposalBatch.objects.visible_to(user)),
            may_create=may_create,
            **kwargs,
        )

    def form(self, data: Any) -> DisposalBatchForm:
        unbatched = disposal_listings(self.request.user).filter(disposal_item__isnull=True)
        return DisposalBatchForm(data, user=self.request.user, listings=unbatched)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.again(form, _("Please correct the form."), 400)
        data = form.cleaned_data
        try:
            batch = disposal.create_disposal_batch(
                data["method"], data["unit"], data["listings"], by=request.user, note=data["note"]
            )
        except PortalError as exc:
            return self.again(form, exc.user_message, exc.http_status)
        messages.success(request, _("Disposal batch %(code)s created.") % {"code": batch.code})
        return redirect(batch)

    def again(self, form: DisposalBatchForm, error: str, status: int) -> HttpResponse:
        context = self.get_context_data(form=form, error=error)
        return self.render_to_response(context, status=status)


# -- one disposal batch --------------------------------------------------------------------------


def _items(batch: DisposalBatch, user: Any) -> list[DisposalItem]:
    """The batch's items ``user`` may read: an asset above their clearance stays hidden."""
    items = batch.items.filter(_cleared_items(user, ""))
    return list(items.select_related("asset", "listing__holder").order_by("pk"))


def _cleared_items(user: Any, prefix: str) -> Q:
    """Items whose listing's asset is within ``user``'s clearance (``prefix``: the path from
    the queried model to the item, such as ``items__``)."""
    path = f"{prefix}{DisposalItemQuerySet.confidentiality_path}"
    return Q(**{f"{path}__in": cleared_levels(user)})


def _submit(batch: DisposalBatch, form: ConfirmForm, user: Any) -> str:
    disposal.submit_disposal_batch(batch, by=user)
    return _("The batch is submitted for approval.")


def _complete(batch: DisposalBatch, form: ProceedsForm, user: Any) -> str:
    disposal.complete_disposal_batch(
        batch, form.proceeds(), by=user, counterparties=form.counterparties()
    )
    return _("The batch is completed: its assets are disposed of.")


def _running(batch: DisposalBatch, user: Any, status: str) -> bool:
    return batch.status == status and may_run_disposal(user, batch.unit)


DISPOSAL_ACTIONS: Final = {
    "submit": PageAction(
        lambda b, user, data: ConfirmForm(data),
        _submit,
        lambda b, user: _running(b, user, BatchStatus.DRAFT),
    ),
    "sign": sign_action("unit", None, disposal.sign_disposal_batch),
    "complete": PageAction(
        lambda b, user, data: ProceedsForm(data, items=_items(b, user)),
        _complete,
        lambda b, user: _running(b, user, BatchStatus.APPROVED),
    ),
}


class DisposalPageView(ActionPage):
    """``/warehouse/disposal/<pk>/``: a disposal batch's items, chain, proceeds and actions."""

    model = DisposalBatch
    template_name = "assets/disposal_detail.html"
    context_object_name = "batch"
    actions = DISPOSAL_ACTIONS
    select_related = ("unit", "created_by")
    fields = (
        "code",
        "method",
        "unit",
        "status",
        "created_by",
        "created_at",
        "submitted_at",
        "completed_at",
        "note",
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch = self.object
        items = _items(batch, self.request.user)
        context.update(
            items=items,
            net_total=sum((item.listing.net_value for item in items), 0),
            proceeds=sum((item.proceeds or 0 for item in items), 0),
            steps=chain_steps(
                batch, batch.approvals.select_related("decided_by"), approvals.next_step(batch)
            ),
        )
        return context


urlpatterns = [
    path("warehouse/disposal/", DisposalListView.as_view(), name="disposal"),
    path("warehouse/disposal/<int:pk>/", DisposalPageView.as_view(), name="disposal_detail"),
]
