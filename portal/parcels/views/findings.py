"""The conflict register's pages: the filtered list with the detection button, and a finding's
page with its measures in words, its map, the decision form and its history.

Views bind forms and call :mod:`portal.parcels.conflicts`; a refused decision comes back on the
page with the error's own status (403, 409, 400).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from portal.buildings.models import Building
from portal.core.detail import RegistryDetailView, feature
from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.org.scoping import Reach, read_scope
from portal.parcels import conflicts
from portal.parcels.choices import ConflictKind
from portal.parcels.exceptions import RunForbiddenError
from portal.parcels.filters import FindingFilterSet
from portal.parcels.finding_forms import ACCEPT, DecisionForm
from portal.parcels.models import ConflictRun, Finding, Parcel
from portal.parcels.views.finding_text import explain

RELATED = ("parcel", "other_parcel", "building", "unit", "division", "closed_run")


class FindingListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/titles/conflicts/``: the findings the user may read; POST runs the detection."""

    template_name = "parcels/finding_list.html"
    context_object_name = "findings"
    paginate_by = 50

    def get_queryset(self) -> Any:
        base = (
            Finding.objects.visible_to(self.request.user)
            .select_related(*RELATED)
            .order_by("status", "kind", "-opened_at", "pk")
        )
        self.filterset = FindingFilterSet(self.request.GET, queryset=base)
        return self.filterset.qs if self.filterset.is_valid() else base.none()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        # A run's counts span the whole registry: shown to those who read everything (as the
        # admin does), never to a reader whose scope is a division or a unit.
        last_run = (
            ConflictRun.objects.order_by("-started_at", "-pk").first()
            if read_scope(self.request.user).reach is Reach.ALL  # type: ignore[arg-type]
            else None
        )
        return super().get_context_data(
            filter=self.filterset,
            query=query.urlencode(),
            may_run=conflicts.may_run(self.request.user),
            last_run=last_run,
            run_rows=_run_rows(last_run),
            **kwargs,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        if not conflicts.may_run(request.user):
            return _refused(request, RunForbiddenError())
        run = conflicts.detect_conflicts(by=request.user)  # type: ignore[arg-type]
        found = sum(counts["found"] for counts in run.counts.values())
        messages.success(
            request,
            _("Detection run #%(run)d found %(found)d conflicts.")
            % {"run": run.pk, "found": found},
        )
        return redirect("parcels:finding_list")


def _run_rows(run: ConflictRun | None) -> list[dict[str, Any]]:
    """The run's counts per kind, labelled, for the summary table."""
    if run is None:
        return []
    labels = dict(ConflictKind.choices)
    return [{"label": labels[kind], **run.counts.get(kind, {})} for kind in ConflictKind.values]


def _refused(request: HttpRequest, exc: PortalError) -> TemplateResponse:
    back = gettext_lazy("Back to the title conflicts")
    return refused(request, exc, back_url=reverse("parcels:finding_list"), back_label=back)


class FindingDetailView(RegistryDetailView):
    """``/titles/conflicts/<pk>/``: what the conflict is, where, and who decided what."""

    model = Finding
    template_name = "parcels/finding_detail.html"
    select_related = (*RELATED, "first_run", "decided_by")
    geometry_paths = ("geom", "building__geom", "parcel__geom")
    fields = (
        "kind",
        "status",
        "unit",
        "division",
        "parcel",
        "other_parcel",
        "building",
        "first_run",
        "opened_at",
        "updated_at",
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        finding, user = self.object, self.request.user
        context["map_data"]["context"] = _objects_on_map(finding, user)
        may_accept = conflicts.may_accept(user, finding)
        may_resolve = conflicts.may_resolve(user, finding)
        context.update(
            explanation=explain(finding),
            may_decide=may_resolve and finding.status != "resolved",
            decision_form=kwargs.get("decision_form") or DecisionForm(may_accept=may_accept),
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.object = finding = self.get_object()
        form = DecisionForm(request.POST, may_accept=conflicts.may_accept(request.user, finding))
        if not form.is_valid():
            return self._again(form, status=400)
        decide = (
            conflicts.accept_finding
            if form.cleaned_data["decision"] == ACCEPT
            else conflicts.resolve_finding
        )
        try:
            decide(finding, form.cleaned_data["reason"], by=request.user)  # type: ignore[arg-type]
        except PortalError as exc:
            messages.error(request, exc.user_message)
            return self._again(form, status=exc.http_status)
        messages.success(request, _("Your decision is recorded."))
        return redirect(finding)

    def _again(self, form: DecisionForm, *, status: int) -> HttpResponse:
        context = self.get_context_data(object=self.object, decision_form=form)
        return self.render_to_response(context, status=status)


def _objects_on_map(finding: Finding, user: Any) -> list[dict[str, Any]]:
    """The finding's parcels and building, each drawn only if the user may read it."""
    features = []
    parcels = Parcel.objects.visible_to(user).filter(
        pk__in=[pk for pk in (finding.parcel_id, finding.other_parcel_id) if pk]
    )
    for parcel in parcels:
        features.append(feature(parcel.geom, label=str(parcel), url=parcel.get_absolute_url()))
    if finding.building_id:
        for building in Building.objects.visible_to(user).filter(pk=finding.building_id):
            shape = building.footprint or building.geom
            features.append(feature(shape, label=str(building), url=building.get_absolute_url()))
    return features
