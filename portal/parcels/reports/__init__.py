"""The campaign's reports: an XLSX workbook, a printable PDF and a standalone folium map.

Each writer takes a :class:`portal.parcels.campaign.Campaign` built for the requesting user, so
every report counts exactly what the page shows. Labels are translated at call time, in the
language of the request.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.parcels.campaign import Campaign
from portal.parcels.choices import CaseStatus


def report_title() -> str:
    return _("Unified title registration of office buildings: campaign report")


def level_label(campaign: Campaign) -> str:
    return _("cities (prefectures)") if campaign.level == "city" else _("counties and districts")


def tally_headers() -> list[str]:
    """The figures of a division or unit, after its name columns."""
    return [
        _("Cases"),
        *(str(label) for label in CaseStatus.labels),
        _("Closed (registered, filed or exempt)"),
        _("Share closed"),
        _("Share registered"),
        _("Overdue"),
    ]


def file_stem(campaign: Campaign) -> str:
    """``title-campaign-2026-05-01-city[-5101]``: what was asked, in the file name."""
    parts = ["title-campaign", campaign.today.isoformat(), campaign.level]
    return "-".join([*parts, campaign.filters.prefix] if campaign.filters.prefix else parts)
