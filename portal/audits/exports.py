"""The audit trail as CSV (UTF-8 with a byte order mark, for Excel) and XLSX.

Both write every event the list's filter selects, oldest first, with the integrity tags, so an
exported file can be checked against the chain. Text typed by others (a user name tried at the
sign-in page, a download's path) is neutralised so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, Final

from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook

from portal.audits.models import AuditEvent
from portal.exchange.cells import EXCEL_ROWS, formatted_cell, neutralised, table_sheet, text_cell

DATETIME: Final = "yyyy-mm-dd hh:mm:ss"
XLSX_ROWS: Final = EXCEL_ROWS - 1  # below the header
HEADERS: Final = (
    pgettext_lazy("audit", "Event"),
    gettext_lazy("Time"),
    gettext_lazy("User name"),
    gettext_lazy("User id"),
    gettext_lazy("Source address"),
    gettext_lazy("Action"),
    gettext_lazy("Result"),
    gettext_lazy("Target"),
    gettext_lazy("Detail"),
    gettext_lazy("Request id"),
    gettext_lazy("Integrity tag"),
)


def headers() -> list[str]:
    return [str(header) for header in HEADERS]


def _values(event: AuditEvent) -> list[Any]:
    return [
        event.pk,
        timezone.localtime(event.at).replace(tzinfo=None),
        event.username,
        event.user_id,  # type: ignore[attr-defined]
        event.source_ip or "",
        event.get_action_display(),  # type: ignore[attr-defined]
        event.get_result_display(),  # type: ignore[attr-defined]
        event.target,
        json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else "",
        event.request_id,
        event.tag,
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The events as CSV lines, header first, for a streaming response."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers())
    for event in events:
        yield writer.writerow([_csv(value) for value in _values(event)])


def _csv(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return neutralised(value)


def xlsx_bytes(title: str, events: Iterable[AuditEvent]) -> bytes:
    """The events as one sheet (write-only: rows are not kept); at most :data:`XLSX_ROWS`."""
    book = Workbook(write_only=True)
    sheet = table_sheet(book, title, headers())
    for event in events:
        sheet.append([_xlsx(sheet, value) for value in _values(event)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx(sheet: Any, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return formatted_cell(sheet, value, DATETIME)
    if isinstance(value, str):
        return text_cell(sheet, value, code=False)
    return value
