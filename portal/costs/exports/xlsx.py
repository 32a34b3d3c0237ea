"""The dashboard as a workbook: a summary sheet (what was asked, the totals, the categories), the
divisions with their figure, every unit's year with all indicators, and the outliers.

Amounts are written as Decimal numbers with two decimals (never float), so a total summed in the
spreadsheet equals the printed one; rates keep their four decimals in a percentage format. Unit
names were typed by people: text goes through :func:`portal.exchange.cells.text_cell`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any, Final

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from portal.core.choices import GovernmentLevel
from portal.costs.choices import CostCategory
from portal.costs.dashboard import RATES, Dashboard, Ranked, RegionFigure
from portal.costs.exports import (
    level_label,
    region_headers,
    report_title,
    status_label,
    unit_headers,
)
from portal.costs.indicators import INDICATORS
from portal.exchange.cells import formatted_cell, header_cell, table_sheet, text_cell
from portal.org.choices import UnitKind

MONEY: Final = "#,##0.00"
RATE: Final = "0.00%"
COUNT: Final = "0"


def figure(sheet: Any, value: Decimal | int | None, indicator: str = "") -> Any:
    """A number cell in its format; None stays an empty cell."""
    if value is None:
        return None
    if isinstance(value, int):
        return formatted_cell(sheet, value, COUNT)
    return formatted_cell(sheet, value, RATE if indicator in RATES else MONEY)


def label_of(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _summary(book: Workbook, dashboard: Dashboard) -> None:
    sheet = table_sheet(
        book, _("Summary"), [pgettext("running cost", "Category"), _("Actual (yuan)")]
    )
    for value, label in CostCategory.choices:
        sheet.append([str(label), figure(sheet, dashboard.by_category[value])])
    sheet.append([header_cell(sheet, _("Total")), figure(sheet, dashboard.total.total_yuan)])
    sheet.append([header_cell(sheet, _("Budget")), figure(sheet, dashboard.budget_yuan)])
    execution = figure(sheet, dashboard.execution_rate, "execution_rate")
    sheet.append([header_cell(sheet, _("Budget execution rate")), execution])
    sheet.append([])
    filters = dashboard.filters
    for label, value in (
        (_("Report"), report_title()),
        (_("Year"), filters.year),
        (_("Figures"), status_label(dashboard)),
        (_("Indicator"), f"{filters.indicator_label} ({filters.unit_label})"),
        (_("Divisions"), level_label(dashboard)),
        (_("Division code prefix"), filters.prefix or "—"),
        (_("Units shown"), len(dashboard.rows)),
    ):
        sheet.append([header_cell(sheet, label), value])


def _region_row(sheet: Any, region: RegionFigure, indicator: str) -> list[Any]:
    return [
        text_cell(sheet, region.code, code=True),
        text_cell(sheet, region.name, code=False),
        region.units,
        figure(sheet, region.total_yuan),
        figure(sheet, region.value(indicator), indicator),
    ]


def _regions(book: Workbook, dashboard: Dashboard) -> None:
    sheet = table_sheet(book, _("Divisions"), region_headers(dashboard))
    indicator = dashboard.filters.indicator
    for region in dashboard.regions:
        sheet.append(_region_row(sheet, region, indicator))
    if dashboard.unplaced is not None:
        sheet.append(_region_row(sheet, dashboard.unplaced, indicator))
    total = _region_row(sheet, dashboard.total, indicator)
    sheet.append([header_cell(sheet, _("Total")), *total[1:]])


def unit_cells(sheet: Any, ranked: Ranked) -> list[Any]:
    row = ranked.row
    return [
        ranked.rank,
        text_cell(sheet, row.unit_name, code=False),
        text_cell(sheet, row.division_code, code=True),
        label_of(GovernmentLevel, row.level),
        label_of(UnitKind, row.kind),
        figure(sheet, row.total_yuan),
        figure(sheet, row.budget_yuan),
        *(figure(sheet, row.by_category[value]) for value in CostCategory.values),
        figure(sheet, row.area_m2),
        figure(sheet, row.staff),
        figure(sheet, row.vehicles),
        figure(sheet, row.energy_kgce),
        *(figure(sheet, getattr(row, key), key) for key in INDICATORS),
        " ".join(outlier.reason for outlier in row.outliers),
    ]


def _units(book: Workbook, dashboard: Dashboard) -> None:
    sheet = table_sheet(book, _("Units"), unit_headers())
    for ranked in dashboard.ranking:
        sheet.append(unit_cells(sheet, ranked))


def _outliers(book: Workbook, dashboard: Dashboard) -> None:
    headers = [_("Unit"), _("Indicator"), _("Value"), _("Peer median"), _("Peers"), _("Ratio")]
    sheet = table_sheet(book, _("Outliers"), [*headers, _("Reason")])
    for row, outlier in dashboard.outliers:
        sheet.append(
            [
                text_cell(sheet, row.unit_name, code=False),
                str(INDICATORS[outlier.indicator]),
                figure(sheet, outlier.value),
                figure(sheet, outlier.median),
                outlier.peers,
                figure(sheet, outlier.ratio),
                outlier.reason,
            ]
        )


def write_dashboard_xlsx(dashboard: Dashboard, out: IO[bytes]) -> IO[bytes]:
    """Write the workbook to a binary file (write-only mode: rows are not kept)."""
    book = Workbook(write_only=True)
    _summary(book, dashboard)
    _regions(book, dashboard)
    _units(book, dashboard)
    _outliers(book, dashboard)
    book.save(out)
    return out
