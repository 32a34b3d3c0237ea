"""The running-cost dashboard as files: an XLSX workbook and a printable A4 PDF.

Both writers take a :class:`portal.costs.dashboard.Dashboard` built for the requesting user, so
a file holds exactly what the page shows. Labels are translated at call time, in the language
of the request.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.costs.choices import CostCategory
from portal.costs.dashboard import Dashboard
from portal.costs.indicators import INDICATORS


def report_title() -> str:
    return _("Running costs of the units")


def status_label(dashboard: Dashboard) -> str:
    """Final once the year's statistics round is published, provisional before."""
    if dashboard.final:
        return _("final (statistics round published)")
    return _("provisional (statistics round not yet published)")


def level_label(dashboard: Dashboard) -> str:
    if dashboard.filters.level == "city":
        return _("cities (prefectures)")
    return _("counties and districts")


def region_headers(dashboard: Dashboard) -> list[str]:
    return [
        _("Division code"),
        _("Division"),
        _("Units with figures"),
        _("Total (yuan)"),
        f"{dashboard.filters.indicator_label} ({dashboard.filters.unit_label})",
    ]


def unit_headers() -> list[str]:
    """The columns of a unit's year in the ranking sheet and the PDF's table."""
    return [
        _("Rank"),
        _("Unit"),
        _("Division code"),
        _("Government level"),
        _("Kind"),
        _("Total (yuan)"),
        _("Budget (yuan)"),
        *(str(label) for label in CostCategory.labels),
        _("Usable area (m²)"),
        _("Staff"),
        _("Vehicles"),
        _("Energy (kgce)"),
        *(str(label) for label in INDICATORS.values()),
        _("Outliers"),
    ]


def file_stem(dashboard: Dashboard) -> str:
    """``running-costs-2024-per_m2_yuan-city[-5101]``: what was asked, in the file name."""
    filters = dashboard.filters
    parts = ["running-costs", str(filters.year), filters.indicator, filters.level]
    return "-".join([*parts, filters.prefix] if filters.prefix else parts)
