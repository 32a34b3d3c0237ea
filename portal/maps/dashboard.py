"""The dashboard: assets by division as a choropleth, by status and class as charts, the idle
rate and the title campaign's progress, all counted over what the user may see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from portal.assets.reports import warehouse_panel
from portal.maps.stats import dashboard
from portal.maps.stats_sql import LEVELS

# Words the charts write, translated here and handed over with json_script.
CHART_STRINGS = {
    "count": _("Number of assets"),
    "value": _("Net value (yuan)"),
    "parcels": _("Parcels"),
    "no_data": _("No assets you may see here"),
}
LEVEL_CHOICES = (("city", _("Cities (prefectures)")), ("county", _("Counties and districts")))


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "maps/dashboard.html"
    extra_context = {"chart_strings": CHART_STRINGS, "level_choices": LEVEL_CHOICES}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        level = self.request.GET.get("level", LEVELS[0])
        level = level if level in LEVELS else LEVELS[0]  # a page: fall back, do not fail
        return super().get_context_data(
            stats=dashboard(self.request.user, level),
            warehouse=warehouse_panel(self.request.user),
            **kwargs,
        )
