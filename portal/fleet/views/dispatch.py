"""Dispatch pages of the pool managers: the queue of bookings of the pools they manage (awaiting
a vehicle, and assigned ones still to come), and a booking's dispatch page: the suggested
vehicles ranked by distance, fit and balance of use, each with its paired driver and a one-click
Assign button, a small map of the origin and the candidates, and, for an assigned booking, the
current assignment with Release and Reassign.

Views bind a form and call one service; a refusal comes back on the page with the error's own
status (403, 409, 400) and nothing written. A booking of a pool the user does not manage is a
404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.gis.geos import Point
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from portal.core.detail import feature
from portal.core.exceptions import PortalError
from portal.fleet.choices import BookingStatus
from portal.fleet.forms.dispatch import AssignForm, ReleaseForm
from portal.fleet.models import Assignment, Booking, VehiclePool
from portal.fleet.services import dispatch as service


def dispatchable(user: Any) -> QuerySet[Booking]:
    """Bookings of the active pools ``user`` manages."""
    return Booking.objects.filter(pool__in=VehiclePool.objects.managed_by(user))


def _active_assignments() -> Prefetch:
    active = Assignment.objects.filter(released_at__isnull=True).select_related("vehicle", "driver")
    return Prefetch("assignments", queryset=active, to_attr="active_assignments")


class DispatchQueueView(LoginRequiredMixin, TemplateView):
    """``/fleet/dispatch/``: approved bookings awaiting a vehicle, soonest first, and the
    assigned bookings that have not ended yet."""

    template_name = "fleet/dispatch_queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        mine = dispatchable(user).select_related("unit", "pool").order_by("starts_at", "pk")
        return super().get_context_data(
            pools=VehiclePool.objects.managed_by(user),
            waiting=mine.filter(status=BookingStatus.APPROVED),
            assigned=mine.filter(
                status=BookingStatus.ASSIGNED, ends_at__gte=timezone.now()
            ).prefetch_related(_active_assignments()),
            **kwargs,
        )


class DispatchBookingView(LoginRequiredMixin, DetailView):  # type: ignore[type-arg]
    """``/fleet/dispatch/<pk>/``: the suggestions for one booking; posts ``action=assign``,
    ``reassign`` or ``release``."""

    template_name = "fleet/dispatch_booking.html"
    context_object_name = "booking"

    def get_queryset(self) -> QuerySet[Booking]:
        related = ("unit", "pool", "requested_by", "origin_division", "destination_division")
        return (
            dispatchable(self.request.user)
            .select_related(*related)
            .prefetch_related(_active_assignments())
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        booking, user = self.object, self.request.user
        open_ = booking.status in (BookingStatus.APPROVED, BookingStatus.ASSIGNED)
        limit = settings.TIANFU_FLEET["suggestions"]
        suggestions, drivers = (
            service.suggest_with_drivers(booking, by=user, limit=limit) if open_ else ([], [])
        )
        current = booking.active_assignments[0] if booking.active_assignments else None
        return super().get_context_data(
            suggestions=suggestions,
            drivers=drivers,
            current=current,
            release_form=ReleaseForm(),
            map_data=dispatch_map(booking, suggestions),
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = booking = self.get_object()
        action = request.POST.get("action", "")
        try:
            if action in ("assign", "reassign"):
                return self._assign(booking, action)
            if action == "release":
                return self._release(booking)
        except PortalError as exc:
            return self._again(exc.user_message, exc.http_status)
        return self._again(_("This page has no such action."), 400)

    def _assign(self, booking: Booking, action: str) -> HttpResponse:
        form = AssignForm(self.request.POST, booking=booking)
        if not form.is_valid():
            return self._again(_("Choose a vehicle and a driver of the pool."), 400)
        vehicle, driver = form.cleaned_data["vehicle"], form.cleaned_data["driver"]
        if action == "assign":
            service.assign(booking, vehicle, driver, by=self.request.user)
        else:
            reason = form.cleaned_data["reason"]
            service.reassign(booking, vehicle, driver, by=self.request.user, reason=reason)
        messages.success(
            self.request,
            _("Booking %(number)s: %(vehicle)s with driver %(driver)s.")
            % {"number": booking.pk, "vehicle": vehicle, "driver": driver},
        )
        return redirect("fleet:dispatch_booking", pk=booking.pk)

    def _release(self, booking: Booking) -> HttpResponse:
        form = ReleaseForm(self.request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        service.release(booking, by=self.request.user, reason=reason)
        messages.success(self.request, _("The vehicle and driver are released."))
        return redirect("fleet:dispatch_booking", pk=booking.pk)

    def _again(self, error: str, status: int) -> HttpResponse:
        self.object = self.get_object()
        response = self.render_to_response(self.get_context_data(object=self.object, error=error))
        response.status_code = status
        return response


def dispatch_map(booking: Booking, suggestions: list[service.Suggestion]) -> dict[str, Any]:
    """Origin, destination, each placed candidate (tooltip: rank, plate, road km) and a dashed
    line from it to the origin, for ``dispatch_map.js``."""
    origin = list(booking.origin.coords)
    vehicles, lines = [], []
    for s in suggestions:
        v = s.vehicle
        if v.lon is None or v.lat is None:
            continue
        label = _("%(rank)s. %(plate)s, %(km).1f km to the origin") % {
            "rank": s.rank,
            "plate": v.plate,
            "km": v.to_origin_km,
        }
        vehicles.append(feature(Point(v.lon, v.lat, srid=4490), label=label, rank=s.rank))
        line = {"type": "LineString", "coordinates": [[v.lon, v.lat], origin]}
        lines.append({"type": "Feature", "geometry": line, "properties": {"rank": s.rank}})
    return {
        "origin": feature(booking.origin, label=_("Origin: %s") % booking.origin_label),
        "destination": feature(
            booking.destination, label=_("Destination: %s") % booking.destination_label
        ),
        "vehicles": vehicles,
        "lines": lines,
        "basemap": reverse("org:division_basemap"),
        "attribution": _("Boundaries: divisions of the registry"),
    }


urlpatterns = [
    path("fleet/dispatch/", DispatchQueueView.as_view(), name="dispatch_queue"),
    path("fleet/dispatch/<int:pk>/", DispatchBookingView.as_view(), name="dispatch_booking"),
]
