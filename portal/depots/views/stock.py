"""Stock pages: recording a receipt, an issue, a stocktake or a write-off at a depot, the
depot's movement log (with CSV and XLSX exports and the scanned documents), and the alerts of
every depot the user may see.

A movement form posts to its own page, binds its form and calls one service of
:mod:`portal.depots.services.stock`; a refusal comes back on the form with the error's own
status (403, 409, 400), beside the field it names, and nothing is written. A depot outside the
user's scope is a 404 throughout; one the user reads but may not change is a 403 on the forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from portal.core.exceptions import PortalError
from portal.core.files import serve_upload
from portal.core.views import refused
from portal.depots.exceptions import DepotForbiddenError
from portal.depots.exports import stock as export
from portal.depots.filters import StockMovementFilterSet
from portal.depots.forms.stock import (
    ALERTS,
    AlertFilterForm,
    IssueForm,
    MovementForm,
    ReceiveForm,
    StocktakeForm,
    WriteOffForm,
)
from portal.depots.models import Depot, StockItem, StockMovement
from portal.depots.querysets import EXPIRY_WARNING_DAYS
from portal.depots.services import stock
from portal.depots.views.depots import may_record

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _depot(request: HttpRequest, pk: int) -> Depot:
    readable = Depot.objects.visible_to(request.user)
    return get_object_or_404(readable.select_related("managing_unit__division", "division"), pk=pk)


# -- the four movements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    """One kind of movement: its form, the service call and the page's words."""

    form: type[MovementForm]
    run: Callable[[Depot, MovementForm, Any], StockMovement]
    title: str
    button: str
    done: str


def _receive(depot: Depot, form: MovementForm, user: Any) -> StockMovement:
    return stock.receive_stock(depot, **form.movement(), by=user)


def _issue(depot: Depot, form: MovementForm, user: Any) -> StockMovement:
    return stock.issue_stock(form.cleaned_data["item"], **form.movement(), by=user)


def _adjust(depot: Depot, form: MovementForm, user: Any) -> StockMovement:
    return stock.adjust_stock(form.cleaned_data["item"], **form.movement(), by=user)


def _write_off(depot: Depot, form: MovementForm, user: Any) -> StockMovement:
    return stock.write_off(form.cleaned_data["item"], **form.movement(), by=user)


MOVEMENTS: Final = {
    "receive": Movement(
        ReceiveForm,
        _receive,
        gettext_lazy("Receive stock"),
        gettext_lazy("Record the receipt"),
        gettext_lazy(
            "Received %(change)s %(unit)s (%(document)s): the batch now holds %(balance)s %(unit)s."
        ),
    ),
    "issue": Movement(
        IssueForm,
        _issue,
        gettext_lazy("Issue stock"),
        gettext_lazy("Record the issue"),
        gettext_lazy(
            "Issued %(change)s %(unit)s (%(document)s): %(balance)s %(unit)s left in the batch."
        ),
    ),
    "adjust": Movement(
        StocktakeForm,
        _adjust,
        gettext_lazy("Stocktake"),
        gettext_lazy("Record the count"),
        gettext_lazy(
            "Stocktake recorded (%(document)s): the batch now holds %(balance)s %(unit)s."
        ),
    ),
    "write_off": Movement(
        WriteOffForm,
        _write_off,
        gettext_lazy("Write off stock"),
        gettext_lazy("Record the write-off"),
        gettext_lazy(
            "Wrote off %(change)s %(unit)s (%(document)s): %(balance)s %(unit)s left in the batch."
        ),
    ),
}


class MovementView(LoginRequiredMixin, View):
    """``/depots/<pk>/stock/<action>/``: one movement's form (GET) and its recording (POST)."""

    template_name = "depots/stock_form.html"
    action = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.depot = _depot(request, kwargs["pk"])
        self.movement = MOVEMENTS[self.action]
        if not may_record(self.depot, request.user):
            return refused(
                request,
                DepotForbiddenError(),
                back_url=self.depot.get_absolute_url(),
                back_label=gettext_lazy("Back to the depot"),
            )
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data: Any = None, files: Any = None) -> MovementForm:
        initial = {"item": self.request.GET.get("item")} if self.request.GET.get("item") else {}
        return self.movement.form(data, files, depot=self.depot, initial=initial)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self._form(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            done = self.movement.run(self.depot, form, request.user)
        except PortalError as exc:
            field = getattr(exc, "field", None)
            if field in form.fields:
                form.add_error(field, exc.user_message)
            return self._render(form, error=exc.user_message, status=exc.http_status)
        messages.success(request, self.movement.done % _done(done))
        return redirect(self.depot)

    def _render(self, form: MovementForm, *, error: str = "", status: int = 200) -> HttpResponse:
        context = {
            "depot": self.depot,
            "form": form,
            "error": error,
            "action": self.action,
            "movement": self.movement,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


def _done(movement: StockMovement) -> dict[str, str]:
    return {
        "change": f"{abs(movement.change).normalize():f}",
        "balance": f"{movement.balance.normalize():f}",
        "unit": movement.stock_item.unit_of_measure,
        "document": movement.document_no,
    }


# -- the movement log -------------------------------------------------------------------------


def _movements(request: HttpRequest, depot: Depot) -> tuple[StockMovementFilterSet, QuerySet[Any]]:
    """The depot's movements the user may read, filtered by the page's parameters."""
    base = StockMovement.objects.visible_to(request.user).filter(depot=depot)
    base = base.select_related("stock_item__category", "by").order_by("-occurred_on", "-at", "-pk")
    data = request.GET.copy()
    data.pop("depot", None)  # the page is one depot's
    filterset = StockMovementFilterSet(data, queryset=base)
    return filterset, filterset.qs if filterset.is_valid() else base.none()


class MovementListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/depots/<pk>/movements/``: the depot's movement log, newest first, filtered."""

    template_name = "depots/stock_movements.html"
    context_object_name = "movements"
    paginate_by = 50

    def get_queryset(self) -> Any:
        self.depot = _depot(self.request, self.kwargs["pk"])
        self.filterset, movements = _movements(self.request, self.depot)
        return movements

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            depot=self.depot,
            filter=self.filterset,
            query=query.urlencode(),
            may_record=may_record(self.depot, self.request.user),
            **kwargs,
        )


def _safe_name(text: str, fallback: str) -> str:
    """``text`` with nothing but letters, digits, ``-``, ``_`` and inner dots: codes and
    document numbers are typed by users, and a quote, a separator or a line break must not
    reach a header or a saved file's path."""
    name = re.sub(r"[^\w.-]+", "-", text).strip(".-")
    return name or fallback


def _filename(depot: Depot, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"stock-movements-{_safe_name(depot.code, 'depot')}-{stamp}.{extension}"


class MovementCSVView(LoginRequiredMixin, View):
    """``/depots/<pk>/movements.csv``: the log as the page filters it, every page."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        depot = _depot(request, pk)
        _filter, movements = _movements(request, depot)
        lines = export.csv_lines(movements.iterator(chunk_size=2000))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        disposition = content_disposition_header(True, _filename(depot, "csv"))
        response["Content-Disposition"] = disposition
        return response


class MovementXLSXView(LoginRequiredMixin, View):
    """``/depots/<pk>/movements.xlsx``: the same rows as a workbook."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        depot = _depot(request, pk)
        _filter, movements = _movements(request, depot)
        body = export.xlsx_bytes(depot.code, movements.iterator(chunk_size=2000))
        response = HttpResponse(body, content_type=XLSX)
        disposition = content_disposition_header(True, _filename(depot, "xlsx"))
        response["Content-Disposition"] = disposition
        return response


class MovementDocumentView(LoginRequiredMixin, View):
    """``/depots/movements/<pk>/document/``: a movement's scan, for every reader of the log."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        movement = get_object_or_404(StockMovement.objects.visible_to(request.user), pk=pk)
        if not movement.document:
            raise Http404
        suffix = PurePath(movement.document.name).suffix.lower()
        # A download, never shown inline: a scan uploaded as a PDF may carry script.
        name = f"{_safe_name(movement.document_no, 'document')}{suffix}"
        try:
            response = serve_upload(
                movement.document, filename=name, content_type=_content_type(suffix)
            )
        except FileNotFoundError:
            raise Http404 from None
        response["Cache-Control"] = "private, max-age=3600"
        return response


def _content_type(suffix: str) -> str:
    types = {extension: kind for kind, extension in stock.DOCUMENT_TYPES.items()}
    return types.get(suffix, "application/octet-stream")


# -- the alerts -------------------------------------------------------------------------------


class StockAlertListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/depots/alerts/``: batches expired, expiring or below their minimum, in every depot the
    user may see, the soonest expiry first; how many of each."""

    template_name = "depots/stock_alerts.html"
    context_object_name = "items"
    paginate_by = 50

    def get_queryset(self) -> Any:
        self.filter = AlertFilterForm(self.request.GET)
        alerting = StockItem.objects.visible_to(self.request.user).alerting()
        self.alerting = alerting
        if not self.filter.is_valid():
            return alerting.none()
        data = self.filter.cleaned_data
        if data["alert"]:
            alerting = alerting.filter(**{data["alert"]: True})
        if data["division"] is not None:
            alerting = alerting.filter(depot__division__code__startswith=data["division"].prefix)
        return alerting.select_related("depot", "category")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        counts = self.alerting.aggregate(
            **{f"{name}_count": Count("pk", filter=Q(**{name: True})) for name, _label in ALERTS}
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=self.filter,
            counts=[(name, label, counts[f"{name}_count"]) for name, label in ALERTS],
            query=query.urlencode(),
            expiry_warning_days=EXPIRY_WARNING_DAYS,
            **kwargs,
        )


def _movement_path(action: str, segment: str) -> Any:
    view = MovementView.as_view(action=action)
    return path(f"depots/<int:pk>/stock/{segment}/", view, name=f"stock_{action}")


urlpatterns = [
    path("depots/alerts/", StockAlertListView.as_view(), name="stock_alerts"),
    _movement_path("receive", "receive"),
    _movement_path("issue", "issue"),
    _movement_path("adjust", "stocktake"),
    _movement_path("write_off", "write-off"),
    path("depots/<int:pk>/movements/", MovementListView.as_view(), name="stock_movements"),
    path("depots/<int:pk>/movements.csv", MovementCSVView.as_view(), name="stock_movements_csv"),
    path("depots/<int:pk>/movements.xlsx", MovementXLSXView.as_view(), name="stock_movements_xlsx"),
    path(
        "depots/movements/<int:pk>/document/",
        MovementDocumentView.as_view(),
        name="stock_movement_document",
    ),
]
