"""The statement as a workbook: a summary sheet (sections, totals, net) and every line.

Amounts are written as numbers with two decimals (Decimal, never float), so a total summed in
the spreadsheet equals the printed one. Unit names were typed by people who may have typed
``=HYPERLINK(…)``: text goes through :func:`portal.exchange.cells.text_cell`, and the credit
code is a text cell Excel never turns into a number.
"""

from __future__ import annotations

from typing import IO, Any, Final

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.exchange.cells import (
    formatted_cell,
    header_cell,
    sheet_title,
    table_sheet,
    text_cell,
)
from portal.fleet.services.settlement import Line, PoolSummary, Statement
from portal.fleet.statements import line_headers, partial_note, statement_title

MONEY: Final = "#,##0.00"
KM: Final = "0.0"
WHEN: Final = "yyyy-mm-dd hh:mm"


def _money(sheet: Any, *values: Any) -> list[Any]:
    return [formatted_cell(sheet, value, MONEY) for value in values]


def _summary(book: Workbook, statement: Statement) -> None:
    headers = [_("Section"), _("Trips"), _("Payable (yuan)"), _("Receivable (yuan)")]
    sheet = table_sheet(book, _("Summary"), [*headers, _("Net (yuan)")])
    for section in statement.sections:
        figures = _money(sheet, section.payable.total, section.receivable.total, section.net)
        sheet.append([str(section.label), section.trip_count, *figures])
    totals = _money(sheet, statement.payable, statement.receivable, statement.net)
    sheet.append([header_cell(sheet, _("Total")), statement.trip_count, *totals])
    sheet.append([])
    for label, value in (
        (_("Statement"), statement_title()),
        (_("Unit"), text_cell(sheet, statement.unit.name, code=False)),
        (_("Unified social credit code"), text_cell(sheet, statement.unit.credit_code, code=True)),
        (_("Month"), str(statement.month)),
        *([(_("Scope"), partial_note())] if statement.partial else []),
    ):
        sheet.append([header_cell(sheet, label), value])


def _line(sheet: Any, line: Line) -> list[Any]:
    trip = line.trip
    return [
        formatted_cell(sheet, timezone.localtime(trip.actual_end).replace(tzinfo=None), WHEN),
        trip.booking_id,
        text_cell(sheet, line.counterparty.name, code=False),
        text_cell(sheet, trip.vehicle.plate, code=True),
        trip.get_region_class_display(),
        formatted_cell(sheet, trip.distance_km, KM),
        formatted_cell(sheet, trip.billed_hours, KM),
        formatted_cell(sheet, trip.per_km, MONEY),
        formatted_cell(sheet, trip.per_hour, MONEY),
        formatted_cell(sheet, line.extras, MONEY),
        formatted_cell(sheet, trip.amount, MONEY),
    ]


def _lines(book: Workbook, statement: Statement) -> None:
    sheet = table_sheet(book, _("Lines"), [_("Section"), _("Side"), *line_headers()])
    for section in statement.sections:
        for side_label, side in (
            (_("payable"), section.payable),
            (_("receivable"), section.receivable),
        ):
            for line in side.lines:
                sheet.append([str(section.label), side_label, *_line(sheet, line)])


def write_statement_xlsx(statement: Statement, out: IO[bytes]) -> IO[bytes]:
    """Write the workbook to a binary file (write-only mode: rows are not kept)."""
    book = Workbook(write_only=True)
    _summary(book, statement)
    _lines(book, statement)
    book.save(out)
    return out


def _matrix(book: Workbook, summary: PoolSummary) -> None:
    """Payers down, payees across; the names head the columns, so they go through text_cell
    like any typed text (a unit named "=…" stays text)."""
    sheet = book.create_sheet(sheet_title(_("Who owes whom")))
    sheet.freeze_panes = "B2"
    names = [text_cell(sheet, payee.name, code=False) for payee in summary.payees]
    sheet.append([header_cell(sheet, _("Paying unit")), *names, header_cell(sheet, _("Total"))])
    for payer, cells, total in summary.rows():
        amounts = [None if cell is None else formatted_cell(sheet, cell, MONEY) for cell in cells]
        sheet.append([text_cell(sheet, payer.name, code=False), *amounts, *_money(sheet, total)])
    totals = _money(sheet, *summary.payee_totals(), summary.total)
    sheet.append([header_cell(sheet, _("Total")), *totals])


def _pool_sections(book: Workbook, summary: PoolSummary) -> None:
    sheet = table_sheet(book, _("By section"), [_("Section"), _("Trips"), _("Amount (yuan)")])
    for label, count, total in summary.sections():
        sheet.append([str(label), count, *_money(sheet, total)])
    sheet.append([])
    sheet.append([header_cell(sheet, _("Pool")), text_cell(sheet, summary.pool.name, code=False)])
    sheet.append([header_cell(sheet, _("Month")), str(summary.month)])


def write_pool_xlsx(summary: PoolSummary, out: IO[bytes]) -> IO[bytes]:
    """A pool's month: the payer × payee matrix and the totals by section."""
    book = Workbook(write_only=True)
    _matrix(book, summary)
    _pool_sections(book, summary)
    book.save(out)
    return out
