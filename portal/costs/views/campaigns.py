"""Statistics round pages: the rounds a user may see, the form preparing one, a round's page
(its returns with their state, late and overdue ones, and the moves open/close/publish posted
from it) and a return's page (its units and their totals, its history, the moves posted from
it, and links to fill it).

Views bind a form and call one service; a refusal comes back on the page with the error's own
status (403, 409, 400) and nothing written. Rounds and returns the user may not see are a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.costs import workflow
from portal.costs.choices import CampaignStatus, ReturnStatus
from portal.costs.exceptions import CostForbiddenError, CostStateError
from portal.costs.models import CostCampaign, CostRecord, CostReturn
from portal.costs.services import campaigns
from portal.org.models import Unit


class CampaignForm(forms.ModelForm):  # type: ignore[type-arg]
    """The round's year, title, deadlines and instructions."""

    class Meta:
        model = CostCampaign
        fields = ["year", "title", "fill_deadline", "review_deadline", "instructions"]
        widgets = {
            "fill_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "review_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "instructions": forms.Textarea(attrs={"rows": 4}),
        }


class CommentForm(forms.Form):
    action = forms.CharField(max_length=20)
    comment = forms.CharField(label=gettext_lazy("comment"), required=False, max_length=2000)


# -- rounds ---------------------------------------------------------------------------------------


class CampaignListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/costs/campaigns/``: the rounds the user may see, latest year first."""

    template_name = "costs/campaign_list.html"
    context_object_name = "campaigns"

    def get_queryset(self) -> Any:
        return CostCampaign.objects.visible_to(self.request.user).annotate(
            return_count=Count("returns"),
            done_count=Count("returns", filter=Q(returns__status=ReturnStatus.CROSS_CHECKED)),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        may_create = workflow.runs_campaigns(self.request.user)
        return super().get_context_data(may_create=may_create, **kwargs)


class CampaignCreateView(LoginRequiredMixin, View):
    """``/costs/campaigns/new/``: a round in draft, prepared by a province administrator."""

    template_name = "costs/campaign_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not workflow.runs_campaigns(request.user):
            return refused(
                request,
                CostForbiddenError(_("Only province administrators may prepare a round.")),
                back_url=reverse("costs:campaign_list"),
                back_label=gettext_lazy("Back to the rounds"),
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        year = timezone.localdate().year - 1
        return self._render(CampaignForm(initial={"year": year}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CampaignForm(request.POST)
        if not form.is_valid():
            return self._render(form, error=_("Please correct the form."), status=400)
        try:
            campaign = campaigns.create_campaign(**form.cleaned_data, by=request.user)
        except PortalError as exc:
            return self._render(form, error=exc.user_message, status=exc.http_status)
        messages.success(request, _("The round “%(title)s” is prepared.") % {"title": campaign})
        return redirect("costs:campaign_detail", pk=campaign.pk)

    def _render(self, form: CampaignForm, *, error: str = "", status: int = 200) -> HttpResponse:
        context = {"form": form, "error": error}
        return TemplateResponse(self.request, self.template_name, context, status=status)


def return_rows(campaign: CostCampaign, user: Any) -> list[dict[str, Any]]:
    """The round's returns the user may see, each with its overdue reason and late mark."""
    today = timezone.localdate()
    rows = (
        CostReturn.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("campaign", "division", "submitted_by")
    )
    return [
        {
            "ret": r,
            "late": workflow.is_late(r),
            "overdue": workflow.overdue_reason(r, today)
            if campaign.status == CampaignStatus.OPEN
            else "",
        }
        for r in rows
    ]


CAMPAIGN_SERVICES = {
    "open": campaigns.open_campaign,
    "close": campaigns.close_campaign,
    "publish": campaigns.publish_campaign,
}


class CampaignDetailView(LoginRequiredMixin, View):
    """``/costs/campaigns/<pk>/``: a round's returns; province administrators post its moves."""

    template_name = "costs/campaign_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(self._campaign(pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(pk)
        service = CAMPAIGN_SERVICES.get(request.POST.get("action", ""))
        try:
            if service is None:
                raise CostStateError(_("There is no such action on a round."))
            campaign = service(campaign, by=request.user)
        except PortalError as exc:
            return self._render(campaign, error=exc.user_message, status=exc.http_status)
        messages.success(
            request,
            _("“%(campaign)s” is now %(status)s.")
            % {"campaign": campaign, "status": campaign.get_status_display()},
        )
        return redirect("costs:campaign_detail", pk=campaign.pk)

    def _campaign(self, pk: int) -> CostCampaign:
        return get_object_or_404(CostCampaign.objects.visible_to(self.request.user), pk=pk)

    def _render(self, campaign: CostCampaign, *, error: str = "", status: int = 200) -> Any:
        rows = return_rows(campaign, self.request.user)
        closed = campaign.status in (CampaignStatus.CLOSED, CampaignStatus.PUBLISHED)
        context = {
            "campaign": campaign,
            "rows": rows,
            "overdue": [row for row in rows if row["overdue"]],
            "incomplete": [row for row in rows if row["ret"].status != ReturnStatus.CROSS_CHECKED]
            if closed
            else [],
            "moves": workflow.available_campaign_moves(self.request.user, campaign),
            "error": error,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


# -- a return -------------------------------------------------------------------------------------


def unit_totals(cost_return: CostReturn, user: Any) -> list[dict[str, Any]]:
    """The return's units the user may see, each with its year's total and record count (from
    the records the user may see: a classified building's stay hidden)."""
    year = cost_return.campaign.year
    sums = {
        row["unit_id"]: row
        for row in CostRecord.objects.visible_to(user)
        .filter(unit__division_id=cost_return.division_id, year=year)
        .values("unit_id")
        .annotate(total=Sum("amount_yuan"), records=Count("pk"))
    }
    units = Unit.objects.visible_to(user).filter(division_id=cost_return.division_id)
    return [
        {
            "unit": unit,
            "total": sums.get(unit.pk, {}).get("total") or Decimal("0.00"),
            "records": sums.get(unit.pk, {}).get("records", 0),
            "may_edit": workflow.may_edit_figures(user, cost_return, unit),
        }
        for unit in units.order_by("name")
    ]


class ReturnDetailView(LoginRequiredMixin, View):
    """``/costs/returns/<pk>/``: a return's units and totals, its history and the moves the
    user may make (a comment is posted with each; returning and reopening require one)."""

    template_name = "costs/return_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(self._return(pk), CommentForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        cost_return = self._return(pk)
        form = CommentForm(request.POST)
        if not form.is_valid():
            return self._render(cost_return, form, error=_("Please correct the form."), status=400)
        try:
            moved = campaigns.transition_return(
                cost_return,
                form.cleaned_data["action"],
                by=request.user,
                comment=form.cleaned_data["comment"],
            )
        except PortalError as exc:
            return self._render(cost_return, form, error=exc.user_message, status=exc.http_status)
        messages.success(
            request,
            _("“%(return)s” is now %(status)s.")
            % {"return": moved, "status": moved.get_status_display()},
        )
        return redirect("costs:return_detail", pk=moved.pk)

    def _return(self, pk: int) -> CostReturn:
        rows = CostReturn.objects.visible_to(self.request.user).select_related(
            "campaign", "division", "submitted_by", "reviewed_by", "cross_checked_by"
        )
        return get_object_or_404(rows, pk=pk)

    def _render(
        self, cost_return: CostReturn, form: CommentForm, *, error: str = "", status: int = 200
    ) -> HttpResponse:
        user = self.request.user
        units = unit_totals(cost_return, user)
        context = {
            "ret": cost_return,
            "units": units,
            "grand_total": sum((row["total"] for row in units), Decimal("0.00")),
            "steps": cost_return.steps.select_related("by"),
            "actions": workflow.available_actions(user, cost_return),
            "may_fill": any(row["may_edit"] for row in units),
            "late": workflow.is_late(cost_return),
            "overdue": workflow.overdue_reason(cost_return, timezone.localdate())
            if cost_return.campaign.status == CampaignStatus.OPEN
            else "",
            "form": form,
            "error": error,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


urlpatterns = [
    path("costs/campaigns/", CampaignListView.as_view(), name="campaign_list"),
    path("costs/campaigns/new/", CampaignCreateView.as_view(), name="campaign_create"),
    path("costs/campaigns/<int:pk>/", CampaignDetailView.as_view(), name="campaign_detail"),
    path("costs/returns/<int:pk>/", ReturnDetailView.as_view(), name="return_detail"),
]
