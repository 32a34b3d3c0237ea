"""The title case pages: the campaign's case list with its bulk actions, one case's page with a
form per action, and the scoped download of a case's source documents.

Views only bind forms and call :mod:`portal.parcels.services`; a refused action comes back as
the service's message on the page, with the error's own status (403, 409, 400), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from portal.buildings.models import Building
from portal.core.exceptions import PortalError
from portal.core.files import serve_upload
from portal.org.scoping import Reach, edit_scope
from portal.parcels import services, workflow
from portal.parcels.exceptions import CaseStateError
from portal.parcels.forms import BulkForm, CaseFilterSet, TransitionForm
from portal.parcels.models import Parcel, SourceDocument, TitleCase
from portal.parcels.querysets import CLOSED_CASE_STATUSES
from portal.parcels.views.case_page import ACTIONS, page_context


def _may_edit_any(user: Any) -> bool:
    return edit_scope(user).reach is not Reach.NONE


class CaseListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/titles/cases/``: the cases the user may read, filtered, with the bulk form."""

    template_name = "parcels/case_list.html"
    context_object_name = "cases"
    paginate_by = 50

    def get_queryset(self) -> Any:
        base = (
            TitleCase.objects.visible_to(self.request.user)
            .select_related(
                "building__managing_unit", "building__division", "parcel", "assigned_to"
            )
            .order_by("due_date", "building__name", "pk")
        )
        self.filterset = CaseFilterSet(self.request.GET, queryset=base, request=self.request)
        return self.filterset.qs if self.filterset.is_valid() else base.none()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        query = self.request.GET.copy()
        query.pop("page", None)
        may_edit = _may_edit_any(user)
        context = super().get_context_data(
            filter=self.filterset,
            bulk_form=BulkForm(user=user) if may_edit else None,
            may_edit=may_edit,
            query=query.urlencode(),
            today=timezone.localdate(),
            closed_statuses=list(CLOSED_CASE_STATUSES),
            **kwargs,
        )
        # A case's parcel may be held outside the reader's scope: named only if readable.
        parcel_ids = [case.parcel_id for case in context["cases"] if case.parcel_id]
        context["visible_parcels"] = set(
            Parcel.objects.visible_to(user).filter(pk__in=parcel_ids).values_list("pk", flat=True)
        )
        return context


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("parcels:case_list")


class CaseBulkView(LoginRequiredMixin, View):
    """POST ``/titles/cases/bulk/``: assign, set due dates or open cases, then back to the list.

    All or nothing: a refused case leaves every selected case as it was, and says which one.
    """

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BulkForm(request.POST, user=request.user)  # type: ignore[arg-type]
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(_back(request))
        try:
            messages.success(request, self.run(form.cleaned_data, request.user))
        except PortalError as exc:
            messages.error(request, exc.user_message)
        return redirect(_back(request))

    def run(self, data: dict[str, Any], user: Any) -> str:
        action = data["action"]
        if action == BulkForm.OPEN:
            count = services.open_cases(Building.objects.all(), by=user)
            return _("%(count)d cases opened.") % {"count": count}
        cases = TitleCase.objects.filter(pk__in=[case.pk for case in data["cases"]])
        if action == BulkForm.ASSIGN:
            count = services.bulk_assign(cases, data["officer"], by=user)
            return _("%(count)d cases assigned.") % {"count": count}
        count = services.bulk_set_due_date(cases, data["due_date"], by=user)
        return _("Due date set on %(count)d cases.") % {"count": count}


@dataclass
class Posted:
    """What a POST left for the page: the bound form to show again and the refusal."""

    action: str
    form: Any
    error: str = ""


class CaseDetailView(LoginRequiredMixin, DetailView):  # type: ignore[type-arg]
    """``/titles/cases/<pk>/``: a case's facts, timeline and one form per action it allows.

    Every form posts here with an ``action`` field; outside the reader's scope the page is a 404.
    """

    template_name = "parcels/case_detail.html"
    context_object_name = "case"
    posted: Posted | None = None

    def get_queryset(self) -> Any:
        return TitleCase.objects.visible_to(self.request.user).select_related(
            "building__managing_unit",
            "building__division",
            "parcel__holder",
            "assigned_to",
            "registered_to",
            "certificate",
            "approved_by",
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = page_context(self.object, self.request, self.posted)
        return super().get_context_data(**context, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        case = self.object = self.get_object()
        name = request.POST.get("action", "")
        action = ACTIONS.get(name)
        if action is None and name not in workflow.TRANSITIONS:
            return self._again(Posted(name, None, CaseStateError().user_message), 400)
        form = (action.form if action else _transition_form)(case, name, request)
        if not form.is_valid():
            return self._again(Posted(name, form), 400)
        try:
            run = action.run if action else _run_transition
            message = run(case, name, form, request.user)
        except PortalError as exc:
            return self._again(Posted(name, form, exc.user_message), exc.http_status)
        messages.success(request, message)
        return redirect(case)

    def _again(self, posted: Posted, status: int) -> HttpResponse:
        self.posted = posted
        response = self.render_to_response(self.get_context_data(object=self.object))
        response.status_code = status
        return response


def _transition_form(case: TitleCase, name: str, request: HttpRequest) -> Any:
    return TransitionForm(workflow.TRANSITIONS[name], request.POST)


def _run_transition(case: TitleCase, name: str, form: Any, user: Any) -> str:
    data = form.cleaned_data
    moved = services.transition_case(
        case, name, by=user, comment=data.get("comment") or "", **form.details()
    )
    return _("The case is now “%(status)s”.") % {"status": moved.get_status_display()}


class DocumentDownloadView(LoginRequiredMixin, View):
    """``/titles/documents/<pk>/``: a source document, for readers of its case (404 otherwise)."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        document = get_object_or_404(SourceDocument.objects.visible_to(request.user), pk=pk)
        try:
            return serve_upload(
                document.file, filename=document.original_name, content_type=document.content_type
            )
        except FileNotFoundError:
            raise Http404 from None
