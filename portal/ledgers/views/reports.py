"""The annual office-space report pages: the list with the form that takes a snapshot, a
report's page (its tables, difference vs last year, history and the moves the reader may make),
and its downloads.

Every read goes through ``SpaceReport.objects.visible_to(user)``: a report outside the reader's
scope is a 404. Writes go through :mod:`portal.ledgers.services`; a refusal shows the page again
with its message and the error's HTTP status. Downloads are attachments, which
:class:`portal.audits.middleware.DownloadAuditMiddleware` records in the security audit.
"""

from __future__ import annotations

import io
from typing import Any, Final
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from portal.core.exceptions import PortalError
from portal.ledgers import services, workflow
from portal.ledgers.document import build_document
from portal.ledgers.exports import file_stem
from portal.ledgers.exports.pdf import render_report_pdf
from portal.ledgers.exports.xlsx import write_report_xlsx
from portal.ledgers.forms import TakeForm, TransitionForm
from portal.ledgers.models import SpaceReport

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def visible_report(request: HttpRequest, pk: int) -> SpaceReport:
    reports = SpaceReport.objects.visible_to(request.user).select_related("unit", "division")
    return get_object_or_404(reports, pk=pk)


# Reports per page of the list: a province administrator sees about two thousand.
LIST_PAGE: Final = 50


def list_page(request: HttpRequest, form: TakeForm, error: str = "", status: int = 200) -> Any:
    reports = SpaceReport.objects.visible_to(request.user).select_related("unit", "division")
    year = request.GET.get("year", "")
    if year.isdigit():
        reports = reports.filter(year=int(year))
    page = Paginator(reports, LIST_PAGE).get_page(request.GET.get("page"))
    context = {
        "reports": page.object_list,
        "page_obj": page,
        "query": urlencode({"year": year}) if year.isdigit() else "",
        "form": form,
        "error": error,
        "year": year,
    }
    return TemplateResponse(request, "ledgers/report_list.html", context, status=status)


class ReportListView(LoginRequiredMixin, View):
    """``/ledgers/``: the reports the reader may see, newest year first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return list_page(request, TakeForm(user=request.user))


class ReportTakeView(LoginRequiredMixin, View):
    """POST ``/ledgers/take/``: take (or take again) a report's snapshot."""

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TakeForm(request.POST, user=request.user)
        if not form.is_valid():
            return list_page(request, form, status=400)
        data = form.cleaned_data
        try:
            report = services.take_report(data["year"], data["kind"], data["unit"], by=request.user)
        except PortalError as exc:
            return list_page(request, form, exc.user_message, exc.http_status)
        messages.success(request, _("Snapshot taken."))
        return redirect("ledgers:report_detail", report.pk)


def detail_page(
    request: HttpRequest, report: SpaceReport, error: str = "", status: int = 200
) -> TemplateResponse:
    context = {
        "report": report,
        "document": build_document(report, request.user),
        "actions": workflow.available_actions(request.user, report),
        "may_retake": workflow.may_retake(request.user, report),
        "steps": report.steps.select_related("by"),
        "error": error,
    }
    return TemplateResponse(request, "ledgers/report_detail.html", context, status=status)


class ReportDetailView(LoginRequiredMixin, View):
    """``/ledgers/<pk>/``: the report's tables, its difference, history and moves."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return detail_page(request, visible_report(request, pk))


class ReportTransitionView(LoginRequiredMixin, View):
    """POST ``/ledgers/<pk>/transition/``: submit, accept or return (with a comment)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = visible_report(request, pk)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            return detail_page(request, report, _("The request is incomplete."), 400)
        data = form.cleaned_data
        try:
            services.transition_report(
                report, data["action"], by=request.user, comment=data["comment"]
            )
        except PortalError as exc:
            return detail_page(request, report, exc.user_message, exc.http_status)
        messages.success(request, _("Report %(status)s.") % {"status": report.get_status_display()})
        return redirect("ledgers:report_detail", report.pk)


class ReportXlsxView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = visible_report(request, pk)
        out = io.BytesIO()
        write_report_xlsx(build_document(report, request.user), out)
        return attachment(out.getvalue(), f"{file_stem(report)}.xlsx", XLSX)


class ReportPdfView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = visible_report(request, pk)
        pdf = render_report_pdf(build_document(report, request.user))
        return attachment(pdf, f"{file_stem(report)}.pdf", "application/pdf")


urlpatterns = [
    path("ledgers/", ReportListView.as_view(), name="report_list"),
    path("ledgers/take/", ReportTakeView.as_view(), name="report_take"),
    path("ledgers/<int:pk>/", ReportDetailView.as_view(), name="report_detail"),
    path("ledgers/<int:pk>/transition/", ReportTransitionView.as_view(), name="report_transition"),
    path("ledgers/<int:pk>/report.xlsx", ReportXlsxView.as_view(), name="report_xlsx"),
    path("ledgers/<int:pk>/report.pdf", ReportPdfView.as_view(), name="report_pdf"),
]
