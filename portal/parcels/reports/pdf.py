"""The campaign as a printable A4 PDF, laid out by WeasyPrint from a Django template.

Chinese text is set in Noto Sans CJK SC (Debian's fonts-noto-cjk, found by fontconfig), and the
map is inline SVG drawn here with :mod:`gis.svgmap`, so the report needs no browser, no tile
and no network. WeasyPrint would fetch any URL a document names; :class:`LocalFetcher` hands it
the portal's own static files and refuses everything else, so a stray ``http://`` in a template
fails the report instead of reaching out of an intranet.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from gis.svgmap import Area, LegendItem, render_choropleth
from portal.parcels.campaign import Campaign, legend
from portal.parcels.reports import level_label, report_title, tally_headers

TEMPLATE = "parcels/report_pdf.html"
# The folder the template's stylesheet link is relative to: this app's static files.
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


class FetchRefusedError(PermissionError):
    """WeasyPrint asked for something other than one of the portal's own static files."""


def allowed_roots() -> list[Path]:
    """Folders the report may read: this app's static files and the collected static root."""
    return [STATIC_DIR.resolve(), Path(settings.STATIC_ROOT).resolve()]


class LocalFetcher(URLFetcher):
    """A URL fetcher that serves ``file:`` URLs under :func:`allowed_roots` and nothing else.

    ``fail_on_errors`` makes a refused or missing file stop the rendering: a report missing its
    stylesheet, or one that tried the network, is a bug to see, not a page to print.
    """

    def __init__(self, roots: Sequence[Path] | None = None) -> None:
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)
        self.roots = list(roots) if roots is not None else allowed_roots()

    def local_path(self, url: str) -> Path:
        """The file ``url`` names, if it is one of ours; raise :class:`FetchRefusedError`."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefusedError(f"refused {url[:200]!r}: reports read only local files")
        path = Path(url2pathname(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise FetchRefusedError(f"refused {path}: not under the portal's static files")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.local_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def map_svg(campaign: Campaign) -> SafeString:
    """The choropleth as SVG, in the page's classes; empty when no division has a boundary."""
    features = [f for f in campaign.regions["features"] if f["geometry"]]
    if not features:
        return mark_safe("")
    areas = [
        Area(
            f["geometry"],
            f["properties"]["colour"],
            f"{f['properties']['name']} {f['properties']['share'] or 0}%",
        )
        for f in features
    ]
    items = [LegendItem(colour, label) for colour, label in legend()]
    drawing = render_choropleth(
        areas, items, legend_title=_("Share registered"), north_label=_("N")
    )
    # Safe: gis.svgmap escapes every text it writes (names, labels, titles).
    return mark_safe(drawing)


def report_context(campaign: Campaign, approval_no: str) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "title": report_title(),
        "approval_no": approval_no,
        "level_label": level_label(campaign),
        "headers": tally_headers(),
        "map_svg": map_svg(campaign),
        "legend": legend(),
    }


def render_campaign_pdf(campaign: Campaign, *, approval_no: str = "") -> bytes:
    """The report as PDF bytes."""
    html = render_to_string(TEMPLATE, report_context(campaign, approval_no))
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=LocalFetcher())
    pdf: bytes = document.write_pdf()
    return pdf
