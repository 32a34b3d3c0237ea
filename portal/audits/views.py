"""The audit administrator's pages: the trail with its filters, its exports, and the purge.

Only the audit administrator reads them; anyone else signed in gets 403, a superuser or the
system and security administrators included (separation of duties).
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from portal.audits import exports
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.exceptions import AuditAccessError
from portal.audits.forms import AuditFilterForm, PurgeForm
from portal.audits.middleware import RECORDED
from portal.audits.models import AuditEvent
from portal.audits.services import may_read_audit, purge, record_event, retention_floor
from portal.core.exceptions import PortalError
from portal.core.views import refused

XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AuditAdminMixin(LoginRequiredMixin):
    """Signed in (else the sign-in page) and the audit administrator (else 403)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not may_read_audit(request.user):
            # A refused look at the audit is itself a security event.
            record_event(
                AuditAction.AUDIT_ACCESS,
                request=request,
                result=AuditResult.DENIED,
                target=request.path,
            )
            return refused(
                request,
                AuditAccessError(),
                back_url=reverse("core:home"),
                back_label=gettext_lazy("Back to the home page"),
            )
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]


def _filtered(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    if not form.is_valid():
        return AuditEvent.objects.none()
    return AuditEvent.objects.matching(form.criteria())


class EventListView(AuditAdminMixin, ListView):  # type: ignore[type-arg]
    """``/audit/``: the newest events first, filtered by date, user, action, result, address."""

    template_name = "audits/event_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[AuditEvent]:
        self.filter = AuditFilterForm(self.request.GET)
        return _filtered(self.filter).order_by("-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(filter=self.filter, query=query.urlencode(), **kwargs)


class EventExportView(AuditAdminMixin, View):
    """``/audit/export.csv`` and ``.xlsx``: every event the filter selects, oldest first.

    The export is itself an audit event (``audit_export``), recorded before the file is sent.
    """

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse:
        form = AuditFilterForm(request.GET)
        events = _filtered(form).order_by("id")
        count = events.count()
        if fmt == "xlsx" and count > exports.XLSX_ROWS:
            message = _("Too many events for one spreadsheet: narrow the filter or choose CSV.")
            return refused(
                request,
                PortalError(message),
                back_url=reverse("audits:event_list"),
                back_label=gettext_lazy("Back to the security audit"),
            )
        detail = {"format": fmt, "rows": count, "filter": form.described()}
        record_event(AuditAction.AUDIT_EXPORT, request=request, target=request.path, detail=detail)
        response = self._file(fmt, events)
        setattr(response, RECORDED, True)  # not a second time as a plain download
        return response

    def _file(self, fmt: str, events: QuerySet[AuditEvent]) -> HttpResponse:
        rows = events.iterator(chunk_size=2000)
        name = f"security-audit-{timezone.localdate():%Y%m%d}.{fmt}"
        response: HttpResponse
        if fmt == "csv":
            lines = exports.csv_lines(rows)
            response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")  # type: ignore[assignment]
        else:
            body = exports.xlsx_bytes(_("Security audit"), rows)
            response = HttpResponse(body, content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response


class PurgeView(AuditAdminMixin, View):
    """``/audit/purge/``: choose a date, see how many events would go, confirm that count."""

    template_name = "audits/purge.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        floor = timezone.localdate(retention_floor())
        return self._render(PurgeForm(initial={"before": floor}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PurgeForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        before = form.before_time()
        count = AuditEvent.objects.purgeable(before).count()
        if form.cleaned_data["expected"] != count:
            # First step, or the count moved since it was shown: ask (again) to confirm it.
            confirm = PurgeForm(initial={"before": form.cleaned_data["before"], "expected": count})
            return self._render(confirm, count=count)
        try:
            deleted = purge(before, by=request.user)
        except PortalError as exc:
            return self._render(form, error=exc.user_message, status=exc.http_status)
        messages.success(request, _("%(count)d audit events deleted.") % {"count": deleted})
        return redirect("audits:event_list")

    def _render(
        self, form: PurgeForm, *, count: int | None = None, error: str = "", status: int = 200
    ) -> TemplateResponse:
        context = {"form": form, "count": count, "error": error, "floor": retention_floor()}
        return TemplateResponse(self.request, self.template_name, context, status=status)
