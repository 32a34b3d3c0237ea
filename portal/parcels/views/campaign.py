"""The campaign dashboard (``/titles/``) and its reports: XLSX, a printable PDF and a folium map.

Each view reads the same query string (``level``, ``division``, and ``approval_no`` for the
PDF) through :class:`CampaignFilterForm`, and builds its figures with
:func:`portal.parcels.campaign.build_campaign` for the signed-in user, so a report holds what
the page shows. A bad parameter gets the page back with the field's error and status 400.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views import View

from portal.maps.dashboard import LEVEL_CHOICES
from portal.parcels.campaign import Campaign, CampaignFilter, build_campaign, legend
from portal.parcels.choices import CaseStatus
from portal.parcels.reports import file_stem
from portal.parcels.reports.folium_map import campaign_map_zip
from portal.parcels.reports.pdf import render_campaign_pdf
from portal.parcels.reports.xlsx import write_campaign_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PRINT_LIST_LIMIT = 200  # rows of each list in the PDF; the XLSX lists every row
JS_STRINGS = {
    "share": _("Share registered"),
    "cases": _("Cases"),
    "overdue": _("Overdue"),
    "no_cases": _("no cases"),
    "legend": _("Share registered"),
}


class CampaignFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Divisions"), choices=LEVEL_CHOICES, required=False)
    division = forms.CharField(
        label=_("Division code prefix"),
        required=False,
        max_length=6,
        validators=[RegexValidator(r"^\d{2,6}$", _("Give 2 to 6 digits of a division code."))],
    )
    approval_no = forms.CharField(label=_("Report approval number"), required=False, max_length=60)

    def filters(self) -> CampaignFilter:
        level = self.cleaned_data.get("level") or LEVEL_CHOICES[0][0]
        return CampaignFilter(level=level, prefix=self.cleaned_data.get("division") or "")


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CampaignMixin(LoginRequiredMixin, ABC):
    """Parses the query string; an invalid one renders the page with the errors (400)."""

    request: HttpRequest
    list_limit: int | None = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CampaignFilterForm(request.GET)
        if not form.is_valid():
            return page(request, form, None, status=400)
        campaign = build_campaign(request.user, form.filters(), limit=self.list_limit)
        return self.respond(form, campaign)

    @abstractmethod
    def respond(self, form: CampaignFilterForm, campaign: Campaign) -> HttpResponse:
        """The answer in the view's own format."""


def page(
    request: HttpRequest, form: CampaignFilterForm, campaign: Campaign | None, status: int = 200
) -> TemplateResponse:
    context = {
        "form": form,
        "campaign": campaign,
        "legend": legend(),
        "status_labels": CaseStatus.labels,
        "level_choices": LEVEL_CHOICES,
        "js_strings": JS_STRINGS,
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "parcels/campaign.html", context, status=status)


class CampaignView(CampaignMixin, View):
    """``/titles/``: progress by division and unit, the choropleth, overdue cases, conflicts."""

    list_limit = 50

    def respond(self, form: CampaignFilterForm, campaign: Campaign) -> HttpResponse:
        return page(self.request, form, campaign)


class CampaignXlsxView(CampaignMixin, View):
    def respond(self, form: CampaignFilterForm, campaign: Campaign) -> HttpResponse:
        out = io.BytesIO()
        write_campaign_xlsx(campaign, out, approval_no=form.cleaned_data["approval_no"])
        return attachment(out.getvalue(), f"{file_stem(campaign)}.xlsx", XLSX)


class CampaignPdfView(CampaignMixin, View):
    list_limit = PRINT_LIST_LIMIT

    def respond(self, form: CampaignFilterForm, campaign: Campaign) -> HttpResponse:
        pdf = render_campaign_pdf(campaign, approval_no=form.cleaned_data["approval_no"])
        return attachment(pdf, f"{file_stem(campaign)}.pdf", "application/pdf")


class CampaignMapView(CampaignMixin, View):
    list_limit = 0  # the map needs the divisions only

    def respond(self, form: CampaignFilterForm, campaign: Campaign) -> HttpResponse:
        return attachment(
            campaign_map_zip(campaign), f"{file_stem(campaign)}-map.zip", "application/zip"
        )
