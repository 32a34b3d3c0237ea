"""What a warehouse listing's page adds to its record: the photos, served through a scoped view,
and the actions the reader may take — the holder's side edits, withdraws and changes photos;
another unit reserves the asset for itself.

Every action posts to the listing's page with ``action=<name>``, binds its form and calls one
service; a refusal comes back on the page with the error's own status (403, 409, 400) and
nothing written. A reader outside the listing's scope and sharing area gets a 404 throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from portal.assets.choices import ApprovalStep, ListingStatus
from portal.assets.exceptions import WarehouseInputError
from portal.assets.forms.warehouse import (
    EditForm,
    PhotoForm,
    RemovePhotoForm,
    ReserveForm,
    WithdrawForm,
)
from portal.assets.models import Asset, Listing, ListingPhoto, Reservation
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.assets.models.warehouse import LIVE_LISTING_STATUSES
from portal.assets.services.handover import may_edit
from portal.assets.services.listings import (
    LISTABLE_STATUSES,
    add_photo,
    edit_listing,
    remove_photo,
    withdraw_listing,
)
from portal.assets.services.transfers import reserve_listing
from portal.core.exceptions import PortalError
from portal.core.files import serve_upload
from portal.org.scoping import edit_scope

FormFactory = Callable[[Listing, HttpRequest], Any]
Runner = Callable[[Listing, Any, Any], str]


@dataclass(frozen=True)
class Action:
    form: FormFactory
    run: Runner


@dataclass
class Posted:
    """What a POST left for the page: the bound form to show again and the refusal."""

    action: str
    form: Any
    error: str = ""


# -- the actions: one service call each -------------------------------------------------------


def _edit(listing: Listing, form: Any, user: Any) -> str:
    edit_listing(listing, **form.cleaned_data, by=user)
    return _("The listing is updated.")


def _withdraw(listing: Listing, form: Any, user: Any) -> str:
    withdraw_listing(listing, document_no=form.cleaned_data.get("document_no", ""), by=user)
    return _("The listing is withdrawn; the asset is back in use.")


def _photo(listing: Listing, form: Any, user: Any) -> str:
    photo = add_photo(listing, form.cleaned_data["file"], by=user)
    return _("Photo “%(name)s” added.") % {"name": photo}


def _remove_photo(listing: Listing, form: Any, user: Any) -> str:
    photo = form.cleaned_data["photo"]
    remove_photo(photo, by=user)
    return _("Photo “%(name)s” removed.") % {"name": photo}


def _reserve(listing: Listing, form: Any, user: Any) -> str:
    data = form.cleaned_data
    reservation = reserve_listing(
        listing,
        receiving_unit=user.unit,
        delivery_building=data["delivery_building"],
        note=data["note"],
        by=user,
    )
    return _("Reserved for %(unit)s: the transfer now awaits approval.") % {
        "unit": reservation.receiving_unit
    }


def _bound(form_class: Any, *, files: bool = False, user: bool = False) -> FormFactory:
    def build(listing: Listing, request: HttpRequest) -> Any:
        extra = {"user": request.user} if user else {}
        uploads = request.FILES if files else None
        return form_class(listing, request.POST, uploads, **extra)

    return build


ACTIONS: Final[dict[str, Action]] = {
    "edit": Action(_bound(EditForm), _edit),
    "withdraw": Action(_bound(WithdrawForm), _withdraw),
    "photo": Action(_bound(PhotoForm, files=True), _photo),
    "remove_photo": Action(_bound(RemovePhotoForm), _remove_photo),
    "reserve": Action(_bound(ReserveForm, user=True), _reserve),
}


# -- what the page shows to whom --------------------------------------------------------------


def may_change(listing: Listing, user: Any) -> bool:
    """The holder's side: the user's edit scope covers the listing (the services' own test)."""
    return Listing.objects.editable_by(user).filter(pk=listing.pk).exists()


def may_reserve(listing: Listing, user: Any) -> bool:
    """Another unit may ask for a published listing shared with it, through its editors."""
    unit = getattr(user, "unit", None)
    return (
        listing.status == ListingStatus.PUBLISHED
        and unit is not None
        and unit.pk != listing.holder_id
        and unit.division.code.startswith(listing.share_prefix)
        and may_edit(user, unit)
    )


def _forms(listing: Listing, user: Any, posted: Posted | None) -> dict[str, Any]:
    """A fresh form per action open to the user, except the one just posted, shown again."""
    forms: dict[str, Any] = {}
    if may_change(listing, user):
        if listing.status == ListingStatus.PUBLISHED:
            forms["edit"] = EditForm(listing)
            forms["withdraw"] = WithdrawForm(listing)
        if listing.status in LIVE_LISTING_STATUSES:
            forms["photo"] = PhotoForm(listing)
            forms["remove_photo"] = True
    if may_reserve(listing, user):
        forms["reserve"] = ReserveForm(listing, user=user)
    if posted is not None and posted.form is not None and posted.action in forms:
        forms[posted.action] = posted.form
    return forms


def _reservation(listing: Listing, user: Any) -> Reservation | None:
    """The listing's transfer under way, when the reader is one of its two sides."""
    active = Reservation.objects.visible_to(user).filter(
        listing=listing, status__in=ACTIVE_RESERVATION_STATUSES
    )
    return active.select_related("receiving_unit", "delivery_building").first()


def _asset_unlinked(attributes: list[Any], listing: Listing, user: Any) -> list[Any]:
    """The asset named without a link for a reader the listing is only shared with: its ledger
    record stays private to the holder's scope (the link would be a 404)."""
    if Asset.objects.visible_to(user).filter(pk=listing.asset_id).exists():
        return attributes
    url = listing.asset.get_absolute_url()
    return [
        (label, replace(cell, url="") if cell.url == url else cell) for label, cell in attributes
    ]


def listing_context(listing: Listing, user: Any, posted: Posted | None) -> dict[str, Any]:
    reservation = _reservation(listing, user)
    steps = dict(ApprovalStep.choices)
    return {
        "listing": listing,
        "photos": list(listing.photos.order_by("uploaded_at", "pk")),
        "actions": _forms(listing, user, posted),
        "action_error": posted.error if posted else "",
        "posted_action": posted.action if posted else "",
        "reservation": reservation,
        "reservation_chain": [steps.get(s, s) for s in reservation.chain] if reservation else [],
    }


class ListingActionsMixin:
    """Mixed into the listing's detail view: the page's extra context and its POST."""

    posted: Posted | None = None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        listing, user = self.object, self.request.user  # type: ignore[attr-defined]
        context["attributes"] = _asset_unlinked(context["attributes"], listing, user)
        context.update(listing_context(listing, user, self.posted))
        return context  # type: ignore[no-any-return]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        listing = self.object = self.get_object()  # type: ignore[attr-defined]
        name = request.POST.get("action", "")
        action = ACTIONS.get(name)
        if action is None:
            error = WarehouseInputError(_("Choose an action of this page."))
            return self._again(Posted(name, None, error.user_message), error.http_status)
        form = action.form(listing, request)
        if not form.is_valid():
            return self._again(Posted(name, form), 400)
        try:
            message = action.run(listing, form, request.user)
        except PortalError as exc:
            return self._again(Posted(name, form, exc.user_message), exc.http_status)
        messages.success(request, message)
        return redirect(listing)

    def _again(self, posted: Posted, status: int) -> HttpResponse:
        self.posted = posted
        context = self.get_context_data(object=self.object)  # type: ignore[attr-defined]
        return self.render_to_response(context, status=status)  # type: ignore[attr-defined,no-any-return]


# -- the asset page's way into the warehouse --------------------------------------------------


def with_live_listing(assets: QuerySet[Asset]) -> QuerySet[Asset]:
    """Each asset with its live listing's id and status (None when not in the warehouse).

    Read without ``Listing.objects.visible_to``: a live listing's holder is its asset's (a
    handover closes the listing first), so whoever reads the asset reads the listing too.
    """
    live = Listing.objects.filter(asset=OuterRef("pk"), status__in=LIVE_LISTING_STATUSES)
    return assets.annotate(
        live_listing_id=Subquery(live.values("pk")[:1]),
        live_listing_status=Subquery(live.values("status")[:1]),
    )


def asset_offer_context(asset: Asset, user: Any) -> dict[str, Any]:
    """The asset page's warehouse panel: its live listing if any, or whether it may be offered
    (``asset`` read through :func:`with_live_listing`, its holder's division selected)."""
    listing_id = getattr(asset, "live_listing_id", None)
    may_offer = (
        listing_id is None
        and asset.status in LISTABLE_STATUSES
        and edit_scope(user).allows(asset.holder)
    )
    statuses = dict(ListingStatus.choices)
    return {
        "live_listing_url": reverse("assets:listing_detail", args=[listing_id])
        if listing_id
        else "",
        "live_listing_status": statuses.get(getattr(asset, "live_listing_status", None) or "", ""),
        "may_offer": may_offer,
    }


# -- the photos -------------------------------------------------------------------------------


class ListingPhotoView(LoginRequiredMixin, View):
    """``/warehouse/<pk>/photos/<photo_pk>/``: a photo, for every reader of its listing.

    The listing is read through ``Listing.objects.visible_to`` (its holder's scope, or a live
    listing shared with the reader), the photo then among that listing's: a photo's own
    queryset scopes by holder only, which would refuse the units the listing is shared with.
    """

    def get(self, request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
        listing = get_object_or_404(Listing.objects.visible_to(request.user), pk=pk)
        photo = get_object_or_404(ListingPhoto.objects.filter(listing=listing), pk=photo_pk)
        try:
            # Shown in the page, not downloaded: a photo seen is not an export.
            response = serve_upload(
                photo.file,
                filename=photo.original_name,
                content_type=photo.content_type,
                inline=True,
            )
        except FileNotFoundError:
            raise Http404 from None
        response["Cache-Control"] = "private, max-age=3600"
        return response
