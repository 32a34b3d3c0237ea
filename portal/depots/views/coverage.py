"""Coverage analysis pages: the list with the form that starts one, an analysis' page (its
progress while it runs, then the figures, the map and the tables), the status JSON the page
polls, the map's GeoJSON and the exports (XLSX, GeoPackage, a zipped folium map).

Views bind the form and call :mod:`portal.depots.services.coverage`; every read starts from
``CoverageAnalysis.objects.visible_to(user)``, so an analysis another unit ran is a 404.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView

from portal.core.exceptions import PortalError
from portal.depots.choices import RunStatus
from portal.depots.exports import coverage_map
from portal.depots.exports.coverage import (
    COUNTY_ORDERS,
    county_rows,
    depot_rows,
    summary,
    write_gpkg,
    write_xlsx,
)
from portal.depots.forms.coverage import CoverageForm
from portal.depots.models import CoverageAnalysis
from portal.depots.services.coverage import may_start, start_analysis
from portal.depots.views.runs import (
    GPKG,
    XLSX,
    RunFileView,
    RunMapZipView,
    RunStatusView,
    VisibleRunMixin,
    status_payload,
)

PAGE_SIZE: Final = 50
JS_STRINGS: Final = {
    "time": _("Within the travel time"),
    "radius": _("Within the radius"),
    "gaps": _("Uncovered populated cells"),
    "depots": _("Emergency depots"),
    "people": _("people"),
    "uncovered": _("uncovered"),
}


class CoverageListView(LoginRequiredMixin, View):
    """``/depots/coverage/``: the analyses the user may see, and the form starting a new one."""

    template_name = "depots/coverage_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(CoverageForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CoverageForm(request.POST, user=request.user)
        if not may_start(request.user):  # type: ignore[arg-type]
            return self._render(form, error=str(_("Your role may not run analyses.")), status=403)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            analysis = start_analysis(**form.cleaned_data, by=request.user)
        except PortalError as exc:
            return self._render(form, error=exc.user_message, status=exc.http_status)
        return redirect(analysis)

    def _render(self, form: CoverageForm, *, error: str = "", status: int = 200) -> HttpResponse:
        user = self.request.user
        analyses = CoverageAnalysis.objects.visible_to(user).select_related("region", "unit")
        page = Paginator(analyses, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context = {
            "form": form,
            "error": error,
            "may_start": may_start(user),  # type: ignore[arg-type]
            "analyses": page.object_list,
            "page_obj": page,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


class VisibleAnalysisMixin(VisibleRunMixin):
    """An analysis the user may see; another unit's is a 404."""

    kind = "coverage"
    run_model = CoverageAnalysis


class CoverageDetailView(VisibleAnalysisMixin, DetailView):  # type: ignore[type-arg]
    """``/depots/coverage/<pk>/``: progress while it runs, then figures, map and tables."""

    template_name = "depots/coverage_detail.html"
    context_object_name = "analysis"
    raise_exception = False  # a page: send strangers to the login page

    def get_object(self, queryset: Any = None) -> CoverageAnalysis:
        return self.run()  # type: ignore[no-any-return]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        analysis: CoverageAnalysis = self.object
        context = super().get_context_data(status=status_payload(analysis), **kwargs)
        if analysis.status == RunStatus.DONE:
            context.update(self._results(analysis))
        return context

    def _results(self, analysis: CoverageAnalysis) -> dict[str, Any]:
        order = self.request.GET.get("order", "uncovered")
        order = order if order in COUNTY_ORDERS else "uncovered"
        return {
            "summary": summary(analysis),
            "counties": county_rows(analysis, order),
            "order": order,
            "depots": depot_rows(analysis, self.request.user),
            "map_config": {
                "url": reverse("depots:coverage_map", args=[analysis.pk]),
                "basemap": reverse("org:division_basemap"),
                "attribution": str(_("Boundaries: divisions of the registry")),
                "strings": {key: str(value) for key, value in JS_STRINGS.items()},
            },
        }


class CoverageStatusView(VisibleAnalysisMixin, RunStatusView):
    """``/depots/coverage/<pk>/status.json``: what the progress bar polls."""


class CoverageMapView(VisibleAnalysisMixin, View):
    """``/depots/coverage/<pk>/map.json``: the areas, gaps and depots as GeoJSON."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse(
            coverage_map.map_layers(self.done(), request.user),
            json_dumps_params={"ensure_ascii": False},
        )


class CoverageXlsxView(VisibleAnalysisMixin, RunFileView):
    """``/depots/coverage/<pk>/coverage.xlsx``: summary, counties, depots and supplies."""

    writer, suffix, content_type = staticmethod(write_xlsx), "xlsx", XLSX


class CoverageGpkgView(VisibleAnalysisMixin, RunFileView):
    """``/depots/coverage/<pk>/coverage.gpkg``: service areas, gaps and depots in EPSG:4490."""

    writer, suffix, content_type = staticmethod(write_gpkg), "gpkg", GPKG


class CoverageMapZipView(VisibleAnalysisMixin, RunMapZipView):
    """``/depots/coverage/<pk>/map.zip``: the folium map with its Leaflet files."""

    map_zip = staticmethod(coverage_map.map_zip)


urlpatterns = [
    path("depots/coverage/", CoverageListView.as_view(), name="coverage_list"),
    path("depots/coverage/<int:pk>/", CoverageDetailView.as_view(), name="coverage_detail"),
    path(
        "depots/coverage/<int:pk>/status.json",
        CoverageStatusView.as_view(),
        name="coverage_status",
    ),
    path("depots/coverage/<int:pk>/map.json", CoverageMapView.as_view(), name="coverage_map"),
    path(
        "depots/coverage/<int:pk>/coverage.xlsx",
        CoverageXlsxView.as_view(),
        name="coverage_xlsx",
    ),
    path(
        "depots/coverage/<int:pk>/coverage.gpkg",
        CoverageGpkgView.as_view(),
        name="coverage_gpkg",
    ),
    path("depots/coverage/<int:pk>/map.zip", CoverageMapZipView.as_view(), name="coverage_html"),
]
