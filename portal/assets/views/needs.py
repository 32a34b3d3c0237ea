"""What units need, and checking the warehouse before buying: the needs a user may see, posting
one, and a need's page with its ranked candidates, their map, the unit's reviews of them and
the purchase request the gate lets through once every candidate is reviewed.

The candidates are :func:`~portal.assets.matching.match_candidates` of the need, with the
need's own filters (never the page's parameters), so the list is the one the purchase gate
checks. Views bind a form and call one service of :mod:`portal.assets.services.demand`; a
refusal comes back on the page with the error's own status (403, 409, 400), nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.gis.geos import Point
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from portal.assets.choices import ConditionGrade, ListingMode, NeedStatus, ReviewDecision
from portal.assets.exceptions import WarehouseForbiddenError
from portal.assets.forms.needs import (
    CancelNeedForm,
    NeedFilterForm,
    NeedForm,
    PurchaseForm,
    ReviewForm,
)
from portal.assets.matching import MATCH_RELATED, Candidate, match_candidates
from portal.assets.models import MatchReview, Need, PurchaseRequest
from portal.assets.services import demand
from portal.assets.services.handover import may_edit
from portal.assets.views.transfers import ActionPage, PageAction
from portal.core.detail import feature
from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.org.scoping import cleared_levels

DAYS_A_YEAR: Final = 365.25


def _may_post(user: Any) -> bool:
    unit = getattr(user, "unit", None)
    return unit is not None and may_edit(user, unit)


# -- the list ---------------------------------------------------------------------------------


class NeedListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/warehouse/needs/``: the needs of the units the user may see, by status."""

    template_name = "assets/needs_list.html"
    context_object_name = "needs"
    paginate_by = 50

    def get_queryset(self) -> Any:
        self.filter = NeedFilterForm(self.request.GET)
        needs = (
            Need.objects.visible_to(self.request.user)
            .select_related("unit", "category", "delivery_building")
            .annotate(review_count=Count("reviews"))
            .order_by("-created_at", "-pk")
        )
        if not self.filter.is_valid():
            return needs.none()
        status = self.filter.cleaned_data["status"]
        return needs.filter(status=status) if status else needs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=self.filter, may_post=_may_post(self.request.user), query=query.urlencode()
        )


# -- posting a need -----------------------------------------------------------------------------


class NeedPostView(LoginRequiredMixin, View):
    """``/warehouse/needs/new/``: a need of the user's unit, delivered to one of its buildings."""

    template_name = "assets/needs_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not _may_post(request.user):
            return refused(
                request,
                WarehouseForbiddenError(_("Only a unit's asset officers post its needs.")),
                back_url=reverse("assets:needs"),
                back_label=gettext_lazy("Back to the needs"),
            )
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data: Any = None) -> NeedForm:
        user: Any = self.request.user
        return NeedForm(data, unit=user.unit, user=user)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            need = demand.post_need(form.need(), by=request.user)
        except PortalError as exc:
            return self._render(form, error=exc.user_message, status=exc.http_status)
        messages.success(request, _("The need “%(need)s” is posted.") % {"need": need})
        return redirect(need)

    def _render(self, form: NeedForm, *, error: str = "", status: int = 200) -> TemplateResponse:
        context = {"form": form, "error": error}
        return TemplateResponse(self.request, self.template_name, context, status=status)


# -- a need's candidates --------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateRow:
    """One ranked candidate as the table shows it, with the unit's review of it if any."""

    rank: int
    candidate: Candidate
    review: MatchReview | None

    @property
    def listing_url(self) -> str:
        return reverse("assets:listing_detail", args=[self.candidate.listing_id])

    @property
    def condition(self) -> str:
        return str(ConditionGrade(self.candidate.condition).label)

    @property
    def mode(self) -> str:
        return str(ListingMode(self.candidate.mode).label)

    @property
    def remaining_percent(self) -> float | None:
        share = self.candidate.remaining_share
        return None if share is None else share * 100

    @property
    def age_years(self) -> float | None:
        acquired = self.candidate.acquired_on
        if acquired is None:
            return None
        return (timezone.localdate() - acquired).days / DAYS_A_YEAR

    @property
    def distance_km(self) -> float:
        return self.candidate.distance_m / 1000


def candidate_rows(need: Need, reviews: dict[int, MatchReview]) -> list[CandidateRow]:
    """The need's current best candidates (``TIANFU_MATCH_LIMIT``), ranked, while it is open."""
    if need.status != NeedStatus.OPEN:
        return []
    return [
        CandidateRow(rank, candidate, reviews.get(candidate.listing_id))
        for rank, candidate in enumerate(match_candidates(need), start=1)
    ]


def candidates_map(need: Need, rows: list[CandidateRow], cleared: list[str]) -> dict[str, Any]:
    """The delivery building, each candidate's point and a line from it to the building; a
    building classified above the reader is left out, and the lines with it."""
    building = need.delivery_building
    shown = building.confidentiality in cleared
    target = list(building.geom.coords)
    points, lines = [], []
    for row in rows:
        c = row.candidate
        label = f"{row.rank}. {c.ledger_code} {c.asset_name} · {c.holder_name}"
        point = Point(c.lon, c.lat, srid=building.geom.srid)
        points.append(feature(point, label=label, url=row.listing_url, rank=row.rank))
        if shown:
            line = {"type": "LineString", "coordinates": [[c.lon, c.lat], target]}
            lines.append({"type": "Feature", "geometry": line, "properties": {"rank": row.rank}})
    return {
        "delivery": feature(building.geom, label=str(building)) if shown else None,
        "candidates": points,
        "lines": lines,
        "basemap": reverse("org:division_basemap"),
        "attribution": _("Boundaries: divisions of the registry"),
    }


# -- a need's page and its actions ---------------------------------------------------------------


def _actionable(need: Need, user: Any) -> bool:
    return need.status == NeedStatus.OPEN and may_edit(user, need.unit)


def _review_action(decision: str) -> PageAction:
    declining = decision == ReviewDecision.DECLINED

    def form(need: Need, user: Any, data: Any) -> ReviewForm:
        return ReviewForm(data, user=user, reason_required=declining)

    def run(need: Need, form: ReviewForm, user: Any) -> str:
        data = form.cleaned_data
        listing = data["listing"]
        demand.review_match(need, listing, decision, reason=data["reason"], by=user)
        if declining:
            return _("“%(listing)s” is declined.") % {"listing": listing}
        return _("“%(listing)s” is requested: its approval has started.") % {"listing": listing}

    return PageAction(form, run, _actionable)


def _purchase(need: Need, form: PurchaseForm, user: Any) -> str:
    data = form.cleaned_data
    demand.submit_purchase(
        need,
        justification=data["justification"],
        estimated_value=data["estimated_value"],
        by=user,
    )
    return _("The purchase is requested: the warehouse was checked for this need.")


def _cancel(need: Need, form: CancelNeedForm, user: Any) -> str:
    demand.cancel_need(need, by=user)
    return _("The need is cancelled.")


NEED_ACTIONS: Final = {
    "request": _review_action(ReviewDecision.REQUESTED),
    "decline": _review_action(ReviewDecision.DECLINED),
    "purchase": PageAction(lambda n, user, data: PurchaseForm(data), _purchase, _actionable),
    "cancel": PageAction(lambda n, user, data: CancelNeedForm(data), _cancel, _actionable),
}


class NeedPageView(ActionPage):
    """``/warehouse/needs/<pk>/``: a need, its candidates on a table and a map, its reviews and
    its actions (request, decline, purchase, cancel)."""

    model = Need
    template_name = "assets/needs_detail.html"
    context_object_name = "need"
    actions = NEED_ACTIONS
    select_related = (*MATCH_RELATED, "category", "created_by")
    fields = (
        "unit",
        "category",
        "include_subcategories",
        "quantity",
        "min_condition",
        "needed_by",
        "delivery_building",
        "same_city",
        "same_county",
        "status",
        "created_by",
        "created_at",
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        need = self.object
        reviews = list(
            MatchReview.objects.filter(need=need)
            .select_related("listing__asset", "listing__holder", "decided_by")
            .order_by("-decided_at", "-pk")
        )
        for review in reviews:
            review.distance_km = review.distance_m / 1000  # type: ignore[attr-defined]
        rows = candidate_rows(need, {review.listing_id: review for review in reviews})
        context.update(
            rows=rows,
            unreviewed=sum(row.review is None for row in rows),
            reviews=reviews,
            purchase=PurchaseRequest.objects.filter(need=need)
            .select_related("submitted_by")
            .first(),
            max_distance_km=None if need.max_distance_m is None else need.max_distance_m / 1000,
            map_data=candidates_map(need, rows, cleared_levels(self.request.user)),
        )
        return context


urlpatterns = [
    path("warehouse/needs/", NeedListView.as_view(), name="needs"),
    path("warehouse/needs/new/", NeedPostView.as_view(), name="need_new"),
    path("warehouse/needs/<int:pk>/", NeedPageView.as_view(), name="need_detail"),
]
