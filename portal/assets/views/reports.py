"""The warehouse's reports (``/warehouse/reports/``) and their workbook (``.xlsx``).

Both read :func:`portal.assets.reports.warehouse_report` for the signed-in user, so the file
holds what the page shows: figures over the user's scope only.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views import View
from django.views.generic import TemplateView

from portal.assets.reports import warehouse_report
from portal.assets.reports_xlsx import write_warehouse_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WarehouseReportsView(LoginRequiredMixin, TemplateView):
    """Reallocation, idle rates, time to match, disposal proceeds and office space."""

    template_name = "assets/reports_warehouse.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        report = warehouse_report(self.request.user)  # type: ignore[arg-type]
        return super().get_context_data(report=report, **kwargs)


class WarehouseReportsXlsxView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        report = warehouse_report(request.user)  # type: ignore[arg-type]
        out = io.BytesIO()
        write_warehouse_xlsx(report, out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
        name = f"warehouse-reports-{report.today.isoformat()}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


urlpatterns = [
    path("warehouse/reports/", WarehouseReportsView.as_view(), name="warehouse_reports"),
    path(
        "warehouse/reports.xlsx", WarehouseReportsXlsxView.as_view(), name="warehouse_reports_xlsx"
    ),
]
