"""The XLSX template of a return: what a division fills offline and uploads.

Three data sheets, read by position so that a template downloaded in either language reads
back: costs (one line per unit, building, period and category), budgets (per unit and
category) and bases (area, staff and vehicles per unit), then the instructions. Credit codes
are text cells so Excel keeps all 18 characters; a building is written ``name #id`` and read
back by its id (or by its name when that is unambiguous among the unit's buildings).
Vehicle costs taken from the fleet are not in the template: they are refreshed from the trips.

:func:`build_template` writes the figures the user may see; :func:`read_template` turns an
upload into :class:`~portal.costs.services.records.UnitFigures`, refusing the whole file with
every problem found, each naming its sheet, row and column.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any, Final
from xml.etree import ElementTree

import openpyxl
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from portal.buildings.models import Building
from portal.costs.choices import QUANTITY_UNITS, CostCategory, CostSource
from portal.costs.exceptions import CostInputError
from portal.costs.models import CostBasis, CostBudget, CostRecord, CostReturn
from portal.costs.services.records import Basis, Line, UnitFigures, allowed_buildings, return_units
from portal.exchange.cells import TEXT_FORMAT, column_width, is_formula_like, sheet_title

if TYPE_CHECKING:
    from portal.org.models import Unit, User

MAX_ROWS: Final = 20_000  # per sheet; a return of one division never comes near it
MAX_PROBLEMS: Final = 20
TEMPLATE_ROWS: Final = 2_000  # rows prepared with the category drop-down
BOLD: Final = Font(bold=True)
BUILDING_ID: Final = re.compile(r"#(\d+)\s*$")
# Bounds of the columns the figures land in (amounts and quantities: 14 digits with 2
# decimals; area: 12 with 2; counts: a PostgreSQL integer): a larger figure is named here
# rather than failing in the database.
MONEY_LIMIT: Final = Decimal("1e12")
AREA_LIMIT: Final = Decimal("1e10")
COUNT_LIMIT: Final = Decimal(2**31)


def _headers() -> list[list[str]]:
    unit = [_("Unified social credit code"), _("Unit")]
    return [
        [
            *unit,
            _("Building (empty: the unit as a whole)"),
            _("Month (empty: whole year)"),
            pgettext("running cost", "Category"),
            _("Actual (yuan)"),
            _("Quantity"),
            _("Quantity unit"),
        ],
        [*unit, pgettext("running cost", "Category"), _("Budget (yuan)")],
        [*unit, _("Usable office area (m²)"), _("Staff"), _("Official vehicles")],
    ]


def _sheet_names() -> list[str]:
    return [_("Costs"), _("Budgets"), _("Bases")]


def building_label(building: Building) -> str:
    return f"{building.name} #{building.pk}"


def _put(sheet: Any, row: list[Any], *, code_column: int = 1) -> None:
    sheet.append(row)
    for index, cell in enumerate(sheet[sheet.max_row], start=1):
        if index == code_column:
            cell.data_type, cell.number_format = "s", TEXT_FORMAT
        elif is_formula_like(cell.value):
            cell.data_type, cell.quotePrefix = "s", True


def _table(book: Workbook, title: str, headers: list[str]) -> Any:
    sheet = book.create_sheet(sheet_title(title))
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width(header)
    sheet.column_dimensions["A"].number_format = TEXT_FORMAT
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"
    return sheet


def _category_list(sheet: Any, column: str) -> None:
    labels = ",".join(str(label) for label in CostCategory.labels)
    validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
    validation.add(f"{column}2:{column}{TEMPLATE_ROWS}")
    sheet.add_data_validation(validation)


def build_template(cost_return: CostReturn, user: User, out: IO[bytes]) -> None:
    """Write the return's template with the figures ``user`` may see."""
    # Only the units the user may read: a unit officer's template holds his unit alone.
    units = list(return_units(cost_return).visible_to(user))
    year = cost_return.campaign.year
    book = Workbook()
    book.remove(book.active)
    sheets = [_table(book, t, h) for t, h in zip(_sheet_names(), _headers(), strict=True)]
    _cost_rows(sheets[0], units, year, user)
    budgets = CostBudget.objects.filter(unit__in=units, year=year).select_related("unit")
    for b in budgets.order_by("unit__name", "category"):
        _put(sheets[1], [b.unit.credit_code, b.unit.name, b.get_category_display(), b.amount_yuan])
    bases = {b.unit_id: b for b in CostBasis.objects.filter(unit__in=units, year=year)}
    for unit in units:
        basis = bases.get(unit.pk)
        figures = [basis.usable_area_m2, basis.staff, basis.vehicles] if basis else [None] * 3
        _put(sheets[2], [unit.credit_code, unit.name, *figures])
    _category_list(sheets[0], "E")
    _category_list(sheets[1], "C")
    _instructions(book, cost_return, units, user)
    book.save(out)


def _cost_rows(sheet: Any, units: list[Unit], year: int, user: User) -> None:
    records = (
        CostRecord.objects.visible_to(user)
        .filter(unit__in=units, year=year)
        .exclude(source=CostSource.FLEET)
        .select_related("unit", "building")
        .order_by("unit__name", "building_id", "category", "month")
    )
    for r in records:
        building = building_label(r.building) if r.building else None
        figures = [r.month, r.get_category_display(), r.amount_yuan, r.quantity]
        unit_of_quantity = QUANTITY_UNITS.get(r.category, "")
        _put(sheet, [r.unit.credit_code, r.unit.name, building, *figures, unit_of_quantity])


def _instructions(book: Workbook, cost_return: CostReturn, units: list[Unit], user: User) -> None:
    sheet = book.create_sheet(sheet_title(_("Instructions")))
    sheet.column_dimensions["A"].width = 100
    lines = [
        str(cost_return),
        _(
            "Fill the first three sheets; keep their order and columns. Amounts in yuan, two "
            "decimals; areas in m²."
        ),
        _(
            "One line per unit, building, month and category: either twelve monthly lines or one "
            "line for the whole year, never both."
        ),
        _("Quantities only for electricity (kWh), water (m³), gas (m³) and heating (GJ)."),
        _(
            "Official vehicle costs taken from the fleet are not listed here: they are refreshed "
            "from the trips on the return's page and cannot be changed by hand."
        ),
        _("Uploading replaces the listed units' costs and budgets by the file's lines."),
        "",
        _("Buildings each unit may report on:"),
    ]
    for unit in units:
        buildings = Building.objects.visible_to(user).filter(allowed_buildings(unit)).distinct()
        for building in buildings.order_by("name"):
            lines.append(f"{unit.name}: {building_label(building)}")
    for line in lines:
        _put(sheet, [line], code_column=0)


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, sheet: str, row: int, message: str) -> None:
        self.items.append(
            _("%(sheet)s, row %(row)s: %(message)s")
            % {"sheet": sheet, "row": row, "message": message}
        )

    def raise_any(self) -> None:
        if self.items:
            shown = self.items[:MAX_PROBLEMS]
            more = len(self.items) - len(shown)
            tail = [_("… and %(count)s more.") % {"count": more}] if more else []
            raise CostInputError(" ".join([_("Nothing was saved."), *shown, *tail]))


def _categories() -> dict[str, str]:
    found = {value: value for value in CostCategory.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            found.update({str(c.label).strip().lower(): c.value for c in CostCategory})
    return found


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def _rows(sheet: Any, width: int) -> Iterator[tuple[int, list[Any]]]:
    for index, row in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), 2):
        if index > MAX_ROWS + 1:
            raise CostInputError(
                _("The sheet %(sheet)s has more than %(max)s rows.")
                % {"sheet": sheet.title, "max": MAX_ROWS}
            )
        cells = list(row) + [None] * (width - len(row))
        if any(c is not None and str(c).strip() for c in cells):
            yield index, cells


class _Reader:
    """Reads one upload against the return's units and the user's rights."""

    def __init__(self, cost_return: CostReturn, user: User) -> None:
        self.units = {u.credit_code: u for u in return_units(cost_return)}
        self.user = user
        self.problems = _Problems()
        self.categories = _categories()
        self.buildings: dict[int, list[Building]] = {}
        self.lines: dict[int, list[Line]] = defaultdict(list)
        self.budgets: dict[int, dict[str, Decimal]] = defaultdict(dict)
        self.bases: dict[int, Basis] = {}
        self.seen: dict[int, Unit] = {}

    def unit(self, sheet: str, row: int, code: Any) -> Unit | None:
        unit = self.units.get(str(code or "").strip().upper())
        if unit is None:
            self.problems.add(
                sheet,
                row,
                _("the credit code %(code)s is not a unit of this return.") % {"code": code or "—"},
            )
            return None
        self.seen[unit.pk] = unit
        return unit

    def number(
        self, sheet: str, row: int, value: Any, column: str, limit: Decimal = MONEY_LIMIT
    ) -> Decimal | None:
        try:
            number = _decimal(value)
        except ValueError:
            self.problems.add(
                sheet,
                row,
                _("%(column)s is not a number: %(value)s") % {"column": column, "value": value},
            )
            return None
        if number is not None and number < 0:
            self.problems.add(sheet, row, _("%(column)s cannot be negative.") % {"column": column})
            return None
        if number is not None and number >= limit:
            self.problems.add(
                sheet,
                row,
                _("%(column)s is too large: %(value)s") % {"column": column, "value": value},
            )
            return None
        return number

    def category(self, sheet: str, row: int, value: Any) -> str | None:
        category = self.categories.get(str(value or "").strip().lower())
        if category is None:
            self.problems.add(
                sheet, row, _("unknown category %(value)s.") % {"value": value or "—"}
            )
        return category

    def building(
        self, sheet: str, row: int, unit: Unit, value: Any
    ) -> tuple[bool, Building | None]:
        text = str(value or "").strip()
        if not text:
            return True, None
        if unit.pk not in self.buildings:
            rows = Building.objects.visible_to(self.user).filter(allowed_buildings(unit))
            self.buildings[unit.pk] = list(rows.distinct())
        match = BUILDING_ID.search(text)
        options = self.buildings[unit.pk]
        found = [b for b in options if (b.pk == int(match[1]) if match else b.name == text)]
        if len(found) != 1:
            self.problems.add(
                sheet,
                row,
                _(
                    "%(unit)s neither occupies nor manages a building "
                    "“%(value)s” (write it as in the instructions sheet)."
                )
                % {"unit": unit.name, "value": text},
            )
            return False, None
        return True, found[0]

    def month(self, sheet: str, row: int, value: Any) -> tuple[bool, int | None]:
        number = self.number(sheet, row, value, _("Month"))
        if value in (None, "") or (
            number is not None and number == number.to_integral_value() and 1 <= number <= 12
        ):
            return True, None if number is None else int(number)
        self.problems.add(sheet, row, _("the month must be 1 to 12 or empty."))
        return False, None

    def cost_row(self, sheet: str, row: int, cells: list[Any]) -> None:
        code, _name, building, month, category, amount, quantity = cells[:7]
        unit = self.unit(sheet, row, code)
        column = _("Actual (yuan)")
        checked = [self.category(sheet, row, category), self.number(sheet, row, amount, column)]
        quantity_value = self.number(sheet, row, quantity, _("Quantity"))
        if amount in (None, ""):
            self.problems.add(sheet, row, _("the amount is missing."))
        if unit is None or None in checked:
            return
        building_ok, building_value = self.building(sheet, row, unit, building)
        month_ok, month_value = self.month(sheet, row, month)
        if building_ok and month_ok:
            self.lines[unit.pk].append(
                Line(
                    category=checked[0],
                    amount_yuan=checked[1],
                    building=building_value,
                    month=month_value,
                    quantity=quantity_value,
                    where=_("%(sheet)s row %(row)s") % {"sheet": sheet, "row": row},
                )
            )

    def budget_row(self, sheet: str, row: int, cells: list[Any]) -> None:
        unit = self.unit(sheet, row, cells[0])
        category = self.category(sheet, row, cells[2])
        amount = self.number(sheet, row, cells[3], _("Budget (yuan)"))
        if unit is None or category is None or amount is None:
            return
        if category in self.budgets[unit.pk]:
            self.problems.add(
                sheet,
                row,
                _("a second budget for %(category)s of %(unit)s.")
                % {"category": CostCategory(category).label, "unit": unit.name},
            )
        self.budgets[unit.pk][category] = amount

    def basis_row(self, sheet: str, row: int, cells: list[Any]) -> None:
        unit = self.unit(sheet, row, cells[0])
        labels = _headers()[2][2:]
        limits = (AREA_LIMIT, COUNT_LIMIT, COUNT_LIMIT)
        figures = [
            self.number(sheet, row, v, str(c), limit)
            for v, c, limit in zip(cells[2:5], labels, limits, strict=True)
        ]
        if unit is None or all(f is None for f in figures):
            return
        if any(f is None for f in figures) or any(f != f.to_integral_value() for f in figures[1:]):
            self.problems.add(
                sheet, row, _("give the area and whole numbers of staff and vehicles.")
            )
            return
        self.bases[unit.pk] = Basis(figures[0], int(figures[1]), int(figures[2]))

    def figures(self) -> list[UnitFigures]:
        return [
            UnitFigures(
                unit=unit,
                lines=tuple(self.lines[pk]),
                budgets=self.budgets[pk],
                basis=self.bases.get(pk),
            )
            for pk, unit in self.seen.items()
        ]


def _open(upload: IO[bytes]) -> Any:
    try:
        return openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ElementTree.ParseError,
        InvalidFileException,
    ) as exc:
        raise CostInputError(_("The file is not an XLSX workbook.")) from exc


def read_template(upload: IO[bytes], cost_return: CostReturn, user: User) -> list[UnitFigures]:
    """The figures of every unit the upload lists; CostInputError with all problems found."""
    book = _open(upload)
    try:
        if len(book.worksheets) < 3:
            raise CostInputError(_("The workbook lacks the costs, budgets and bases sheets."))
        reader = _Reader(cost_return, user)
        handlers = (reader.cost_row, reader.budget_row, reader.basis_row)
        for sheet, headers, handle in zip(book.worksheets[:3], _headers(), handlers, strict=True):
            for row, cells in _rows(sheet, len(headers)):
                handle(sheet.title, row, cells)
    finally:
        book.close()
    reader.problems.raise_any()
    if not reader.seen:
        raise CostInputError(_("The workbook holds no figures."))
    return reader.figures()
