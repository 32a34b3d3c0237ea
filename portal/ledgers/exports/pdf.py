"""The report as a printable A4 landscape PDF, laid out by WeasyPrint from a Django template.

Chinese text is set in Noto Sans CJK SC (Debian's fonts-noto-cjk, found by fontconfig). The
fetcher is the title campaign's :class:`~portal.parcels.reports.pdf.LocalFetcher`, limited to
this app's static files: a stray ``http://`` in the template fails the report instead of
reaching out of an intranet.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from portal.ledgers.document import Document
from portal.parcels.reports.pdf import LocalFetcher

TEMPLATE = "ledgers/report_pdf.html"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def render_report_pdf(document: Document) -> bytes:
    html = render_to_string(TEMPLATE, {"document": document})
    fetcher = LocalFetcher([STATIC_DIR.resolve(), Path(settings.STATIC_ROOT).resolve()])
    pdf: bytes = HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher
    ).write_pdf()
    return pdf
