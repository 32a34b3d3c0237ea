"""The campaign as a workbook: a summary, divisions, units, overdue cases and open conflicts.

Headers are in the active language. Names and keys come from the registry, where anyone with
edit rights may have typed ``=HYPERLINK(…)``: every text cell goes through
:func:`portal.exchange.cells.text_cell`, which keeps formula-looking text as typed text, and
codes are text cells that Excel never turns into rounded numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.exchange.cells import (
    formatted_cell,
    header_cell,
    sheet_title,
    table_sheet,
    text_cell,
)
from portal.parcels.campaign import Campaign, Tally
from portal.parcels.reports import level_label, report_title, tally_headers

PERCENT = "0.0%"
DATE = "yyyy-mm-dd"


def _text(sheet: Any, value: str | None, *, code: bool = False) -> Any:
    return text_cell(sheet, value or "", code=code)


def _figures(sheet: Any, tally: Tally) -> list[Any]:
    shares = [tally.closed_share, tally.registered_share]
    return [
        tally.total,
        *tally.statuses,
        tally.closed,
        *(None if share is None else formatted_cell(sheet, share, PERCENT) for share in shares),
        tally.overdue,
    ]


def _summary(book: Workbook, campaign: Campaign, approval_no: str) -> None:
    sheet = book.create_sheet(sheet_title(_("Summary")))
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 40
    total = campaign.total
    rows = [
        (_("Report"), report_title()),
        (_("Date"), formatted_cell(sheet, campaign.today, DATE)),
        (_("Report approval number"), _text(sheet, approval_no)),
        (_("Divisions"), level_label(campaign)),
        (_("Division code prefix"), _text(sheet, campaign.filters.prefix, code=True)),
        (_("Cases"), total.total),
        (_("Share closed"), formatted_cell(sheet, total.closed_share or 0, PERCENT)),
        (_("Share registered"), formatted_cell(sheet, total.registered_share or 0, PERCENT)),
        (_("Overdue"), campaign.overdue_count),
        (_("Open conflicts"), campaign.conflict_count),
    ]
    for label, value in rows:
        sheet.append([header_cell(sheet, label), value])


def _divisions(book: Workbook, campaign: Campaign) -> None:
    sheet = table_sheet(
        book, _("Divisions"), [capfirst(_("division code")), _("Division"), *tally_headers()]
    )
    for tally in campaign.divisions:
        sheet.append(
            [_text(sheet, tally.code, code=True), _text(sheet, tally.name), *_figures(sheet, tally)]
        )
    if campaign.unplaced:
        unplaced = campaign.unplaced
        sheet.append(["", _text(sheet, unplaced.name), *_figures(sheet, unplaced)])


def _units(book: Workbook, campaign: Campaign) -> None:
    sheet = table_sheet(
        book, _("Units"), [capfirst(_("unit")), capfirst(_("division code")), *tally_headers()]
    )
    for tally in campaign.units:
        sheet.append(
            [_text(sheet, tally.name), _text(sheet, tally.code, code=True), *_figures(sheet, tally)]
        )


def _overdue(book: Workbook, campaign: Campaign) -> None:
    headers = [
        _("Case"),
        capfirst(_("building")),
        capfirst(_("managing unit")),
        _("Division"),
        capfirst(_("status")),
        capfirst(_("due date")),
        _("Days overdue"),
        capfirst(_("assigned officer")),
    ]
    sheet = table_sheet(book, _("Overdue cases"), headers)
    for case in campaign.overdue_cases:
        building = case.building
        sheet.append(
            [
                case.pk,
                _text(sheet, building.name),
                _text(sheet, building.managing_unit.name),
                _text(sheet, building.division.name),
                case.get_status_display(),
                formatted_cell(sheet, case.due_date, DATE),
                (campaign.today - case.due_date).days,
                _text(sheet, case.assigned_to.get_username() if case.assigned_to else ""),
            ]
        )


def _conflicts(book: Workbook, campaign: Campaign) -> None:
    sheet = table_sheet(book, _("Conflicts by kind"), [capfirst(_("kind")), _("Open conflicts")])
    for kind in campaign.conflict_kinds:
        sheet.append([kind.label, kind.count])
    headers = [
        _("Conflict"),
        capfirst(_("kind")),
        capfirst(_("key")),
        capfirst(_("responsible unit")),
        _("Division"),
        capfirst(_("found at")),
    ]
    sheet = table_sheet(book, _("Open conflicts"), headers)
    for finding in campaign.conflicts:
        sheet.append(
            [
                finding.pk,
                finding.get_kind_display(),
                _text(sheet, finding.key, code=True),
                _text(sheet, finding.unit.name),
                _text(sheet, finding.division.name),
                formatted_cell(sheet, timezone.localtime(finding.opened_at).date(), DATE),
            ]
        )


def write_campaign_xlsx(
    campaign: Campaign, out: Path | IO[bytes], *, approval_no: str = ""
) -> Path | IO[bytes]:
    """Write the workbook to a path or binary file (write-only mode: rows are not kept)."""
    book = Workbook(write_only=True)
    _summary(book, campaign, approval_no)
    _divisions(book, campaign)
    _units(book, campaign)
    _overdue(book, campaign)
    _conflicts(book, campaign)
    book.save(out)
    return out
