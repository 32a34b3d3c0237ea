"""Filling a return: the web form of one unit's figures, the XLSX template, its upload, and
"take from the fleet".

Each view reads the return through ``CostReturn.objects.visible_to`` (404 otherwise); the
fill page and the writes are for users who may change at least one of the return's units
(:func:`portal.costs.workflow.may_edit_figures`), the others get the refusal page with its
reason. Views bind a form and call one service; a refusal comes back on the page with the
error's own status and nothing written.
"""

from __future__ import annotations

import io
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from portal.core.exceptions import PortalError
from portal.core.views import refused
from portal.costs.choices import EDITABLE_RETURN_STATUSES, CampaignStatus, CostSource
from portal.costs.exceptions import CostForbiddenError, CostInputError, CostStateError
from portal.costs.forms import FillForms
from portal.costs.models import CostRecord, CostReturn
from portal.costs.services.fleet_feed import take_from_fleet
from portal.costs.services.records import return_units, save_unit_figures
from portal.costs.template import build_template, read_template
from portal.costs.workflow import may_edit_figures

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A download, which the download audit middleware records."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ReturnMixin(LoginRequiredMixin):
    """Finds the visible return and the units of it the user may change."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc, no-any-return]
        returns = CostReturn.objects.visible_to(request.user).select_related("campaign", "division")
        self.cost_return = get_object_or_404(returns, pk=kwargs["pk"])
        self.units = [
            u
            for u in return_units(self.cost_return)
            if may_edit_figures(request.user, self.cost_return, u)
        ]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc, no-any-return]

    def not_editable(self) -> HttpResponse | None:
        if self.units:
            return None
        back = reverse("costs:return_detail", args=[self.cost_return.pk])
        return refused(self.request, self._why(), back_url=back, back_label=gettext_lazy("Back"))

    def _why(self) -> PortalError:
        if self.cost_return.campaign.status != CampaignStatus.OPEN:
            return CostStateError(_("The statistics round is not open: figures cannot change."))
        if self.cost_return.status not in EDITABLE_RETURN_STATUSES:
            return CostStateError(
                _("The return is %(status)s: its figures cannot change.")
                % {"status": self.cost_return.get_status_display()}
            )
        return CostForbiddenError(_("You may not change the figures of this return."))

    def chosen_unit(self, data: Any) -> Any:
        wanted = str(data.get("unit", ""))
        return next((u for u in self.units if str(u.pk) == wanted), self.units[0])

    def posted_unit(self) -> Any:
        """The unit a write names (the first the user may change when it names none), or None
        when it names one the user may not change: refused, never replaced by another, which
        would write the figures on the wrong unit."""
        wanted = str(self.request.POST.get("unit", ""))
        unit = self.chosen_unit(self.request.POST)
        return unit if not wanted or str(unit.pk) == wanted else None

    def wrong_unit(self) -> HttpResponse:
        back = reverse("costs:return_detail", args=[self.cost_return.pk])
        error = CostForbiddenError(_("You may not change the figures of this unit."))
        return refused(self.request, error, back_url=back, back_label=gettext_lazy("Back"))

    def fill_url(self, unit: Any) -> str:
        url = reverse("costs:return_fill", args=[self.cost_return.pk])
        return f"{url}?unit={unit.pk}"

    def page(self, forms: FillForms, *, error: str = "", status: int = 200) -> TemplateResponse:
        year = self.cost_return.campaign.year
        fleet = CostRecord.objects.filter(
            unit=forms.unit, year=year, source=CostSource.FLEET
        ).order_by("month")
        context = {
            "cost_return": self.cost_return,
            "units": self.units,
            "unit": forms.unit,
            "forms": forms,
            "fleet_records": fleet,
            "error": error,
        }
        return TemplateResponse(self.request, "costs/return_fill.html", context, status=status)


class ReturnFillView(ReturnMixin, View):
    """``costs/returns/<pk>/fill/?unit=<id>``: one unit's basis, budgets and cost lines."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if (response := self.not_editable()) is not None:
            return response
        unit = self.chosen_unit(request.GET)
        return self.page(FillForms(unit, self.cost_return.campaign.year, request.user))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if (response := self.not_editable()) is not None:
            return response
        if (unit := self.posted_unit()) is None:
            return self.wrong_unit()
        forms = FillForms(unit, self.cost_return.campaign.year, request.user, request.POST)
        if not forms.is_valid():
            return self.page(forms, error=_("Please correct the form."), status=400)
        try:
            save_unit_figures(self.cost_return, [forms.figures()], by=request.user)
        except PortalError as exc:
            return self.page(forms, error=exc.user_message, status=exc.http_status)
        messages.success(request, _("The figures of %(unit)s are saved.") % {"unit": unit.name})
        return redirect(self.fill_url(unit))


class ReturnTemplateView(ReturnMixin, View):
    """``costs/returns/<pk>/template.xlsx``: the template with the figures the user may read."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        out = io.BytesIO()
        build_template(self.cost_return, request.user, out)
        name = f"cost-return-{self.cost_return.campaign.year}-{self.cost_return.division.code}.xlsx"
        return attachment(out.getvalue(), name, XLSX)


class ReturnUploadView(ReturnMixin, View):
    """``costs/returns/<pk>/upload/`` (POST ``file``): the filled template, all or nothing."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if (response := self.not_editable()) is not None:
            return response
        if (unit := self.posted_unit()) is None:
            return self.wrong_unit()
        try:
            figures = read_template(self._file(), self.cost_return, request.user)
            save_unit_figures(
                self.cost_return, figures, by=request.user, source=CostSource.TEMPLATE
            )
        except PortalError as exc:
            forms = FillForms(unit, self.cost_return.campaign.year, request.user)
            return self.page(forms, error=exc.user_message, status=exc.http_status)
        names = ", ".join(f.unit.name for f in figures)
        messages.success(request, _("The workbook is saved for %(units)s.") % {"units": names})
        return redirect(self.fill_url(unit))

    def _file(self) -> Any:
        upload = self.request.FILES.get("file")
        if upload is None:
            raise CostInputError(_("Choose the filled XLSX template to upload."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise CostInputError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


class ReturnFleetView(ReturnMixin, View):
    """``costs/returns/<pk>/fleet/`` (POST, optional ``unit``): refresh the vehicle costs of
    one unit, or of every unit the user may change, from the fleet's trips."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if (response := self.not_editable()) is not None:
            return response
        if (unit := self.posted_unit()) is None:
            return self.wrong_unit()
        units = [unit] if request.POST.get("unit") else self.units
        try:
            months = take_from_fleet(self.cost_return, units, by=request.user)
        except PortalError as exc:
            forms = FillForms(unit, self.cost_return.campaign.year, request.user)
            return self.page(forms, error=exc.user_message, status=exc.http_status)
        message = ngettext(
            "Vehicle costs taken from the fleet: %(months)s month with trips.",
            "Vehicle costs taken from the fleet: %(months)s months with trips.",
            months,
        )
        messages.success(request, message % {"months": months})
        return redirect(self.fill_url(unit))


urlpatterns = [
    path("costs/returns/<int:pk>/fill/", ReturnFillView.as_view(), name="return_fill"),
    path(
        "costs/returns/<int:pk>/template.xlsx", ReturnTemplateView.as_view(), name="return_template"
    ),
    path("costs/returns/<int:pk>/upload/", ReturnUploadView.as_view(), name="return_upload"),
    path("costs/returns/<int:pk>/fleet/", ReturnFleetView.as_view(), name="return_fleet"),
]
