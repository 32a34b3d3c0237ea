"""Spreadsheet cells that Excel neither evaluates nor rounds, shared by every XLSX/CSV writer.

Two protections. A cell starting with ``= + - @`` (or a tab or carriage return, which Excel
skips before looking for a formula) could run as a formula when opened: in XLSX such a cell is a
typed string with Excel's quote prefix, so its value is unchanged; CSV has no types, so the cell
gets a leading apostrophe. And codes (18-character credit codes, 28-character real-estate unit
codes) are text cells formatted "@", never numbers that Excel would round to 15 digits.
"""

from __future__ import annotations

import re
from typing import Any, Final

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_CHARS: Final = 32_767  # longer text makes Excel "repair" the file
EXCEL_ROWS: Final = 1_048_576  # rows of a worksheet, the header included
TEXT_FORMAT: Final = "@"
BOLD: Final = Font(bold=True)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralised(value: Any) -> Any:
    """A CSV cell that no spreadsheet will evaluate as a formula."""
    return "'" + value if is_formula_like(value) else value


def restored(value: str) -> str:
    """Undo :func:`neutralised` on import, so an exported CSV reads back unchanged."""
    return value[1:] if value.startswith("'") and is_formula_like(value[1:]) else value


def header_cell(sheet: Any, label: str, font: Font = BOLD) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=label)
    cell.font = font
    return cell


def text_cell(sheet: Any, value: str, *, code: bool) -> Any:
    """A write-only text cell: kept as typed text for codes, quote-prefixed for formula-like text.

    Plain text is returned as is, which is cheaper for openpyxl's write-only mode.
    """
    formula = is_formula_like(value)
    if not (code or formula):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would store "=…" as a formula
    cell.number_format = TEXT_FORMAT  # a code stays text when edited in Excel
    cell.quotePrefix = formula
    return cell


def formatted_cell(sheet: Any, value: Any, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: no ``[]:*?/\\``, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31]


def column_width(header: str, *, minimum: int = 14, maximum: int = 40) -> float:
    """A column wide enough for its header (CJK characters count double), within limits."""
    wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in header)
    return float(min(max(wide + 2, minimum), maximum))


def table_sheet(book: Any, title: str, headers: list[str]) -> Any:
    """A new sheet of ``book`` with bold headers sized to fit and the header row frozen."""
    sheet = book.create_sheet(sheet_title(title))
    for index, header in enumerate(headers):
        sheet.column_dimensions[get_column_letter(index + 1)].width = column_width(header)
    sheet.freeze_panes = "A2"
    sheet.append([header_cell(sheet, header) for header in headers])
    return sheet
