"""A depot's stock movement log as CSV (UTF-8 with a byte order mark, for Excel) and XLSX.

Both write the rows the log page lists (its filters applied, every page). Text comes from the
registry, where anyone recording a movement may have typed ``=HYPERLINK(…)``: CSV cells are
neutralised and XLSX text goes through :func:`portal.exchange.cells.text_cell`; document
numbers and class codes stay text cells.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import Any, Final

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from portal.depots.models import StockMovement
from portal.exchange.cells import formatted_cell, neutralised, table_sheet, text_cell

QUANTITY: Final = "#,##0.00"
DATE: Final = "yyyy-mm-dd"
DATETIME: Final = "yyyy-mm-dd hh:mm"
# (header, the column holds a code kept as text)
COLUMNS: Final = (
    (gettext_lazy("Date"), False),
    (gettext_lazy("Kind"), False),
    (gettext_lazy("Supply class"), True),
    (gettext_lazy("Batch"), False),
    (gettext_lazy("Batch number"), True),
    (gettext_lazy("Change"), False),
    (gettext_lazy("Balance after"), False),
    (gettext_lazy("Unit of measure"), False),
    (gettext_lazy("Document number"), True),
    (gettext_lazy("Supplier or recipient"), False),
    (gettext_lazy("Reason"), False),
    (gettext_lazy("Scanned document"), False),
    (gettext_lazy("Recorded by"), False),
    (gettext_lazy("Recorded at"), False),
)


def headers() -> list[str]:
    return [str(header) for header, _code in COLUMNS]


def _values(movement: StockMovement) -> list[Any]:
    item = movement.stock_item
    return [
        movement.occurred_on,
        movement.get_kind_display(),
        item.category.code,
        item.name,
        item.batch_no,
        movement.change,
        movement.balance,
        item.unit_of_measure,
        movement.document_no,
        movement.counterparty,
        movement.reason,
        _("yes") if movement.document else _("no"),
        movement.by.get_username() if movement.by else "",
        timezone.localtime(movement.at).replace(tzinfo=None),
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(movements: Iterable[StockMovement]) -> Iterator[str]:
    """The log as CSV lines, header first, for a streaming response."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers())
    for movement in movements:
        yield writer.writerow([_csv(value) for value in _values(movement)])


def _csv(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralised(value)


def xlsx_bytes(title: str, movements: Iterable[StockMovement]) -> bytes:
    """The log as a workbook of one sheet named ``title`` (write-only: rows are not kept)."""
    book = Workbook(write_only=True)
    sheet = table_sheet(book, title, headers())
    codes = [code for _header, code in COLUMNS]
    for movement in movements:
        sheet.append(
            [_xlsx(sheet, v, code) for v, code in zip(_values(movement), codes, strict=True)]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx(sheet: Any, value: Any, code: bool) -> Any:
    if isinstance(value, datetime.datetime):
        return formatted_cell(sheet, value, DATETIME)
    if isinstance(value, datetime.date):
        return formatted_cell(sheet, value, DATE)
    if isinstance(value, str):
        return text_cell(sheet, value, code=code)
    return formatted_cell(sheet, value, QUANTITY)
