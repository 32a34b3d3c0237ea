"""Incident pages: the incidents a user may see, reporting one (its point clicked on a map or
typed in any supported coordinate system, its needs as rows), an incident's page and a
dispatch's page.

An incident's page ranks, for each need, the depots holding stock for it by travel time over
the terrain (a table per need and a map with a line from each depot to the incident), and
offers the suggested allocation as a form of quantities per batch: the officer adjusts it and
confirms, and :func:`~portal.depots.services.incidents.confirm_dispatch` writes the dispatch.
Views bind a form and call one service; a refusal comes back on the page with the error's own
status (403, 409, 400) and nothing written. Records outside the user's scope are a 404.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.gis.geos import Point
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView

from portal.core.detail import feature
from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.depots.choices import IncidentStatus
from portal.depots.exceptions import DepotForbiddenError
from portal.depots.forms.incidents import (
    CloseIncidentForm,
    DispatchForm,
    IncidentFilterForm,
    IncidentForm,
    NeedRowFormSet,
)
from portal.depots.models import Dispatch, Incident, StockMovement
from portal.depots.response import NeedRanking
from portal.depots.services import incidents as service
from portal.org.scoping import edit_scope

NEEDS_PREFIX: Final = "needs"


def _may_report(user: Any) -> bool:
    unit = getattr(user, "unit", None)
    return unit is not None and edit_scope(user).allows(unit)


# -- the list -------------------------------------------------------------------------------------


class IncidentListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/depots/incidents/``: the incidents of the units the user may see, newest first."""

    template_name = "depots/incident_list.html"
    context_object_name = "incidents"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Incident]:
        self.filter = IncidentFilterForm(self.request.GET)
        incidents = (
            Incident.objects.visible_to(self.request.user)
            .select_related("unit", "division")
            .annotate(
                need_count=Count("needs", distinct=True),
                dispatch_count=Count("dispatches", distinct=True),
            )
            .order_by("-created_at", "-pk")
        )
        if not self.filter.is_valid():
            return incidents.none()
        status = self.filter.cleaned_data["status"]
        return incidents.filter(status=status) if status else incidents

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=self.filter, may_report=_may_report(self.request.user), query=query.urlencode()
        )


# -- reporting -------------------------------------------------------------------------------------


class IncidentCreateView(LoginRequiredMixin, View):
    """``/depots/incidents/new/``: an incident of the user's unit and what it needs."""

    template_name = "depots/incident_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not _may_report(request.user):
            return refused(
                request,
                DepotForbiddenError(
                    _("Only a unit's officers and administrators report incidents.")
                ),
                back_url=reverse("depots:incident_list"),
                back_label=gettext_lazy("Back to the incidents"),
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(IncidentForm(), NeedRowFormSet(prefix=NEEDS_PREFIX))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = IncidentForm(request.POST)
        needs = NeedRowFormSet(request.POST, prefix=NEEDS_PREFIX)
        if not (form.is_valid() and needs.is_valid()):
            return self._render(form, needs, error=_("Please correct the form."), status=400)
        data = form.cleaned_data
        try:
            incident = service.report_incident(
                name=data["name"],
                point=(data["x"], data["y"]),
                source_crs=data["source_crs"],
                description=data["description"],
                needs=needs.rows(),
                by=request.user,
            )
        except PortalError as exc:
            return self._render(form, needs, error=exc.user_message, status=exc.http_status)
        messages.success(
            request, _("The incident “%(incident)s” is reported.") % {"incident": incident}
        )
        return redirect(incident)

    def _render(
        self, form: IncidentForm, needs: Any, *, error: str = "", status: int = 200
    ) -> TemplateResponse:
        context = {
            "form": form,
            "needs": needs,
            "error": error,
            "picker": {
                "basemap": reverse("org:division_basemap"),
                "attribution": _("Boundaries: divisions of the registry"),
            },
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


# -- an incident's page ---------------------------------------------------------------------------


def incident_map(incident: Incident, ranking: list[NeedRanking]) -> dict[str, Any]:
    """The incident, each ranked depot once (its best rank over the needs) and a line from it
    to the incident, for ``incidents.js``."""
    best: dict[int, tuple[int, Any]] = {}
    for need in ranking:
        for rank, option in enumerate(need.depots, start=1):
            if option.depot_id not in best or rank < best[option.depot_id][0]:
                best[option.depot_id] = (rank, option)
    depots, lines = [], []
    target = list(incident.geom.coords)
    for rank, option in sorted(best.values(), key=lambda pair: pair[0]):
        label = f"{rank}. {_travel_label(option.name, option.minutes, option.distance_km)}"
        url = reverse("depots:depot_detail", args=[option.depot_id])
        depots.append(
            feature(Point(option.lon, option.lat, srid=4490), label=label, url=url, rank=rank)
        )
        line = {"type": "LineString", "coordinates": [[option.lon, option.lat], target]}
        lines.append({"type": "Feature", "geometry": line, "properties": {"rank": rank}})
    return {
        "incident": feature(incident.geom, label=incident.name),
        "depots": depots,
        "lines": lines,
        "basemap": reverse("org:division_basemap"),
        "attribution": _("Boundaries: divisions of the registry"),
    }


def _travel_label(name: str, minutes: float | None, km: float) -> str:
    if minutes is None:
        return _("%(depot)s: off the terrain, %(km).1f km") % {"depot": name, "km": km}
    return _("%(depot)s: %(minutes).0f min, %(km).1f km") % {
        "depot": name,
        "minutes": minutes,
        "km": km,
    }


class IncidentDetailView(LoginRequiredMixin, DetailView):  # type: ignore[type-arg]
    """``/depots/incidents/<pk>/``: an incident, its ranked depots, the suggested allocation
    to confirm as a dispatch, its past dispatches; posts ``action=dispatch`` or ``close``."""

    model = Incident
    template_name = "depots/incident_detail.html"
    context_object_name = "incident"

    def get_queryset(self) -> QuerySet[Incident]:
        incidents = Incident.objects.visible_to(self.request.user)
        return incidents.select_related("unit", "division", "created_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        incident, user = self.object, self.request.user
        ranking = service.rank_depots(incident, user)
        is_open = incident.status == IncidentStatus.OPEN
        form = kwargs.pop("dispatch_form", None)
        if form is None and is_open:
            form = DispatchForm(
                allocation=service.suggest_allocation(incident, user, ranking=ranking)
            )
        dispatches = (
            Dispatch.objects.visible_to(user)
            .filter(incident=incident)
            .select_related("by")
            .annotate(line_count=Count("lines"))
        )
        return super().get_context_data(
            ranking=ranking,
            dispatch_form=form,
            may_close=is_open
            and Incident.objects.editable_by(user).filter(pk=incident.pk).exists(),
            dispatches=dispatches,
            map_data=incident_map(incident, ranking),
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = incident = self.get_object()
        action = request.POST.get("action", "")
        if action == "close":
            return self._close(incident)
        if action != "dispatch":
            return self._again(_("This page has no such action."), 400)
        allocation = service.suggest_allocation(incident, request.user)
        form = DispatchForm(request.POST, allocation=allocation)
        if not form.is_valid():
            return self._again(_("Please correct the form."), 400, form)
        try:
            dispatch = service.confirm_dispatch(
                incident, form.lines(), by=request.user, note=form.cleaned_data["note"]
            )
        except PortalError as exc:
            return self._again(exc.user_message, exc.http_status, form)
        messages.success(request, _("Dispatch %(no)s is confirmed.") % {"no": dispatch.document_no})
        return redirect("depots:dispatch_detail", pk=dispatch.pk)

    def _close(self, incident: Incident) -> HttpResponse:
        if not CloseIncidentForm(self.request.POST).is_valid():
            return self._again(_("Please correct the form."), 400)
        try:
            service.close_incident(incident, by=self.request.user)
        except PortalError as exc:
            return self._again(exc.user_message, exc.http_status)
        messages.success(self.request, _("The incident is closed."))
        return redirect(incident)

    def _again(self, error: str, status: int, form: DispatchForm | None = None) -> HttpResponse:
        self.object.refresh_from_db()
        context = self.get_context_data(object=self.object, error=error, dispatch_form=form)
        response = self.render_to_response(context)
        response.status_code = status
        return response


# -- a dispatch's page ----------------------------------------------------------------------------


class DispatchDetailView(LoginRequiredMixin, DetailView):  # type: ignore[type-arg]
    """``/depots/dispatches/<pk>/``: what a dispatch sent, from which batches, and the stock
    movements it wrote (those of depots the user may see)."""

    model = Dispatch
    template_name = "depots/incident_dispatch.html"
    context_object_name = "dispatch"

    def get_queryset(self) -> QuerySet[Dispatch]:
        return Dispatch.objects.visible_to(self.request.user).select_related("incident", "by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        dispatch = self.object
        lines = dispatch.lines.select_related(
            "stock_item__depot", "stock_item__category", "need__category"
        ).order_by("travel_minutes", "pk")
        movements = (
            StockMovement.objects.visible_to(self.request.user)
            .filter(dispatch=dispatch)
            .select_related("depot", "stock_item")
            .order_by("pk")
        )
        return super().get_context_data(lines=lines, movements=movements, **kwargs)


urlpatterns = [
    path("depots/incidents/", IncidentListView.as_view(), name="incident_list"),
    path("depots/incidents/new/", IncidentCreateView.as_view(), name="incident_create"),
    path("depots/incidents/<int:pk>/", IncidentDetailView.as_view(), name="incident_detail"),
    path("depots/dispatches/<int:pk>/", DispatchDetailView.as_view(), name="dispatch_detail"),
]
