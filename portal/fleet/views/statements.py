"""Settlement pages: a unit's monthly statement (HTML, XLSX, PDF) and a pool's payer × payee
summary.

Each statement view reads the same query string (``month=YYYY-MM``, ``unit=<id>``) through
:class:`~portal.fleet.forms.trips.StatementForm`, whose unit choices are the units the user
may open (its own scope, and the units of the pools it manages), and builds the statement with
:func:`~portal.fleet.services.settlement.unit_statement` for the signed-in user, so a file
holds what the page shows. A bad parameter gets the page back with the error and status 400.
Downloads are attachments, which :class:`portal.audits.middleware.DownloadAuditMiddleware`
records in the security audit.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from typing import Any, Final

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.views import View

from portal.fleet.forms.trips import MonthForm, StatementForm
from portal.fleet.models import VehiclePool
from portal.fleet.services.settlement import (
    PoolSummary,
    Statement,
    may_see_pool,
    pool_summary,
    unit_statement,
)
from portal.fleet.statements import file_stem, line_headers
from portal.fleet.statements.pdf import render_statement_pdf
from portal.fleet.statements.xlsx import write_pool_xlsx, write_statement_xlsx

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def managed_pools(user: Any) -> list[VehiclePool]:
    return list(VehiclePool.objects.managed_by(user).order_by("name"))


class StatementMixin(LoginRequiredMixin, ABC):
    """Parses the query string; an invalid one renders the page with the errors (400)."""

    request: HttpRequest

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = StatementForm(request.GET, user=request.user)
        if not form.is_valid():
            return page(request, form, None, status=400)
        unit = form.chosen_unit()
        if unit is None:
            return page(request, form, None)
        statement = unit_statement(unit, form.period(), user=request.user)
        return self.respond(form, statement)

    @abstractmethod
    def respond(self, form: StatementForm, statement: Statement) -> HttpResponse:
        """The answer in the view's own format."""


def page(
    request: HttpRequest, form: StatementForm, statement: Statement | None, status: int = 200
) -> TemplateResponse:
    context = {
        "form": form,
        "statement": statement,
        "headers": line_headers(),
        "pools": managed_pools(request.user),
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "fleet/statement.html", context, status=status)


class StatementView(StatementMixin, View):
    """``/fleet/statements/``: a unit's month, section by section, with the downloads."""

    def respond(self, form: StatementForm, statement: Statement) -> HttpResponse:
        return page(self.request, form, statement)


class StatementXlsxView(StatementMixin, View):
    def respond(self, form: StatementForm, statement: Statement) -> HttpResponse:
        out = io.BytesIO()
        write_statement_xlsx(statement, out)
        return attachment(out.getvalue(), f"{file_stem(statement)}.xlsx", XLSX)


class StatementPdfView(StatementMixin, View):
    def respond(self, form: StatementForm, statement: Statement) -> HttpResponse:
        pdf = render_statement_pdf(statement)
        return attachment(pdf, f"{file_stem(statement)}.pdf", "application/pdf")


class PoolStatementView(LoginRequiredMixin, View):
    """``/fleet/statements/pools/<pk>/``: who owes whom in a pool's month, for its managers
    and whoever reads its operating unit; any other user gets a 404."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pool = get_object_or_404(VehiclePool.objects.select_related("operator"), pk=pk)
        if not may_see_pool(request.user, pool):
            raise Http404
        form = MonthForm(request.GET)
        if not form.is_valid():
            context = {"pool": pool, "form": form, "summary": None}
            return TemplateResponse(request, "fleet/pool_statement.html", context, status=400)
        return self.respond(pool, form, pool_summary(pool, form.period(), user=request.user))

    def respond(self, pool: VehiclePool, form: MonthForm, summary: PoolSummary) -> HttpResponse:
        context = {"pool": pool, "form": form, "summary": summary}
        return TemplateResponse(self.request, "fleet/pool_statement.html", context)


class PoolStatementXlsxView(PoolStatementView):
    def respond(self, pool: VehiclePool, form: MonthForm, summary: PoolSummary) -> HttpResponse:
        out = io.BytesIO()
        write_pool_xlsx(summary, out)
        name = f"vehicle-pool-{pool.pk}-{summary.month}.xlsx"
        return attachment(out.getvalue(), name, XLSX)


urlpatterns = [
    path("fleet/statements/", StatementView.as_view(), name="statement"),
    path("fleet/statements/xlsx/", StatementXlsxView.as_view(), name="statement_xlsx"),
    path("fleet/statements/pdf/", StatementPdfView.as_view(), name="statement_pdf"),
    path("fleet/statements/pools/<int:pk>/", PoolStatementView.as_view(), name="pool_statement"),
    path(
        "fleet/statements/pools/<int:pk>/xlsx/",
        PoolStatementXlsxView.as_view(),
        name="pool_statement_xlsx",
    ),
]
