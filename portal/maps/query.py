"""The draw tool's query endpoints: a summary with the first rows, and the same selection as
XLSX or CSV. Each reads :func:`portal.maps.selection.select` (the layer's FilterSet over
``visible_to``); bad parameters are a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.views import View

from portal.maps import exports
from portal.maps.selection import QueryParameterError, Selection, counts_by_style, select, summary


class QueryMixin(LoginRequiredMixin):
    """Parse the selection once; each view below answers it in its format with ``answer``."""

    raise_exception = True  # a script asks: answer 403, not a redirect to the login page

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            selection = select(request.GET, request.user)
        except QueryParameterError as exc:
            return JsonResponse({"detail": exc.user_message, "errors": exc.errors}, status=400)
        return self.answer(request, selection)  # type: ignore[attr-defined]

    @staticmethod
    def filename(selection: Selection, extension: str) -> str:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"tianfu-{selection.layer.name}-{stamp}.{extension}"


class QueryJSONView(QueryMixin, View):
    """``/map/query.json``: count, sums, counts by the layer's style and the first rows."""

    def answer(self, request: HttpRequest, selection: Selection) -> HttpResponse:
        return JsonResponse(result(selection))


class QueryCSVView(QueryMixin, View):
    """``/map/query.csv``: the selection, streamed as UTF-8 CSV with a byte order mark."""

    def answer(self, request: HttpRequest, selection: Selection) -> HttpResponse:
        lines = exports.csv_lines(selection, request.build_absolute_uri("/")[:-1])
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.filename(selection, "csv")}"'
        )
        return response


class QueryXLSXView(QueryMixin, View):
    """``/map/query.xlsx``: the selection as a workbook, with an "About" sheet."""

    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def answer(self, request: HttpRequest, selection: Selection) -> HttpResponse:
        count = summary(selection)["count"]
        facts = exports.about(selection, request.user, request.GET.urlencode(), count)
        body = exports.xlsx_bytes(selection, request.build_absolute_uri("/")[:-1], facts)
        response = HttpResponse(body, content_type=self.content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{self.filename(selection, "xlsx")}"'
        )
        return response


def result(selection: Selection) -> dict[str, Any]:
    """The JSON answer: what the map's result panel shows."""
    layer = selection.layer
    totals = summary(selection)
    columns, rows = exports.json_rows(selection)
    sums = [
        {"name": name, "label": exports.column(layer.model, name).label, "value": _number(value)}
        for name, value in totals.items()
        if name != "count"
    ]
    return {
        "layer": layer.name,
        "label": str(capfirst(layer.label)),
        "count": totals["count"],
        "sums": sums,
        "by_style": _by_style(selection),
        "columns": [{"name": c.path, "label": c.label} for c in columns],
        "rows": rows,
        "limit": exports.ROW_LIMIT,
        "truncated": totals["count"] > len(rows),
    }


def _number(value: Any) -> float:
    return float(value or 0)


def _by_style(selection: Selection) -> dict[str, Any] | None:
    field = selection.layer.style_by
    if field is None:
        return None
    col = exports.column(selection.layer.model, field)
    groups = [
        {"value": value, "label": exports.shown(col, value), "count": n}
        for value, n in counts_by_style(selection)
    ]
    return {"field": field, "label": col.label, "groups": groups}
