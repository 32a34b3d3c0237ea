"""The office-space pages: ``/space/`` sets units and buildings against the space standard in
force, lists vacant rooms and floors to offer as shareable space and the space on offer; and
``/space/offers/<pk>/`` is one offer, with its withdrawal.

Figures come from :mod:`portal.buildings.space` over what the user may read. Offering and
withdrawing call :func:`portal.assets.services.space.publish_space` and ``withdraw_space``; a
refused offer comes back on the page with its message and the error's status (403, 409, 400),
a refused withdrawal on the refusal page. Buttons are shown where the service would allow the
action: in buildings the user may edit, for offers the user may edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from portal.assets.choices import SpaceListingStatus
from portal.assets.forms.space import OfferSpaceForm, SpaceFilter, SpaceFilterForm
from portal.assets.models import SpaceListing
from portal.assets.services.space import publish_space, withdraw_space
from portal.buildings.models import Building, Floor, Occupancy, Room
from portal.buildings.space import (
    Standard,
    building_space,
    missing_limits,
    standard_in_force,
    unit_space,
    vacant_floors,
    vacant_rooms,
)
from portal.core.detail import RegistryDetailView
from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.org.models import Unit

if TYPE_CHECKING:
    from portal.org.models import User

PER_PAGE: Final = 50
PAGES: Final = ("units_page", "buildings_page", "rooms_page", "floors_page", "offers_page")
ORDERS: Final = {
    "excess": (F("excess_m2").desc(), "name", "pk"),
    "per_person": (F("per_person_m2").desc(nulls_last=True), "name", "pk"),
    "name": ("name", "pk"),
}


# -- what the page lists ----------------------------------------------------------------------


def unit_rows(user: User, chosen: SpaceFilter, standard: Standard) -> QuerySet[Unit]:
    """Units in the user's scope that occupy space, with their figures."""
    units = Unit.objects.visible_to(user).filter(
        Exists(Occupancy.objects.filter(unit=OuterRef("pk")))
    )
    if chosen.prefix:
        units = units.filter(division__code__startswith=chosen.prefix)
    if chosen.level:
        units = units.filter(level=chosen.level)
    rows = unit_space(units, standard=standard).select_related("division")
    if chosen.over_only:
        rows = rows.filter(over_standard=True)
    return rows.order_by(*ORDERS[chosen.sort])


def building_rows(user: User, chosen: SpaceFilter, standard: Standard) -> QuerySet[Building]:
    """Buildings in the user's scope with occupants; the level is the managing unit's."""
    buildings = Building.objects.visible_to(user).filter(
        Exists(Occupancy.objects.filter(building=OuterRef("pk")))
    )
    if chosen.prefix:
        buildings = buildings.filter(division__code__startswith=chosen.prefix)
    if chosen.level:
        buildings = buildings.filter(managing_unit__level=chosen.level)
    rows = building_space(buildings, standard=standard).select_related("division", "managing_unit")
    if chosen.over_only:
        rows = rows.filter(over_standard=True)
    return rows.order_by(*ORDERS[chosen.sort])


def occupancy_rows(user: User, chosen: SpaceFilter) -> QuerySet[Occupancy]:
    rows = Occupancy.objects.visible_to(user)
    if chosen.prefix:
        rows = rows.filter(unit__division__code__startswith=chosen.prefix)
    if chosen.level:
        rows = rows.filter(unit__level=chosen.level)
    return rows


def _in_division(rows: QuerySet[Any], building_path: str, prefix: str) -> QuerySet[Any]:
    return (
        rows.filter(**{f"{building_path}__division__code__startswith": prefix}) if prefix else rows
    )


def room_rows(user: User, chosen: SpaceFilter) -> QuerySet[Room]:
    rooms = _in_division(Room.objects.all(), "floor__building", chosen.prefix)
    return vacant_rooms(rooms, user=user).order_by(
        "floor__building__name", "floor__number", "number"
    )


def floor_rows(user: User, chosen: SpaceFilter) -> QuerySet[Floor]:
    floors = _in_division(Floor.objects.all(), "building", chosen.prefix)
    return vacant_floors(floors, user=user).order_by("building__name", "number")


def offer_rows(user: User, chosen: SpaceFilter) -> QuerySet[SpaceListing]:
    """Space on offer the user may see: the user's own and that shared with the user."""
    offers = SpaceListing.objects.visible_to(user).live()
    offers = _in_division(offers, "building", chosen.prefix)
    related = ("building__division", "building__managing_unit", "floor", "room")
    return offers.select_related(*related).order_by(
        "building__name", "floor__number", "room__number", "pk"
    )


def readable_rooms(user: User) -> QuerySet[Room]:
    return Room.objects.filter(floor__building__in=Building.objects.visible_to(user).values("pk"))


def readable_floors(user: User) -> QuerySet[Floor]:
    return Floor.objects.filter(building__in=Building.objects.visible_to(user).values("pk"))


# -- the page ---------------------------------------------------------------------------------


def _page(request: HttpRequest, rows: QuerySet[Any], name: str) -> Page:  # type: ignore[type-arg]
    return Paginator(rows, PER_PAGE).get_page(request.GET.get(name))


def _editable(model: type[Any], user: User, ids: list[int]) -> set[int]:
    """Which of ``ids`` the user may change: where the service would accept the action."""
    rows = model.objects.editable_by(user).filter(pk__in=ids)
    return set(rows.values_list("pk", flat=True))


def _without_pages(query: QueryDict) -> str:
    kept = query.copy()
    for name in PAGES:
        kept.pop(name, None)
    return kept.urlencode()


def _vacant_context(request: HttpRequest, user: User, chosen: SpaceFilter) -> dict[str, Any]:
    rooms = _page(request, room_rows(user, chosen), "rooms_page")
    floors = _page(request, floor_rows(user, chosen), "floors_page")
    offers = _page(request, offer_rows(user, chosen), "offers_page")
    buildings = {room.floor.building_id for room in rooms} | {f.building_id for f in floors}
    return {
        "rooms": rooms,
        "floors": floors,
        "offers": offers,
        "may_offer": _editable(Building, user, sorted(buildings)),
        "may_withdraw": _editable(SpaceListing, user, [offer.pk for offer in offers]),
    }


def space_page(request: HttpRequest, *, status: int = 200) -> TemplateResponse:
    """The page for the query string's filters; 400 if they are invalid (everything listed)."""
    user: User = request.user  # type: ignore[assignment]
    form = SpaceFilterForm(request.GET)
    chosen, standard = form.filters(), standard_in_force()
    context = {
        "form": form,
        "standard": standard,
        "units": _page(request, unit_rows(user, chosen, standard), "units_page"),
        "buildings": _page(request, building_rows(user, chosen, standard), "buildings_page"),
        "missing": missing_limits(occupancy_rows(user, chosen), standard=standard),
        "query": _without_pages(request.GET),
        "full_query": request.GET.urlencode(),
        **_vacant_context(request, user, chosen),
    }
    status = 400 if status == 200 and not form.is_valid() else status
    return TemplateResponse(request, "assets/space_page.html", context, status=status)


def _back(request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return reverse("assets:space") + (f"?{query}" if query else "")


class SpaceView(LoginRequiredMixin, View):
    """``/space/``: office space against the standard, vacant space and space on offer."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return space_page(request)


class OfferSpaceView(LoginRequiredMixin, View):
    """Offer a vacant room or whole floor (POST, the page's query string kept in the URL)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        form = OfferSpaceForm(
            request.POST, rooms=readable_rooms(user), floors=readable_floors(user)
        )
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return space_page(request, status=400)
        data = form.cleaned_data
        room, floor = data["room"], data["floor"]
        building = (room.floor if room else floor).building
        try:
            offer = publish_space(
                building,
                floor=floor,
                room=room,
                note=data["note"],
                share_prefix=data["share_prefix"].strip() or None,
                by=user,
            )
        except PortalError as exc:
            messages.error(request, exc.user_message)
            return space_page(request, status=exc.http_status)
        messages.success(request, _("%(space)s is offered as shareable space.") % {"space": offer})
        return redirect(_back(request) + "#space-offers")


class WithdrawSpaceView(LoginRequiredMixin, View):
    """Take an offer off the shelf (POST); back to the offer's page."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        offer = get_object_or_404(SpaceListing.objects.visible_to(request.user), pk=pk)
        try:
            withdraw_space(offer, by=request.user)  # type: ignore[arg-type]
        except PortalError as exc:
            back = gettext_lazy("Back to the office space")
            return refused(request, exc, back_url=reverse("assets:space"), back_label=back)
        messages.success(request, _("%(space)s is no longer offered.") % {"space": offer})
        return redirect("assets:space_offer_detail", pk=offer.pk)


class SpaceOfferDetailView(RegistryDetailView):
    """``/space/offers/<pk>/``: one offer, read by its building's scope and whom it is shared
    with (see SpaceListingQuerySet), with its withdrawal for those who may."""

    model = SpaceListing
    template_name = "assets/space_offer_detail.html"
    select_related = ("building", "floor", "room")
    geometry_paths = ("building__footprint", "building__geom")
    fields = (
        "building",
        "floor",
        "room",
        "usable_area_m2",
        "note",
        "share_prefix",
        "status",
        "created_at",
        "updated_at",
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        offer, user = self.object, self.request.user
        may_withdraw = offer.status == SpaceListingStatus.PUBLISHED and bool(
            _editable(SpaceListing, user, [offer.pk])  # type: ignore[arg-type]
        )
        return super().get_context_data(may_withdraw=may_withdraw, **kwargs)


urlpatterns = [
    path("space/", SpaceView.as_view(), name="space"),
    path("space/offer/", OfferSpaceView.as_view(), name="space_offer"),
    path("space/offers/<int:pk>/", SpaceOfferDetailView.as_view(), name="space_offer_detail"),
    path("space/offers/<int:pk>/withdraw/", WithdrawSpaceView.as_view(), name="space_withdraw"),
]
