"""The warehouse's reports as a workbook: the summary, idle rates by division and by class, and
disposal proceeds by method.

It writes the :class:`~portal.assets.reports.WarehouseReport` the page shows, so both hold the
same figures. Headers are in the active language; names come from the registry, where anyone
with edit rights may have typed ``=HYPERLINK(…)``, so text goes through
:func:`portal.exchange.cells.text_cell` and division codes are text cells.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final

from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.assets.reports import IdleRate, WarehouseReport
from portal.exchange.cells import (
    formatted_cell,
    header_cell,
    sheet_title,
    table_sheet,
    text_cell,
)

PERCENT: Final = "0.0%"
MONEY: Final = "#,##0.00"
DAYS: Final = "0.0"
DATE: Final = "yyyy-mm-dd"


def report_title() -> str:
    return _("Public asset warehouse: reports")


def _money(sheet: Any, value: Decimal) -> Any:
    return formatted_cell(sheet, value, MONEY)


def _share(sheet: Any, rate: float | None) -> Any:
    return None if rate is None else formatted_cell(sheet, rate, PERCENT)


def _days(sheet: Any, days: float | None) -> Any:
    return None if days is None else formatted_cell(sheet, days, DAYS)


def _summary_rows(sheet: Any, report: WarehouseReport) -> list[tuple[str, Any]]:
    moved, idle, space = report.reallocation, report.idle, report.space
    return [
        (_("Report"), report_title()),
        (_("Date"), formatted_cell(sheet, report.today, DATE)),
        (_("Value reallocated instead of bought (yuan)"), _money(sheet, moved.value)),
        (_("Transfers handed over"), moved.transfers),
        (_("Needs fulfilled from the warehouse"), moved.needs_fulfilled),
        (_("Purchase requests"), moved.purchase_requests),
        (_("Purchase requests, estimated value (yuan)"), _money(sheet, moved.purchase_value)),
        (_("Open listings"), report.open_listings),
        (_("Idle rate (count)"), _share(sheet, idle.count_rate)),
        (_("Idle rate (net value)"), _share(sheet, idle.value_rate)),
        (_("Listings matched"), report.match_time.matched),
        (_("Time to match, median (days)"), _days(sheet, report.match_time.median_days)),
        (_("Time to match, 90th percentile (days)"), _days(sheet, report.match_time.p90_days)),
        (_("Disposal proceeds (yuan)"), _money(sheet, report.proceeds_total)),
        (_("Space standard edition"), text_cell(sheet, space.edition or "", code=True)),
        (_("Units over the space standard"), space.units_over),
        (_("Units' area over the standard (m²)"), _money(sheet, space.units_excess_m2)),
        (_("Buildings over the space standard"), space.buildings_over),
        (_("Buildings' area over the standard (m²)"), _money(sheet, space.buildings_excess_m2)),
    ]


def _summary(book: Workbook, report: WarehouseReport) -> None:
    sheet = book.create_sheet(sheet_title(_("Summary")))
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 30
    for label, value in _summary_rows(sheet, report):
        sheet.append([header_cell(sheet, label), value])


def _idle_headers(first: str, second: str) -> list[str]:
    return [
        first,
        second,
        _("Assets on the ledger"),
        _("Idle assets"),
        _("Idle rate (count)"),
        _("Net value (yuan)"),
        _("Idle net value (yuan)"),
        _("Idle rate (net value)"),
    ]


def _idle_row(sheet: Any, rate: IdleRate) -> list[Any]:
    return [
        text_cell(sheet, rate.key, code=True),
        text_cell(sheet, rate.label, code=False),
        rate.count,
        rate.idle_count,
        _share(sheet, rate.count_rate),
        _money(sheet, rate.value),
        _money(sheet, rate.idle_value),
        _share(sheet, rate.value_rate),
    ]


def _idle(book: Workbook, title: str, headers: list[str], rates: list[IdleRate]) -> None:
    sheet = table_sheet(book, title, headers)
    for rate in rates:
        sheet.append(_idle_row(sheet, rate))


def _proceeds(book: Workbook, report: WarehouseReport) -> None:
    headers = [_("Method"), _("Completed batches"), _("Items"), _("Proceeds (yuan)")]
    sheet = table_sheet(book, _("Disposal proceeds"), headers)
    for row in report.proceeds:
        sheet.append([row.label, row.batches, row.items, _money(sheet, row.proceeds)])
    sheet.append([header_cell(sheet, _("Total")), None, None, _money(sheet, report.proceeds_total)])


def write_warehouse_xlsx(report: WarehouseReport, out: Path | IO[bytes]) -> Path | IO[bytes]:
    """Write the workbook to a path or binary file (write-only mode: rows are not kept)."""
    book = Workbook(write_only=True)
    _summary(book, report)
    division_headers = _idle_headers(_("Division code"), _("Division"))
    _idle(book, _("Idle by division"), division_headers, report.idle_by_division)
    class_headers = _idle_headers(_("Class code"), _("Class"))
    _idle(book, _("Idle by class"), class_headers, report.idle_by_category)
    _proceeds(book, report)
    book.save(out)
    return out
