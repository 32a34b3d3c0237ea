"""The XLSX import template of an entity: what officers fill in and upload.

The first sheet, named after the entity in Chinese, holds one header row: each column's Chinese
title (a trailing "*" marks a required column; the importer ignores it), then the geometry
columns: ``lon``/``lat`` for point entities, ``wkt`` for polygon ones, and for buildings
``lon``/``lat`` plus an optional ``footprint`` (WKT). Code columns (credit codes, real-estate unit
codes, references) are formatted as text for :data:`DATA_ROWS` rows, so Excel keeps every
character of an 18- or 28-character code. Choice and yes/no columns get drop-down lists of their
Chinese labels; division and category codes come from the hidden sheet ``代码表``. The sheet
``说明`` after the data sheet describes every column and the coordinate-system rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gis.codes import complete_uscc
from portal.assets.models import AssetCategory
from portal.core.choices import Rank
from portal.depots.models import SupplyCategory
from portal.exchange.cells import TEXT_FORMAT, column_width, sheet_title
from portal.exchange.columns import Column
from portal.exchange.entities import Entity
from portal.org.models import AdminDivision, Unit

DATA_ROWS: Final = 10_000  # rows below the header prepared as text, with drop-down lists
CODE_SHEET: Final = "代码表"
HELP_SHEET: Final = "说明"
YES_NO: Final = '"是,否"'
EXAMPLE_USCC: Final = complete_uscc("11510000MB1234567")
EXAMPLE_REUC: Final = "510104001001GB00001F00010001"
_REQUIRED_FILL: Final = PatternFill("solid", fgColor="FCE4D6")
_BOLD: Final = Font(bold=True)


@dataclass(frozen=True)
class TemplateColumn:
    """One column of the data sheet and its line on the instructions sheet."""

    title: str  # Chinese title, without the required mark
    title_en: str
    key: str
    required: bool
    text: bool  # formatted as text ("@") so Excel keeps codes
    format: str
    allowed: str
    source: str | None = None  # drop-down list: a formula or a quoted list
    heading: str = ""  # the header when it is not the title: lon, lat, wkt

    @property
    def header(self) -> str:
        heading = self.heading or self.title
        return f"{heading}*" if self.required else heading


def write_template(entity: Entity, out: Path) -> Path:
    """Write the template of ``entity`` to ``out`` (a file, or a folder to write it into)."""
    path = out / f"{entity.name}-template.xlsx" if out.is_dir() else out
    with translation.override("zh-hans"):
        workbook = Workbook()
        data = workbook.active
        data.title = sheet_title(entity.label_zh)
        helper = workbook.create_sheet(HELP_SHEET)
        lists = CodeTables(workbook.create_sheet(CODE_SHEET))
        columns = template_columns(entity, lists)
        _data_sheet(data, columns)
        _help_sheet(helper, entity, columns)
        lists.sheet.sheet_state = "hidden"
        workbook.active = 0
        workbook.save(path)
    return path


class CodeTables:
    """The hidden sheet of lists: code tables (code, name) and choice labels, side by side."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.next_column = 1
        self.sources: dict[str, str | None] = {}

    def source(
        self, name: str, title: str, rows: Callable[[], list[tuple[str, ...]]]
    ) -> str | None:
        """The list formula of table ``name`` (written on first use), None when it is empty."""
        if name not in self.sources:
            self.sources[name] = self._write(title, rows())
        return self.sources[name]

    def _write(self, title: str, rows: list[tuple[str, ...]]) -> str | None:
        first = self.next_column
        width = max((len(row) for row in rows), default=1)
        self.next_column += width + 1  # a blank column between tables
        letter = get_column_letter(first)
        self.sheet.cell(1, first, title).font = _BOLD
        for number, row in enumerate(rows, start=2):
            for offset, value in enumerate(row):
                cell = self.sheet.cell(number, first + offset, value)
                cell.number_format = TEXT_FORMAT
        for offset in range(width):
            self.sheet.column_dimensions[get_column_letter(first + offset)].width = 24
        if not rows:
            return None
        return f"'{CODE_SHEET}'!${letter}$2:${letter}${len(rows) + 1}"


def _divisions() -> list[tuple[str, ...]]:
    return list(AdminDivision.objects.current().order_by("code").values_list("code", "name"))


def _asset_categories() -> list[tuple[str, ...]]:
    return list(AssetCategory.objects.order_by("code").values_list("code", "name"))


def _supply_categories() -> list[tuple[str, ...]]:
    return list(SupplyCategory.objects.order_by("code").values_list("code", "name"))


_CODE_TABLES: Final = {
    AdminDivision: ("divisions", _divisions),
    AssetCategory: ("asset_categories", _asset_categories),
    SupplyCategory: ("supply_categories", _supply_categories),
}


def _code_table(lists: CodeTables, target: type[models.Model]) -> str | None:
    name, rows = _CODE_TABLES[target]
    return lists.source(name, str(target._meta.verbose_name), rows)


def template_columns(entity: Entity, lists: CodeTables) -> list[TemplateColumn]:
    """The entity's columns, then its geometry columns, as the template lays them out."""
    for column in entity.columns:  # code tables first: whoever unhides the sheet sees them
        target = column.model_field(entity.model).related_model
        if target in _CODE_TABLES:
            _code_table(lists, target)
    columns = [_column(entity, c, lists) for c in entity.columns]
    return columns + _geometry_columns(entity)


def _column(entity: Entity, column: Column, lists: CodeTables) -> TemplateColumn:
    model = entity.model
    field = column.model_field(model)
    fmt, allowed, source = _describe(entity, column, field, lists)
    return TemplateColumn(
        title=column.title(model, "zh-hans"),
        title_en=column.title(model, "en"),
        key=column.key,
        required=column.is_required(model),
        text=column.code or field.is_relation,
        format=fmt,
        allowed=allowed,
        source=source,
    )


def _describe(
    entity: Entity, column: Column, field: Any, lists: CodeTables
) -> tuple[str, str, str | None]:
    """The format, the allowed values or an example, and the drop-down source of a column."""
    if field.choices:
        title = column.title(entity.model, "zh-hans")
        labels = [(str(label),) for _value, label in field.choices]
        source = lists.source(column.key, title, lambda: labels)
        return _("one of the listed values"), _choices(field), source
    if field.is_relation:
        return _reference(column, field, lists)
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return _("yes or no"), "是 / 否", YES_NO
    return _plain(column, field, kind), _example(column, field), None


def _choices(field: Any) -> str:
    """Each choice as "中文 / English / value": the importer accepts any of the three."""
    spelt = []
    for value, label in field.choices:
        with translation.override("en"):
            english = str(label)
        spelt.append(f"{label} / {english} / {value}")
    return "; ".join(spelt)


def _reference(column: Column, field: Any, lists: CodeTables) -> tuple[str, str, str | None]:
    target = field.related_model
    if target in _CODE_TABLES:
        source = _code_table(lists, target)
        allowed = _("a code from the list (sheet %(sheet)s)") % {"sheet": CODE_SHEET}
        return _("code"), allowed, source
    if target is Unit:
        return _("18-character unified social credit code"), EXAMPLE_USCC, None
    path = column.value_path()
    if path.endswith("managing_unit__credit_code"):
        allowed = _("the unit managing the building; empty: the record's own unit")
        return _("18-character unified social credit code"), allowed, None
    if path.endswith("__name"):
        return _("text"), _("the name of the building as registered"), None
    return _("code"), _("the code as registered"), None


def _plain(column: Column, field: Any, kind: str) -> str:
    if kind == "DecimalField":
        return _("number, at most %(places)d decimal places") % {"places": field.decimal_places}
    if "IntegerField" in kind:
        return _("whole number")
    if kind == "DateField":
        return _("date, e.g. 2024-03-01")
    if kind == "JSONField":
        return _("JSON object")
    if column.code:
        return _("text code, at most %(max)d characters") % {"max": field.max_length}
    return _("text, at most %(max)d characters") % {"max": field.max_length}


def _example(column: Column, field: Any) -> str:
    if column.key == "uscc":
        return EXAMPLE_USCC
    if column.key == "reuc":
        return _("%(code)s; empty for a title filing") % {"code": EXAMPLE_REUC}
    if field.get_internal_type() == "JSONField":
        return '{"division_chief": 2, "staff": 10}; ' + _("ranks: %(ranks)s") % {
            "ranks": ", ".join(Rank.values)
        }
    return ""


def _geometry_columns(entity: Entity) -> list[TemplateColumn]:
    spec = entity.geometry
    if spec is None:
        return []
    if spec.kind == "polygon":
        return [_wkt(spec.required, gettext_lazy("boundary"))]
    point = [
        _coordinate("lon", gettext_lazy("longitude"), spec.required, "104.065735"),
        _coordinate("lat", gettext_lazy("latitude"), spec.required, "30.659462"),
    ]
    if spec.footprint:
        point.append(_wkt(False, gettext_lazy("footprint"), key="footprint"))
    return point


def _english(text: Promise) -> str:
    with translation.override("en"):
        return str(text)


def _coordinate(key: str, title: Promise, required: bool, example: str) -> TemplateColumn:
    """``lon``/``lat``: the header is the key, described in both languages."""
    fmt = _("decimal degrees, CGCS2000 unless declared at upload")
    return TemplateColumn(
        f"{key} ({title})", _english(title), key, required, False, fmt, example, heading=key
    )


def _wkt(required: bool, title: Promise, *, key: str = "wkt") -> TemplateColumn:
    example = "MULTIPOLYGON (((104.065 30.659, 104.066 30.659, 104.066 30.66, 104.065 30.659)))"
    fmt = _("WKT polygon, CGCS2000 longitude/latitude unless declared at upload")
    return TemplateColumn(
        f"{key} ({title})", _english(title), key, required, False, fmt, example, heading=key
    )


def _data_sheet(sheet: Any, columns: list[TemplateColumn]) -> None:
    for number, column in enumerate(columns, start=1):
        cell = sheet.cell(1, number, column.header)
        cell.font = _BOLD
        if column.required:
            cell.fill = _REQUIRED_FILL
        letter = get_column_letter(number)
        minimum = 30 if column.text else 12  # a 28-character code stays readable
        sheet.column_dimensions[letter].width = column_width(column.header, minimum=minimum)
        if column.text:
            _as_text(sheet, number, letter)
        if column.source:
            _drop_down(sheet, letter, column)
    sheet.freeze_panes = "A2"


def _as_text(sheet: Any, number: int, letter: str) -> None:
    """Text format for the column and for each prepared row: Excel and WPS honour either."""
    sheet.column_dimensions[letter].number_format = TEXT_FORMAT
    for row in range(2, DATA_ROWS + 2):
        sheet.cell(row, number).number_format = TEXT_FORMAT


def _drop_down(sheet: Any, letter: str, column: TemplateColumn) -> None:
    # A warning, not a stop: the importer also accepts the stored value or the English label.
    validation = DataValidation(
        type="list",
        formula1=column.source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=column.title[:32],  # Excel refuses longer titles
        error=_("Choose a value from the list."),
    )
    validation.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
    sheet.add_data_validation(validation)


def _help_sheet(sheet: Any, entity: Entity, columns: list[TemplateColumn]) -> None:
    headers = [
        _("Chinese title"),
        _("English title"),
        _("Key"),
        _("Required"),
        _("Format"),
        _("Allowed values / example"),
    ]
    sheet.append([entity.label_zh])
    sheet.append(headers)
    for cell in (*sheet[1], *sheet[2]):
        cell.font = _BOLD
    for column in columns:
        required = "是" if column.required else "否"
        sheet.append(
            [column.title, column.title_en, column.key, required, column.format, column.allowed]
        )
    sheet.append([])
    for note in _notes():
        sheet.append([note])
    for letter, width in zip("ABCDEF", (28, 32, 12, 8, 40, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"


def _notes() -> list[str]:
    return [
        _("How to fill in this template"),
        _(
            "One record per row, on the first sheet. Headers ending in * are required; keep "
            "the header row, the order of columns does not matter."
        ),
        _(
            "A row whose key columns match a stored record updates that record; other rows "
            "create new records."
        ),
        _(
            "Code columns are formatted as text so that Excel keeps every character of 18- and "
            "28-character codes; paste codes as text (Paste Special → Values)."
        ),
        _(
            "Drop-down lists show the Chinese labels; the stored value or the English label is "
            "accepted too. Division and category codes are listed on the hidden sheet "
            "%(sheet)s (right-click a sheet tab → Unhide)."
        )
        % {"sheet": CODE_SHEET},
        _(
            "Coordinates are CGCS2000 longitude/latitude (EPSG:4490; WGS 84 GPS readings can be "
            "used as they are) unless another coordinate system is declared at upload, e.g. "
            "EPSG:4544 for Gauss-Krüger eastings/northings of zone 35 (105°E, Chengdu)."
        ),
        _(
            "Coordinates copied from AMap/Gaode or Tencent maps are GCJ-02, from Baidu maps "
            "BD-09: declare that system at upload so they are converted; never mix systems in "
            "one file."
        ),
    ]
