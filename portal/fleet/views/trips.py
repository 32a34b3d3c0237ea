"""Trip pages: completing an assigned booking's trip from its log sheet, the trips a user may
see, and one trip with its frozen settlement.

Views bind a form and call one service; a refusal comes back on the page with the error's own
status (403, 409, 400) and nothing written. A booking or trip outside the user's scope is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView

from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.fleet.choices import BookingStatus
from portal.fleet.exceptions import FleetForbiddenError, FleetStateError
from portal.fleet.forms.trips import TripFilterForm, TripForm
from portal.fleet.models import Assignment, Booking, Trip
from portal.fleet.services import trips as service

TRIP_RELATED = ("booking", "vehicle", "driver", "payer", "payee", "tariff", "completed_by")


class TripCompleteView(LoginRequiredMixin, View):
    """``/fleet/bookings/<pk>/complete/``: the log sheet of an assigned booking's trip, for the
    pool's managers and the vehicle holder's officers."""

    template_name = "fleet/trip_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        bookings = Booking.objects.visible_to(request.user).select_related("pool", "unit")
        self.booking = get_object_or_404(bookings, pk=kwargs["pk"])
        self.assignment = (
            Assignment.objects.select_related("vehicle__holder", "driver")
            .filter(booking=self.booking, released_at__isnull=True)
            .first()
        )
        problem = self._problem(request.user)
        if problem is not None:
            back = self.booking.get_absolute_url()
            return refused(request, problem, back_url=back, back_label=gettext_lazy("Back"))
        return super().dispatch(request, *args, **kwargs)

    def _problem(self, user: Any) -> PortalError | None:
        if self.booking.status != BookingStatus.ASSIGNED or self.assignment is None:
            return FleetStateError(_("Only a booking with a vehicle assigned can be completed."))
        if not service.may_complete(user, self.booking, self.assignment.vehicle):
            return FleetForbiddenError(
                _("Only the pool's managers and the vehicle holder's officers complete a trip.")
            )
        return service.not_started(self.booking)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        vehicle = self.assignment.vehicle  # type: ignore[union-attr]
        return self._render(TripForm.for_booking(self.booking, vehicle.odometer_km))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = TripForm(request.POST)
        if not form.is_valid():
            return self._render(form, error=_("Please correct the form."), status=400)
        try:
            trip = service.complete_trip(self.booking, by=request.user, figures=form.figures())
        except PortalError as exc:
            return self._render(form, error=exc.user_message, status=exc.http_status)
        messages.success(
            request,
            _("The trip is completed: %(amount)s yuan due to %(payee)s.")
            % {"amount": trip.amount, "payee": trip.payee},
        )
        return redirect("fleet:trip_detail", pk=trip.pk)

    def _render(self, form: TripForm, *, error: str = "", status: int = 200) -> TemplateResponse:
        context = {"booking": self.booking, "assignment": self.assignment, "form": form}
        context["error"] = error
        return TemplateResponse(self.request, self.template_name, context, status=status)


class TripListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/fleet/trips/``: the trips the user may see (paid, paid for, or of a managed pool),
    newest first, optionally those that ended in one month."""

    template_name = "fleet/trip_list.html"
    context_object_name = "trips"
    paginate_by = 50

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if not self.filter.is_valid():
            response.status_code = 400  # the page shows the filter's errors and no trips
        return response

    def get_queryset(self) -> QuerySet[Trip]:
        self.filter = TripFilterForm(self.request.GET)
        trips = Trip.objects.visible_to(self.request.user).select_related(
            "booking", "vehicle", "payer", "payee"
        )
        if not self.filter.is_valid():
            return trips.none()
        month = self.filter.period_or_none()
        if month is not None:
            start, end = month.bounds()
            trips = trips.filter(actual_end__gte=start, actual_end__lt=end)
        return trips.order_by("-actual_end", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(filter=self.filter, query=query.urlencode())


class TripDetailView(LoginRequiredMixin, DetailView):  # type: ignore[type-arg]
    """``/fleet/trips/<pk>/``: the log sheet and the settlement fixed when it was completed."""

    model = Trip
    template_name = "fleet/trip_detail.html"
    context_object_name = "trip"

    def get_queryset(self) -> QuerySet[Trip]:
        return Trip.objects.visible_to(self.request.user).select_related(*TRIP_RELATED)


urlpatterns = [
    path("fleet/trips/", TripListView.as_view(), name="trip_list"),
    path("fleet/trips/<int:pk>/", TripDetailView.as_view(), name="trip_detail"),
    path("fleet/bookings/<int:pk>/complete/", TripCompleteView.as_view(), name="trip_complete"),
]
