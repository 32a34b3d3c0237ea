"""The dashboard as a printable A4 landscape PDF, laid out by WeasyPrint from a Django template.

Chinese text is set in Noto Sans CJK SC (Debian's fonts-noto-cjk, found by fontconfig), and the
map is inline SVG drawn with :mod:`gis.svgmap` in the page's classes, so the report needs no
browser, no tile and no network. The fetcher is the title campaign's
:class:`~portal.parcels.reports.pdf.LocalFetcher`, limited to the static files: a stray
``http://`` in the template fails the report instead of reaching out of an intranet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from weasyprint import HTML

from gis.svgmap import Area, LegendItem, render_choropleth
from portal.costs.choices import CostCategory
from portal.costs.dashboard import Dashboard
from portal.costs.exports import level_label, region_headers, report_title, status_label
from portal.costs.indicators import INDICATORS
from portal.parcels.reports.pdf import LocalFetcher

TEMPLATE: Final = "costs/dashboard_pdf.html"
# The folder the template's stylesheet link is relative to: this app's static files.
STATIC_DIR: Final = Path(__file__).resolve().parents[1] / "static"


def fetcher() -> LocalFetcher:
    return LocalFetcher([STATIC_DIR.resolve(), Path(settings.STATIC_ROOT).resolve()])


def map_svg(dashboard: Dashboard) -> SafeString:
    """The choropleth as SVG; empty when no division has a boundary."""
    features = [f for f in dashboard.collection["features"] if f["geometry"]]
    if not features:
        return mark_safe("")
    areas = [
        Area(
            f["geometry"],
            f["properties"]["colour"],
            f"{f['properties']['name']} {f['properties']['text']}",
        )
        for f in features
    ]
    items = [LegendItem(colour, label) for colour, label in dashboard.legend]
    title = f"{dashboard.filters.indicator_label} ({dashboard.filters.unit_label})"
    drawing = render_choropleth(areas, items, legend_title=title, north_label=_("N"))
    # Safe: gis.svgmap escapes every text it writes (names, labels, titles).
    return mark_safe(drawing)


def report_context(dashboard: Dashboard) -> dict[str, Any]:
    return {
        "dashboard": dashboard,
        "title": report_title(),
        "status_label": status_label(dashboard),
        "level_label": level_label(dashboard),
        "region_headers": region_headers(dashboard),
        "indicators": list(INDICATORS.items()),
        "categories": CostCategory.choices,
        "map_svg": map_svg(dashboard),
    }


def render_dashboard_pdf(dashboard: Dashboard) -> bytes:
    """The report as PDF bytes."""
    html = render_to_string(TEMPLATE, report_context(dashboard))
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher())
    pdf: bytes = document.write_pdf()
    return pdf
