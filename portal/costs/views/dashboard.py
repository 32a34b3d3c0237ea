"""The running-cost dashboard (``/costs/``), its map data, the unit ranking, a unit's trends, a
building's drill-down and the dashboard's XLSX and PDF exports.

Every view of the dashboard family reads the same query string (``year``, ``indicator``,
``level``, ``division``) through :class:`DashboardForm` and builds its figures with
:func:`portal.costs.dashboard.build_dashboard` for the signed-in user, so a file holds what the
page shows. A bad parameter gets the page back with the field's error and status 400.
Downloads are attachments, which :class:`portal.audits.middleware.DownloadAuditMiddleware`
records in the security audit.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from typing import Any, Final

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.buildings.models import Building
from portal.costs.choices import CampaignStatus, CostCategory
from portal.costs.dashboard import (
    DEFAULT_INDICATOR,
    LEVELS,
    Dashboard,
    DashboardFilter,
    build_dashboard,
)
from portal.costs.drilldown import building_costs, unit_trend
from portal.costs.exports import file_stem
from portal.costs.exports.pdf import render_dashboard_pdf
from portal.costs.exports.xlsx import write_dashboard_xlsx
from portal.costs.indicators import INDICATORS
from portal.costs.models import CostCampaign, CostRecord
from portal.maps.dashboard import LEVEL_CHOICES
from portal.org.models import Unit

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_RANKING: Final = 20  # units of the ranking on the dashboard; the ranking page lists all
JS_STRINGS: Final = {
    "units": _("Units with figures"),
    "total": _("Total (yuan)"),
    "no_data": _("no figures"),
}


def default_year(user: Any) -> int:
    """The latest published year the user has records of, since a dashboard opens on final
    figures; else the latest year with records (the fleet feeds the current year's vehicle
    costs long before its round), else last year."""
    records = CostRecord.objects.visible_to(user)
    published = records.filter(
        year__in=CostCampaign.objects.filter(status=CampaignStatus.PUBLISHED).values("year")
    )
    latest = published.aggregate(year=Max("year"))["year"]
    latest = latest or records.aggregate(year=Max("year"))["year"]
    return latest or timezone.localdate().year - 1


class DashboardForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    indicator = forms.ChoiceField(label=_("Indicator"), required=False, choices=())
    level = forms.ChoiceField(label=_("Divisions"), choices=LEVEL_CHOICES, required=False)
    division = forms.CharField(
        label=_("Division code prefix"),
        required=False,
        max_length=6,
        validators=[RegexValidator(r"^\d{2,6}$", _("Give 2 to 6 digits of a division code."))],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["indicator"].choices = list(INDICATORS.items())

    def filters(self) -> DashboardFilter:
        data = self.cleaned_data
        return DashboardFilter(
            year=data.get("year") or default_year(self.user),
            indicator=data.get("indicator") or DEFAULT_INDICATOR,
            level=data.get("level") or LEVELS[0],
            prefix=data.get("division") or "",
        )


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def page(
    request: HttpRequest,
    template: str,
    form: DashboardForm,
    dashboard: Dashboard | None,
    status: int = 200,
) -> TemplateResponse:
    context = {
        "form": form,
        "dashboard": dashboard,
        "indicators": list(INDICATORS.items()),
        "level_choices": LEVEL_CHOICES,
        "categories": CostCategory.choices,
        "js_strings": JS_STRINGS,
        "query": request.GET.urlencode(),
        "page_ranking": PAGE_RANKING,
    }
    return TemplateResponse(request, template, context, status=status)


class DashboardMixin(LoginRequiredMixin, ABC):
    """Parses the query string; an invalid one renders the page with the errors (400)."""

    request: HttpRequest
    template_name = "costs/dashboard.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = DashboardForm(request.GET, user=request.user)
        if not form.is_valid():
            return page(request, self.template_name, form, None, status=400)
        return self.respond(form, build_dashboard(request.user, form.filters()))

    @abstractmethod
    def respond(self, form: DashboardForm, dashboard: Dashboard) -> HttpResponse:
        """The answer in the view's own format."""


class DashboardView(DashboardMixin, View):
    """``/costs/``: the choropleth by division, the top of the ranking, outliers, categories."""

    def respond(self, form: DashboardForm, dashboard: Dashboard) -> HttpResponse:
        return page(self.request, self.template_name, form, dashboard)


class RankingView(DashboardMixin, View):
    """``/costs/ranking/``: every unit shown, by the chosen indicator."""

    template_name = "costs/ranking.html"

    def respond(self, form: DashboardForm, dashboard: Dashboard) -> HttpResponse:
        return page(self.request, self.template_name, form, dashboard)


class MapDivisionsView(DashboardMixin, View):
    """``/costs/map.geojson``: the divisions with their figure (RFC 7946, lon/lat)."""

    def respond(self, form: DashboardForm, dashboard: Dashboard) -> HttpResponse:
        return JsonResponse(dashboard.collection, content_type="application/geo+json")


class ExportXlsxView(DashboardMixin, View):
    def respond(self, form: DashboardForm, dashboard: Dashboard) -> HttpResponse:
        out = io.BytesIO()
        write_dashboard_xlsx(dashboard, out)
        return attachment(out.getvalue(), f"{file_stem(dashboard)}.xlsx", XLSX)


class ExportPdfView(DashboardMixin, View):
    def respond(self, form: DashboardForm, dashboard: Dashboard) -> HttpResponse:
        pdf = render_dashboard_pdf(dashboard)
        return attachment(pdf, f"{file_stem(dashboard)}.pdf", "application/pdf")


class UnitCostsView(LoginRequiredMixin, View):
    """``/costs/units/<pk>/``: a unit's figures over the years, charted; a unit the user may
    not read answers 404."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        units = Unit.objects.visible_to(request.user).select_related("division")
        unit = get_object_or_404(units, pk=pk)
        context = {
            "unit": unit,
            "trend": unit_trend(request.user, unit),
            "categories": CostCategory.choices,
            "indicators": list(INDICATORS.items()),
        }
        return TemplateResponse(request, "costs/unit_costs.html", context)


def visible_building(user: Any, pk: int) -> Building:
    """A building the user may read, or on which he may read cost records (a unit occupying
    another's building); a classified building stays hidden from a reader without clearance."""
    seen = Building.objects.visible_to(user).filter(pk=pk).exists()
    if not seen and not CostRecord.objects.visible_to(user).filter(building_id=pk).exists():
        raise Http404
    return get_object_or_404(Building.objects.select_related("division", "managing_unit"), pk=pk)


class BuildingCostsView(LoginRequiredMixin, View):
    """``/costs/buildings/<pk>/``: a building's records by year and category, per m²."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        building = visible_building(request.user, pk)
        context = {
            "costs": building_costs(request.user, building),
            "categories": CostCategory.choices,
        }
        return TemplateResponse(request, "costs/building_costs.html", context)


urlpatterns = [
    path("costs/", DashboardView.as_view(), name="dashboard"),
    path("costs/map.geojson", MapDivisionsView.as_view(), name="map_divisions"),
    path("costs/ranking/", RankingView.as_view(), name="ranking"),
    path("costs/units/<int:pk>/", UnitCostsView.as_view(), name="unit_costs"),
    path("costs/buildings/<int:pk>/", BuildingCostsView.as_view(), name="building_costs"),
    path("costs/export.xlsx", ExportXlsxView.as_view(), name="export_xlsx"),
    path("costs/export.pdf", ExportPdfView.as_view(), name="export_pdf"),
]
