"""The report as a workbook: one sheet per table of the document (summary, lines,
over-standard, changes during the year, difference vs last year, totals against last year).

Areas are numbers with two decimals (Decimal, never float), so a total summed in the
spreadsheet equals the printed one; typed text goes through
:func:`portal.exchange.cells.text_cell`, credit codes as text cells.
"""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any, Final

from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.exchange.cells import (
    formatted_cell,
    header_cell,
    sheet_title,
    table_sheet,
    text_cell,
)
from portal.ledgers.document import Document, Table

AREA: Final = "#,##0.00"


def _cell(sheet: Any, value: Any, header: str) -> Any:
    if isinstance(value, Decimal):
        return formatted_cell(sheet, value, AREA)
    if isinstance(value, str):
        return text_cell(sheet, value, code=header == _("Unified social credit code"))
    return value


def _table(book: Workbook, table: Table) -> None:
    sheet = table_sheet(book, table.title, table.headers)
    if table.note:
        sheet.append([text_cell(sheet, table.note, code=False)])
    for row in table.rows:
        sheet.append([_cell(sheet, v, h) for v, h in zip(row, table.headers, strict=True)])
    if table.total is not None:
        first, *rest = table.total
        cells = [_cell(sheet, v, h) for v, h in zip(rest, table.headers[1:], strict=True)]
        sheet.append([header_cell(sheet, first), *cells])


def _meta(book: Workbook, document: Document) -> None:
    sheet = book.create_sheet(sheet_title(_("Report")))
    sheet.append([header_cell(sheet, document.title)])
    for name, value in document.meta:
        sheet.append([header_cell(sheet, name), _cell(sheet, value, name)])


def write_report_xlsx(document: Document, out: IO[bytes]) -> IO[bytes]:
    """Write the workbook to a binary file (write-only mode: rows are not kept)."""
    book = Workbook(write_only=True)
    _table(book, document.tables[0])
    _meta(book, document)
    for table in document.tables[1:]:
        _table(book, table)
    book.save(out)
    return out
