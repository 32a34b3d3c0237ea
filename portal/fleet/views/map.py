"""The fleet map, ``/fleet/map/``: the vehicles where they are (a fresh or stale last known
position, or their base) and the bookings of a day or a range of days as origin→destination
lines, coloured by state or by region class. Both layers are GeoJSON built by PostGIS from the
user's ``visible_to`` querysets (portal.fleet.stats_sql); fleet_map.js draws them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from portal.fleet import stats_sql
from portal.fleet.api.positions import GEOJSON, fresh_since, vehicle_url_prefix
from portal.fleet.choices import BookingStatus, RegionClass
from portal.fleet.models import Booking, Trip, Vehicle

# A longer range draws too many lines to read; the utilisation page covers long periods.
MAX_DAYS: Final = 31
# The days a period may name: beyond them no booking exists, and near year 9999 the day after
# the last one overflows.
EARLIEST_DAY: Final = dt.date(2000, 1, 1)
LATEST_DAY: Final = dt.date(2100, 12, 31)
JS_STRINGS: Final = {
    "vehicles": gettext_lazy("Vehicles"),
    "bookings": gettext_lazy("Bookings and trips"),
    "fresh": gettext_lazy("Last known position"),
    "stale": gettext_lazy("Position out of date"),
    "base": gettext_lazy("At its base (no position)"),
    "by_status": gettext_lazy("Colour by state"),
    "by_region": gettext_lazy("Colour by region class"),
    "none": gettext_lazy("No vehicle or booking to show."),
}


def parse_range(query: Any) -> tuple[dt.date, dt.date]:
    """The ``from``/``to`` days of the query (today by default), at most MAX_DAYS apart."""
    today = timezone.localdate()
    try:
        first = dt.date.fromisoformat(query.get("from") or today.isoformat())
        last = dt.date.fromisoformat(query.get("to") or first.isoformat())
    except ValueError:
        raise ValidationError(_("Give the days as YYYY-MM-DD.")) from None
    if last < first:
        raise ValidationError(_("The last day cannot come before the first."))
    if error := out_of_calendar(first, last):
        raise ValidationError(error)
    if (last - first).days >= MAX_DAYS:
        raise ValidationError(_("Show at most %(days)d days at once.") % {"days": MAX_DAYS})
    return first, last


def out_of_calendar(first: dt.date, last: dt.date) -> str:
    """Why first..last may not be shown (a day outside EARLIEST_DAY..LATEST_DAY), or ""."""
    if first < EARLIEST_DAY or last > LATEST_DAY:
        return _("Choose days from %(earliest)s to %(latest)s.") % {
            "earliest": EARLIEST_DAY.isoformat(),
            "latest": LATEST_DAY.isoformat(),
        }
    return ""


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of ``first`` and of the day after ``last``."""
    since = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    until = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
    return since, until


def map_bookings(user: Any) -> Any:
    """The bookings the user may see, and those whose completed trip he settles."""
    trips = Trip.objects.visible_to(user).filter(booking=OuterRef("pk"))
    visible = Booking.objects.visible_to(user).values("pk")
    return Booking.objects.filter(Q(pk__in=visible) | Q(Exists(trips)))


def booking_url_prefix() -> str:
    return reverse("fleet:booking_detail", args=[0]).removesuffix("0/")


class FleetMapView(LoginRequiredMixin, TemplateView):
    template_name = "fleet/fleet_map.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            first, last = parse_range(self.request.GET)
            error = ""
        except ValidationError as exc:
            first = last = timezone.localdate()
            error = exc.messages[0]
        query = f"?from={first.isoformat()}&to={last.isoformat()}"
        context.update(first=first, last=last, range_error=error, map_config=self._config(query))
        context["stale_minutes"] = int(settings.TIANFU_FLEET["stale_minutes"])
        return context

    def _config(self, query: str) -> dict[str, Any]:
        return {
            "vehicles": reverse("fleet:map_vehicles"),
            "bookings": reverse("fleet:map_bookings") + query,
            "basemap": reverse("org:division_basemap"),
            "attribution": str(_("Boundaries: divisions of the registry")),
            "strings": {key: str(value) for key, value in JS_STRINGS.items()},
            "status": {key: str(label) for key, label in BookingStatus.choices},
            "region_class": {key: str(label) for key, label in RegionClass.choices},
        }


class MapVehiclesView(LoginRequiredMixin, View):
    """``/fleet/map/vehicles.geojson``: the vehicles the user may see, where they are."""

    def get(self, request: HttpRequest) -> HttpResponse:
        body = stats_sql.vehicles_geojson(
            Vehicle.objects.visible_to(request.user),
            fresh_since=fresh_since(),
            url_prefix=vehicle_url_prefix(),
        )
        return HttpResponse(body, content_type=GEOJSON)


class MapBookingsView(LoginRequiredMixin, View):
    """``/fleet/map/bookings.geojson?from=…&to=…``: the bookings of those days as lines."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            first, last = parse_range(request.GET)
        except ValidationError as exc:
            return JsonResponse({"detail": exc.messages[0]}, status=400)
        since, until = day_bounds(first, last)
        body = stats_sql.bookings_geojson(
            map_bookings(request.user), since=since, until=until, url_prefix=booking_url_prefix()
        )
        return HttpResponse(body, content_type=GEOJSON)
