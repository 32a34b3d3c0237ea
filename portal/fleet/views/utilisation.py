"""Utilisation, ``/fleet/utilisation/``: the share of working hours the vehicles were assigned
and the km they drove, by vehicle, holder unit and city, over a chosen period; and the idle
vehicles, each with a button offering its asset record in the public asset warehouse."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.assets.models import Listing
from portal.assets.models.warehouse import LIVE_LISTING_STATUSES
from portal.core.exceptions import PortalError
from portal.fleet.models import Vehicle
from portal.fleet.services.utilisation import idle_vehicles, offer_idle_vehicle, utilisation
from portal.fleet.views.map import out_of_calendar

MAX_DAYS: Final = 366


def period(query: Any) -> tuple[dt.date, dt.date, str]:
    """The ``from``/``to`` days of the query (the last 30 days by default) and an error."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    default = (yesterday - dt.timedelta(days=29), yesterday)
    try:
        first = dt.date.fromisoformat(query.get("from") or default[0].isoformat())
        last = dt.date.fromisoformat(query.get("to") or default[1].isoformat())
    except ValueError:
        return (*default, _("Give the days as YYYY-MM-DD."))
    if last < first:
        return (*default, _("The last day cannot come before the first."))
    if error := out_of_calendar(first, last):
        return (*default, error)
    if (last - first).days >= MAX_DAYS:
        return (*default, _("Choose at most %(days)d days.") % {"days": MAX_DAYS})
    return first, last, ""


class UtilisationView(LoginRequiredMixin, TemplateView):
    template_name = "fleet/utilisation.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        first, last, error = period(self.request.GET)
        user = self.request.user
        idle = idle_vehicles(user)
        keys = [line.key for line in idle]
        live = Listing.objects.filter(asset__vehicle__in=keys, status__in=LIVE_LISTING_STATUSES)
        editable = Vehicle.objects.editable_by(user).filter(pk__in=keys)
        context.update(
            report=utilisation(user, first, last),
            period_error=error,
            idle=idle,
            listed=set(live.values_list("asset__vehicle", flat=True)),
            editable=set(editable.values_list("pk", flat=True)),
            idle_days=settings.TIANFU_FLEET["idle_days"],
            idle_pct=settings.TIANFU_FLEET["idle_pct"],
            working_hours=settings.TIANFU_FLEET["working_hours"],
        )
        return context


class OfferVehicleView(LoginRequiredMixin, View):
    """POST ``/fleet/utilisation/vehicles/<pk>/offer/``: list the idle vehicle's asset."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        vehicle = get_object_or_404(Vehicle.objects.visible_to(request.user), pk=pk)
        try:
            listing = offer_idle_vehicle(vehicle, by=request.user)
        except PortalError as exc:
            messages.error(request, exc.user_message)
            return redirect("fleet:utilisation")
        messages.success(
            request,
            _("Vehicle %(plate)s is offered in the public asset warehouse.")
            % {"plate": vehicle.plate},
        )
        return redirect(listing.get_absolute_url())
