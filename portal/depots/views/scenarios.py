"""Siting scenario pages: the list (pick scenarios to compare, or create one), a scenario's page
(its progress while it runs, then its figures, sites and map), the status JSON the page polls,
the side-by-side comparison and the exports (XLSX, GeoPackage, a zipped folium map).

Views bind the form and call :mod:`portal.depots.services.siting`; every read starts from
``SitingScenario.objects.visible_to(user)``, so a scenario of a unit the user may not see is a
404, in a comparison too.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from portal.core.exceptions import PortalError
from portal.depots.choices import RunStatus
from portal.depots.exports import scenario_map
from portal.depots.exports.scenarios import (
    figures,
    input_rows,
    site_link,
    site_rows,
    with_counts,
    write_gpkg,
    write_xlsx,
)
from portal.depots.forms.scenarios import ScenarioForm
from portal.depots.models import SitingScenario
from portal.depots.services.coverage import may_start
from portal.depots.services.siting import create_scenario
from portal.depots.views.runs import (
    GPKG,
    XLSX,
    RunFileView,
    RunMapZipView,
    RunStatusView,
    VisibleRunMixin,
    status_payload,
)

LIST_LIMIT: Final = 200
COMPARE_LIMIT: Final = 8


def visible(user: Any) -> Any:
    return with_counts(SitingScenario.objects.visible_to(user))


class ScenarioListView(LoginRequiredMixin, View):
    """``/depots/scenarios/``: the scenarios the user may see, checkboxes to compare some of
    them, and the form creating a new one (a map click adds a drawn site)."""

    template_name = "depots/scenario_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(ScenarioForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ScenarioForm(request.POST, user=request.user)
        if not may_start(request.user):  # type: ignore[arg-type]
            message = _("Your role may not run siting scenarios.")
            return self._render(form, error=message, status=403)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            scenario = create_scenario(**form.cleaned_data, by=request.user)
        except PortalError as exc:
            field = getattr(exc, "field", None)
            if field in form.fields:  # an input the form holds: say it beside the field
                form.add_error(field, exc.user_message)
                return self._render(form, status=exc.http_status)
            return self._render(form, error=exc.user_message, status=exc.http_status)
        return redirect(scenario)

    def _render(self, form: ScenarioForm, *, error: str = "", status: int = 200) -> HttpResponse:
        user = self.request.user
        scenarios = list(visible(user)[:LIST_LIMIT])
        context = {
            "form": form,
            "error": error,
            "may_start": may_start(user),  # type: ignore[arg-type]
            "rows": [(s, figures(s)) for s in scenarios],
            "draw_map": {
                "basemap": reverse("org:division_basemap"),
                "attribution": _("Boundaries: divisions of the registry"),
            },
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


class VisibleScenarioMixin(VisibleRunMixin):
    """A scenario the user may see; another unit's is a 404."""

    kind = "scenario"
    run_model = SitingScenario

    def visible_runs(self) -> QuerySet[SitingScenario]:
        return visible(self.request.user)  # type: ignore[attr-defined,no-any-return]


class ScenarioDetailView(VisibleScenarioMixin, DetailView):  # type: ignore[type-arg]
    """``/depots/scenarios/<pk>/``: progress while it runs, then figures, sites and map."""

    template_name = "depots/scenario_detail.html"
    context_object_name = "scenario"
    raise_exception = False  # a page: send strangers to the login page

    def get_object(self, queryset: Any = None) -> SitingScenario:
        return self.run()  # type: ignore[no-any-return]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        scenario: SitingScenario = self.object
        context = super().get_context_data(
            status=status_payload(scenario), inputs=input_rows(scenario), **kwargs
        )
        if scenario.status == RunStatus.DONE:
            reader = self.request.user
            sites = [(site, site_link(site)) for site in site_rows(scenario, reader)]
            map_data = scenario_map.page_map(scenario, reader)
            context.update(figures=figures(scenario), sites=sites, map_data=map_data)
        return context


class ScenarioStatusView(VisibleScenarioMixin, RunStatusView):
    """``/depots/scenarios/<pk>/status.json``: what the progress bar polls."""


def _ids(request: HttpRequest) -> list[int]:
    """``?ids=1,2,3`` or the list's checkboxes (``?ids=1&ids=2``); anything else is a 400."""
    values = [v for raw in request.GET.getlist("ids") for v in raw.split(",") if v.strip()]
    if not all(v.strip().isdigit() for v in values):
        raise ValueError(_("Scenario numbers are whole numbers, e.g. ?ids=1,2,3."))
    return list(dict.fromkeys(int(v) for v in values))[:COMPARE_LIMIT]


class ScenarioCompareView(LoginRequiredMixin, View):
    """``/depots/scenarios/compare/?ids=1,2,3``: scenarios side by side, in the order given;
    numbers of scenarios the user may not see are left out."""

    template_name = "depots/scenario_compare.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            ids = _ids(request)
        except ValueError as exc:
            context = {"columns": [], "error": str(exc)}
            return TemplateResponse(request, self.template_name, context, status=400)
        found = {s.pk: s for s in visible(request.user).filter(pk__in=ids)}
        columns = [(found[pk], figures(found[pk])) for pk in ids if pk in found]
        context = {"columns": columns, "error": "", "limit": COMPARE_LIMIT}
        return TemplateResponse(request, self.template_name, context)


class ScenarioXlsxView(VisibleScenarioMixin, RunFileView):
    """``/depots/scenarios/<pk>/scenario.xlsx``: inputs, results and sites."""

    writer, suffix, content_type = staticmethod(write_xlsx), "xlsx", XLSX


class ScenarioGpkgView(VisibleScenarioMixin, RunFileView):
    """``/depots/scenarios/<pk>/scenario.gpkg``: the sites layer (EPSG:4490) and the inputs."""

    writer, suffix, content_type = staticmethod(write_gpkg), "gpkg", GPKG


class ScenarioMapView(VisibleScenarioMixin, RunMapZipView):
    """``/depots/scenarios/<pk>/map.zip``: the folium map with its Leaflet files."""

    map_zip = staticmethod(scenario_map.map_zip)


urlpatterns = [
    path("depots/scenarios/", ScenarioListView.as_view(), name="scenario_list"),
    path("depots/scenarios/compare/", ScenarioCompareView.as_view(), name="scenario_compare"),
    path("depots/scenarios/<int:pk>/", ScenarioDetailView.as_view(), name="scenario_detail"),
    path(
        "depots/scenarios/<int:pk>/status.json",
        ScenarioStatusView.as_view(),
        name="scenario_status",
    ),
    path(
        "depots/scenarios/<int:pk>/scenario.xlsx",
        ScenarioXlsxView.as_view(),
        name="scenario_xlsx",
    ),
    path(
        "depots/scenarios/<int:pk>/scenario.gpkg",
        ScenarioGpkgView.as_view(),
        name="scenario_gpkg",
    ),
    path("depots/scenarios/<int:pk>/map.zip", ScenarioMapView.as_view(), name="scenario_html"),
]
