"""The import and export pages: thin views over :mod:`portal.exchange.services` and the export.

Uploads are only stored and queued here; the worker checks and writes them (see tasks.py), so
the detail page shows whatever state the job is in and polls ``status.json`` while it runs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from portal.core import views as core_views
from portal.core.exceptions import PortalError
from portal.exchange import display, services
from portal.exchange.access import jobs_visible_to, may_import, require_importer
from portal.exchange.downloads import attachment, export_download, scratch
from portal.exchange.entities import ENTITIES, Entity
from portal.exchange.forms import ExportForm, ImportForm
from portal.exchange.models import ImportJob, ImportStatus
from portal.exchange.report import write_report_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def refused(request: HttpRequest, exc: PortalError) -> TemplateResponse:
    """A page saying why, with the error's own status (403 out of scope, 409 wrong state…)."""
    back = gettext_lazy("Back to imports and exports")
    return core_views.refused(
        request, exc, back_url=reverse("exchange:import_list"), back_label=back
    )


def entity_or_404(name: str) -> Entity:
    if name not in ENTITIES:
        raise Http404
    return ENTITIES[name]


class ImporterRequiredMixin(LoginRequiredMixin):
    """Signed-in users whose role cannot edit get a 403 with the service's own message."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        try:
            require_importer(request.user)
        except PortalError as exc:
            return refused(request, exc)
        return super().dispatch(request, *args, **kwargs)


class VisibleJobMixin(LoginRequiredMixin):
    """A job its uploader (or a province administrator) may see; anyone else gets a 404."""

    raise_exception = True  # status.json and downloads are fetched, not navigated to

    def job(self) -> ImportJob:
        return get_object_or_404(jobs_visible_to(self.request.user), pk=self.kwargs["pk"])  # type: ignore[attr-defined]


class ImportListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/imports/``: the user's imports (all of them for province administrators), newest
    first, with the templates to fill in and a small export form per record type."""

    template_name = "exchange/import_list.html"
    context_object_name = "jobs"
    paginate_by = 50

    def get_queryset(self) -> Any:
        return jobs_visible_to(self.request.user)  # type: ignore[arg-type]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        exports = [
            (name, entity.label, ExportForm(auto_id=f"export-{name}-%s"))
            for name, entity in ENTITIES.items()
        ]
        return super().get_context_data(
            may_import=may_import(self.request.user), exports=exports, **kwargs
        )


class ImportCreateView(ImporterRequiredMixin, FormView):  # type: ignore[type-arg]
    """``/imports/new/``: store the upload, queue its check and show its page."""

    template_name = "exchange/import_form.html"
    form_class = ImportForm

    def get_initial(self) -> dict[str, Any]:
        entity = self.request.GET.get("entity", "")
        return {"entity": entity} if entity in ENTITIES else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            entities=ENTITIES.items(), max_mb=settings.TIANFU_IMPORT_MAX_MB, **kwargs
        )

    def form_valid(self, form: ImportForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            job = services.create_import(
                data["file"],
                by=self.request.user,  # type: ignore[arg-type]
                entity=data["entity"],
                options=form.options(),
                repair=data["repair"],
            )
        except PortalError as exc:
            return refused(self.request, exc)
        return redirect(job)


class ImportDetailView(VisibleJobMixin, DetailView):  # type: ignore[type-arg]
    """``/imports/<id>/``: the state, the check's report, a preview and the confirm button."""

    template_name = "exchange/import_detail.html"
    context_object_name = "job"
    raise_exception = False  # a page: send strangers to the login page

    def get_object(self, queryset: Any = None) -> ImportJob:
        return self.job()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        job: ImportJob = self.object
        report = display.report_of(job)
        return super().get_context_data(
            report=report,
            report_view=_report_view(report) if report else None,
            preview=display.preview_of(job),
            status=display.status_payload(job),
            may_confirm=job.status == ImportStatus.CHECKED and job.user_id == self.request.user.pk,
            **kwargs,
        )


def _report_view(report: Any) -> dict[str, Any]:
    problems = display.problem_rows(report)
    total = display.problem_count(report)
    return {
        "encoding_source": display.source_label(report.encoding_source),
        "crs_source": display.source_label(report.crs_source),
        "counts": display.counts_of(report),
        "format": display.format_label(report.format),
        "columns": display.columns_of(report),
        "problems": problems,
        "problem_total": total,
        "problems_cut": total > len(problems),
    }


class ImportStatusView(VisibleJobMixin, View):
    """``/imports/<id>/status.json``: what the progress bar polls every second."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse(display.status_payload(self.job()))


class ImportReportView(VisibleJobMixin, View):
    """``/imports/<id>/report.xlsx``: the whole report, both languages, as a workbook."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        job = self.job()
        report = display.report_of(job)
        if report is None:
            raise Http404
        with scratch("report") as directory:
            path = write_report_xlsx(report, directory / "report.xlsx")
            return attachment(path, f"import-{job.pk}-report.xlsx", XLSX)


class ImportConfirmView(VisibleJobMixin, View):
    """POST ``/imports/<id>/confirm/``: queue the commit of a checked file."""

    raise_exception = False

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.job()
        try:
            services.confirm_import(job, by=request.user)  # type: ignore[arg-type]
        except PortalError as exc:
            messages.error(request, exc.user_message)
        else:
            messages.success(request, _("Confirmed: the records are being written."))
        return redirect(job)


class ImportTemplateView(LoginRequiredMixin, View):
    """``/imports/template/<entity>.xlsx``: the workbook to fill in for one record type."""

    def get(self, request: HttpRequest, entity: str) -> FileResponse:
        from portal.exchange.template import write_template

        chosen = entity_or_404(entity)
        with scratch("template") as directory:
            path = write_template(chosen, directory / f"{chosen.name}.xlsx")
            return attachment(path, f"tianfu-{chosen.name}-template.xlsx", XLSX)


class ExportView(LoginRequiredMixin, View):
    """``/exports/<entity>/?format=&crs=&encoding=&<filters>``: the records the user may read."""

    def get(self, request: HttpRequest, entity: str) -> HttpResponse:
        try:
            return export_download(entity_or_404(entity), request.user, request.GET)
        except PortalError as exc:
            return refused(request, exc)
