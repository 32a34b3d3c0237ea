"""The statement as a printable A4 PDF, laid out by WeasyPrint from a Django template.

Chinese text is set in Noto Sans CJK SC (Debian's fonts-noto-cjk, found by fontconfig). The
fetcher is the title campaign's :class:`~portal.parcels.reports.pdf.LocalFetcher`, limited to
this app's static files: a stray ``http://`` in the template fails the statement instead of
reaching out of an intranet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from portal.fleet.services.settlement import Statement
from portal.fleet.statements import line_headers, statement_title
from portal.parcels.reports.pdf import LocalFetcher

TEMPLATE = "fleet/statement_pdf.html"
# The folder the template's stylesheet link is relative to: this app's static files.
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def fetcher() -> LocalFetcher:
    return LocalFetcher([STATIC_DIR.resolve(), Path(settings.STATIC_ROOT).resolve()])


def statement_context(statement: Statement) -> dict[str, Any]:
    return {"statement": statement, "title": statement_title(), "headers": line_headers()}


def render_statement_pdf(statement: Statement) -> bytes:
    """The statement as PDF bytes."""
    html = render_to_string(TEMPLATE, statement_context(statement))
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher())
    pdf: bytes = document.write_pdf()
    return pdf
