"""The public asset warehouse's pages: the listings a user may see (filtered, on a small map),
offering one asset from its page, and offering several of a unit's assets at once.

Views bind forms and call one service of :mod:`portal.assets.services.listings`; a refusal
comes back on the page with the error's own status (403, 409, 400) and nothing written. The
listing's own page (actions, photos) is :mod:`portal.assets.views.warehouse_listing`.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import ListView

from portal.assets.exceptions import WarehouseForbiddenError
from portal.assets.forms.warehouse import (
    BulkPublishForm,
    TermsForm,
    WarehouseFilterSet,
    listable_assets,
    publish_form,
)
from portal.assets.models import Asset, Listing
from portal.assets.services.listings import bulk_publish, publish_listing
from portal.assets.views.warehouse_listing import ListingPhotoView
from portal.core.detail import feature
from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.org.scoping import Reach, edit_scope

LIST_RELATED: Final = ("asset", "category", "holder", "division", "depot")
BULK_PAGE_SIZE: Final = 100


def _query(request: HttpRequest, *drop: str) -> str:
    """The request's query string without ``drop`` (the page number), for the pager's links."""
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


def _may_offer_any(user: Any) -> bool:
    return edit_scope(user).reach is not Reach.NONE


class WarehouseView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/warehouse/``: the live listings shared with the user, or (``mine=1``) every listing
    the user's side may change, in any status; filtered, paginated, the page's on a map."""

    template_name = "assets/warehouse_list.html"
    context_object_name = "listings"
    paginate_by = 50

    def get_queryset(self) -> Any:
        user = self.request.user
        self.mine = self.request.GET.get("mine") == "1"
        base = (
            Listing.objects.editable_by(user)
            if self.mine
            else Listing.objects.visible_to(user).live()
        )
        base = base.select_related(*LIST_RELATED).order_by("-published_at", "-pk")
        self.filterset = WarehouseFilterSet(self.request.GET, queryset=base)
        return self.filterset.qs if self.filterset.is_valid() else base.none()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            filter=self.filterset,
            mine=self.mine,
            may_offer=_may_offer_any(self.request.user),
            query=_query(self.request, "page"),
            map_data=_map_data(context["listings"]),
        )
        return context


def _map_data(listings: Any) -> dict[str, Any]:
    """The page's listings as points, each linking to its page, over the division basemap."""
    return {
        "features": [
            feature(listing.geom, label=str(listing), url=listing.get_absolute_url())
            for listing in listings
        ],
        "basemap": reverse("org:division_basemap"),
        "attribution": _("Boundaries: divisions of the registry"),
    }


# -- offering one asset -----------------------------------------------------------------------


def _refused_offer(request: HttpRequest, exc: PortalError, asset: Asset) -> TemplateResponse:
    back = gettext_lazy("Back to the asset")
    return refused(request, exc, back_url=asset.get_absolute_url(), back_label=back)


class PublishView(LoginRequiredMixin, View):
    """``/assets/<pk>/offer/``: the terms of offering an asset the user may edit."""

    template_name = "assets/warehouse_publish.html"

    def _asset(self, pk: int) -> Asset:
        readable = Asset.objects.visible_to(self.request.user)
        related = readable.select_related("holder__division", "building", "category")
        return get_object_or_404(related, pk=pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        asset = self._asset(pk)
        if not Asset.objects.editable_by(request.user).filter(pk=asset.pk).exists():
            return _refused_offer(request, WarehouseForbiddenError(), asset)
        return self._render(asset, publish_form(asset))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        asset = self._asset(pk)
        form = publish_form(asset, request.POST)
        if not form.is_valid():
            return self._render(asset, form, status=400)
        try:
            listing = publish_listing(asset, **form.terms(), by=request.user)
        except PortalError as exc:
            return self._render(asset, form, error=exc.user_message, status=exc.http_status)
        messages.success(request, _("“%(asset)s” is offered in the warehouse.") % {"asset": asset})
        return redirect(listing)

    def _render(
        self, asset: Asset, form: TermsForm, *, error: str = "", status: int = 200
    ) -> TemplateResponse:
        context = {"asset": asset, "form": form, "error": error}
        return TemplateResponse(self.request, self.template_name, context, status=status)


# -- offering several -------------------------------------------------------------------------


def _candidates(user: Any, text: str) -> QuerySet[Asset]:
    """The assets the user may offer, narrowed by a ledger code or name search."""
    assets = listable_assets(user).select_related("category", "holder", "building")
    text = text.strip()
    if text:
        assets = assets.filter(Q(ledger_code__icontains=text) | Q(name__icontains=text))
    return assets.order_by("holder__name", "ledger_code", "pk")


class BulkPublishView(LoginRequiredMixin, View):
    """``/warehouse/offer/``: pick several of the unit's listable assets and offer them alike.

    All or nothing: a refused asset leaves every selected asset as it was, and is named by its
    ledger code.
    """

    template_name = "assets/warehouse_bulk_publish.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and (
            getattr(user, "unit", None) is None or not _may_offer_any(user)
        ):
            return refused(
                request,
                WarehouseForbiddenError(_("Only a unit's asset officers offer its assets.")),
                back_url=reverse("assets:warehouse"),
                back_label=gettext_lazy("Back to the warehouse"),
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(BulkPublishForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BulkPublishForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            listings = bulk_publish(form.cleaned_data["assets"], **form.terms(), by=request.user)
        except PortalError as exc:
            return self._render(form, error=exc.user_message, status=exc.http_status)
        count = len(listings)
        message = ngettext(
            "%(count)d asset offered in the warehouse.",
            "%(count)d assets offered in the warehouse.",
            count,
        )
        messages.success(request, message % {"count": count})
        return redirect(f"{reverse('assets:warehouse')}?mine=1")

    def _render(self, form: BulkPublishForm, *, error: str = "", status: int = 200) -> Any:
        request = self.request
        text = request.GET.get("q", "")
        page = Paginator(_candidates(request.user, text), BULK_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        selected = {str(pk) for pk in form["assets"].value() or []}
        context = {
            "form": form,
            "error": error,
            "page_obj": page,
            "q": text,
            "query": _query(request, "page"),
            "selected": selected,
        }
        return TemplateResponse(request, self.template_name, context, status=status)


urlpatterns = [
    path("warehouse/", WarehouseView.as_view(), name="warehouse"),
    path("warehouse/offer/", BulkPublishView.as_view(), name="listing_bulk_publish"),
    path(
        "warehouse/<int:pk>/photos/<int:photo_pk>/",
        ListingPhotoView.as_view(),
        name="listing_photo",
    ),
    path("assets/<int:pk>/offer/", PublishView.as_view(), name="listing_publish"),
]
