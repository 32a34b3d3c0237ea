"""Booking pages: the bookings a user may see (filtered), those awaiting his signature, the
request form (places clicked on a map or found with the portal's search), a booking's page
(its chain, signatures, history and the vehicle and driver assigned), the amendment form, and the
actions posted from a booking's page (sign a step, cancel).

Views bind a form and call one service; a refusal comes back on the page with the error's own
status (403, 409, 400) and nothing written. Bookings the user may not see are a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from portal.core.detail import feature
from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.fleet.choices import (
    OPEN_BOOKING_STATUSES,
    ApprovalDecision,
    ApprovalStep,
    BookingStatus,
)
from portal.fleet.exceptions import FleetForbiddenError, FleetStateError
from portal.fleet.forms.bookings import (
    BookingFilterForm,
    BookingForm,
    CancelForm,
    DecisionForm,
    initial_from,
    requestable_units,
)
from portal.fleet.models import Assignment, Booking, BookingApproval, Trip
from portal.fleet.services import approvals, bookings
from portal.fleet.services.dispatch import is_manager
from portal.fleet.services.trips import may_complete


def _basemap() -> dict[str, str]:
    return {
        "basemap": reverse("org:division_basemap"),
        "attribution": _("Boundaries: divisions of the registry"),
    }


# -- lists ----------------------------------------------------------------------------------------


class BookingListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/fleet/bookings/``: the bookings the user may see, soonest trip last, filtered."""

    template_name = "fleet/booking_list.html"
    context_object_name = "bookings"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Booking]:
        self.filter = BookingFilterForm(self.request.GET)
        rows = Booking.objects.visible_to(self.request.user).select_related("unit", "pool")
        if not self.filter.is_valid():
            return rows.none()
        return self.filter.apply(rows).order_by("-starts_at", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=self.filter,
            may_request=requestable_units(self.request.user).exists(),
            awaiting_count=len(approvals.awaiting(self.request.user)),
            query=query.urlencode(),
        )


class AwaitingListView(LoginRequiredMixin, TemplateView):
    """``/fleet/bookings/awaiting/``: bookings whose awaited step the user may sign now."""

    template_name = "fleet/booking_awaiting.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(bookings=approvals.awaiting(self.request.user), **kwargs)


# -- the request form -----------------------------------------------------------------------------


def _picker(booking: Booking | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"search": reverse("maps:search"), **_basemap()}
    if booking is not None:
        data["origin"] = [booking.origin.x, booking.origin.y]
        data["destination"] = [booking.destination.x, booking.destination.y]
    return data


class BookingCreateView(LoginRequiredMixin, View):
    """``/fleet/bookings/new/``: a trip request of a unit the user may request for."""

    template_name = "fleet/booking_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not requestable_units(user).exists():
            return refused(
                request,
                FleetForbiddenError(
                    _("Only officers of a unit in a vehicle pool, and its administrators, book.")
                ),
                back_url=reverse("fleet:booking_list"),
                back_label=gettext_lazy("Back to the bookings"),
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(BookingForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BookingForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(form, error=_("Please correct the form."), status=400)
        try:
            booking = bookings.create_booking(form.booking_fields(), by=request.user)
        except PortalError as exc:
            return self._render(form, error=exc.user_message, status=exc.http_status)
        messages.success(request, _("Booking %(number)s is submitted.") % {"number": booking.pk})
        return redirect(booking)

    def _render(self, form: BookingForm, *, error: str = "", status: int = 200) -> HttpResponse:
        context = {"form": form, "error": error, "picker": _picker(), "amend": False}
        return TemplateResponse(self.request, self.template_name, context, status=status)


class BookingAmendView(LoginRequiredMixin, View):
    """``/fleet/bookings/<pk>/amend/``: change an open booking of a unit the user edits."""

    template_name = "fleet/booking_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.booking = get_object_or_404(Booking.objects.visible_to(request.user), pk=kwargs["pk"])
        problem = _amend_problem(self.booking, request.user)
        if problem is not None:
            back = self.booking.get_absolute_url()
            return refused(request, problem, back_url=back, back_label=_("Back to the booking"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = BookingForm(user=request.user, amend=True, initial=initial_from(self.booking))
        return self._render(form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        initial = initial_from(self.booking)
        form = BookingForm(request.POST, user=request.user, amend=True, initial=initial)
        if not form.is_valid():
            return self._render(form, error=_("Please correct the form."), status=400)
        try:
            bookings.amend_booking(
                self.booking, form.changed_fields(), by=request.user, note=form.cleaned_data["note"]
            )
        except PortalError as exc:
            return self._render(form, error=exc.user_message, status=exc.http_status)
        messages.success(request, _("Booking %(number)s is amended.") % {"number": self.booking.pk})
        return redirect(self.booking)

    def _render(self, form: BookingForm, *, error: str = "", status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "error": error,
            "picker": _picker(self.booking),
            "amend": True,
            "booking": self.booking,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


def _amend_problem(booking: Booking, user: Any) -> PortalError | None:
    if not Booking.objects.editable_by(user).filter(pk=booking.pk).exists():
        return FleetForbiddenError(_("Only the requesting unit's officers change this booking."))
    if booking.status not in OPEN_BOOKING_STATUSES:
        return FleetStateError(
            _("Booking %(number)s is %(status)s: it can no longer be changed.")
            % {"number": booking.pk, "status": booking.get_status_display()}
        )
    return None


# -- a booking's page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStep:
    position: int
    step: str
    label: str
    state: str  # signed, rejected, awaiting, pending
    approval: BookingApproval | None


def chain_steps(booking: Booking) -> list[ChainStep]:
    """The booking's chain with each step's state and its current signature."""
    signed = list(approvals.current_approvals(booking).select_related("by"))
    awaited = approvals.next_step(booking)
    steps = []
    for position, step in enumerate(booking.chain, start=1):
        approval = signed[position - 1] if position <= len(signed) else None
        if approval is not None:
            state = "rejected" if approval.decision == ApprovalDecision.REJECTED else "signed"
        else:
            state = "awaiting" if awaited and awaited[0] == position else "pending"
        label = str(ApprovalStep(step).label)
        steps.append(ChainStep(position, step, label, state, approval))
    return steps


def _shown(name: str, value: Any) -> Any:
    """A recorded value as the page shows it: a choice by its label, a list joined."""
    try:
        field = Booking._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if field.choices and isinstance(value, str):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


def history_rows(booking: Booking) -> list[dict[str, Any]]:
    """The booking's history with each changed field named as the form names it."""
    names = {field.name: field.verbose_name for field in Booking._meta.fields}
    rows = []
    for change in booking.changes.select_related("by"):
        fields = [
            {
                "name": names.get(field, field),
                "before": _shown(field, pair[0]),
                "after": _shown(field, pair[1]),
            }
            for field, pair in change.changes.items()
            if isinstance(pair, list) and len(pair) == 2
        ]
        rows.append({"change": change, "fields": fields})
    return rows


def booking_map(booking: Booking) -> dict[str, Any]:
    """The two ends and the straight line between them, for ``booking_detail.js``."""
    line = {
        "type": "LineString",
        "coordinates": [list(booking.origin.coords), list(booking.destination.coords)],
    }
    return {
        "origin": feature(booking.origin, label=_("From: %s") % booking.origin_label),
        "destination": feature(booking.destination, label=_("To: %s") % booking.destination_label),
        "line": {"type": "Feature", "geometry": line, "properties": {}},
        **_basemap(),
    }


def related_links(booking: Booking, user: Any, assignment: Assignment | None) -> dict[str, str]:
    """The other fleet pages of this booking the user may use: the pool manager's dispatch
    page, the trip's completion form (managers and the vehicle holder's editors), the trip."""
    links = {}
    if booking.status in (BookingStatus.APPROVED, BookingStatus.ASSIGNED) and is_manager(
        booking, user
    ):
        links["dispatch"] = reverse("fleet:dispatch_booking", args=[booking.pk])
    if (
        booking.status == BookingStatus.ASSIGNED
        and assignment is not None
        and may_complete(user, booking, assignment.vehicle)
    ):
        links["complete"] = reverse("fleet:trip_complete", args=[booking.pk])
    trip = Trip.objects.visible_to(user).filter(booking=booking).values_list("pk", flat=True)
    if trip:
        links["trip"] = reverse("fleet:trip_detail", args=[trip[0]])
    return links


class BookingDetailView(LoginRequiredMixin, DetailView):  # type: ignore[type-arg]
    """``/fleet/bookings/<pk>/``: a booking; posts ``action=sign`` or ``action=cancel``."""

    model = Booking
    template_name = "fleet/booking_detail.html"
    context_object_name = "booking"

    def get_queryset(self) -> QuerySet[Booking]:
        rows = Booking.objects.visible_to(self.request.user)
        return rows.select_related(
            "unit", "pool", "requested_by", "region", "origin_division", "destination_division"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        booking, user = self.object, self.request.user
        awaited = approvals.next_step(booking)
        may_sign = (
            awaited is not None
            and approvals.may_sign(user, awaited[1], booking)
            and approvals.signer_problem(booking, user) is None
        )
        editable = _amend_problem(booking, user) is None
        assignment = (
            Assignment.objects.filter(booking=booking, released_at__isnull=True)
            .select_related("vehicle__holder", "driver")
            .first()
        )
        context = {
            "links": related_links(booking, user, assignment),
            "steps": chain_steps(booking),
            "all_approvals": booking.approvals.select_related("by"),
            "history": history_rows(booking),
            "assignment": assignment,
            "may_sign": may_sign,
            "may_amend": editable,
            "decision_form": kwargs.pop("decision_form", None) or DecisionForm(),
            "cancel_form": kwargs.pop("cancel_form", None) or CancelForm(),
            "map_data": booking_map(booking),
            "distance_km": booking.distance_m / 1000,
        }
        return super().get_context_data(**context, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = booking = self.get_object()
        action = request.POST.get("action", "")
        if action == "sign":
            return self._sign(booking)
        if action == "cancel":
            return self._cancel(booking)
        return self._again(_("This page has no such action."), 400)

    def _sign(self, booking: Booking) -> HttpResponse:
        form = DecisionForm(self.request.POST)
        if not form.is_valid():
            return self._again(_("Please correct the form."), 400, decision_form=form)
        data = form.cleaned_data
        try:
            approvals.sign(booking, data["decision"], by=self.request.user, comment=data["comment"])
        except PortalError as exc:
            return self._again(exc.user_message, exc.http_status, decision_form=form)
        done = {
            ApprovalDecision.APPROVED: _("Your approval is recorded."),
            ApprovalDecision.REJECTED: _("The booking is rejected."),
        }
        messages.success(self.request, done[ApprovalDecision(data["decision"])])
        return redirect(booking)

    def _cancel(self, booking: Booking) -> HttpResponse:
        form = CancelForm(self.request.POST)
        if not form.is_valid():
            return self._again(_("Please correct the form."), 400, cancel_form=form)
        try:
            bookings.cancel_booking(
                booking, by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except PortalError as exc:
            return self._again(exc.user_message, exc.http_status, cancel_form=form)
        messages.success(self.request, _("The booking is cancelled."))
        return redirect(booking)

    def _again(self, error: str, status: int, **forms: Any) -> HttpResponse:
        self.object.refresh_from_db()
        response = self.render_to_response(self.get_context_data(error=error, **forms))
        response.status_code = status
        return response


urlpatterns = [
    path("fleet/bookings/", BookingListView.as_view(), name="booking_list"),
    path("fleet/bookings/awaiting/", AwaitingListView.as_view(), name="booking_awaiting"),
    path("fleet/bookings/new/", BookingCreateView.as_view(), name="booking_create"),
    path("fleet/bookings/<int:pk>/", BookingDetailView.as_view(), name="booking_detail"),
    path("fleet/bookings/<int:pk>/amend/", BookingAmendView.as_view(), name="booking_amend"),
]
