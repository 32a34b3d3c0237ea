"""A map query's rows as JSON for the result table, and as XLSX or CSV files.

Headers are the fields' verbose names in the active language (Chinese by default), choices are
written as their labels. Spreadsheets get two protections: codes (18-character credit codes,
28-character real-estate unit codes) are text cells, never numbers that Excel would round; and a
cell starting with ``= + - @`` can never run as a formula. In XLSX such a cell is a typed string
with Excel's quote prefix; CSV has no types, so the cell gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.core.display import field_at
from portal.exchange.cells import EXCEL_CELL_CHARS, header_cell, neutralised, text_cell
from portal.maps.selection import Selection, point

ROW_LIMIT: Final = 500  # listed in the map's result table
EXPORT_LIMIT: Final = 100_000  # written to a file
CHUNK: Final = 2_000
# What a file carries beyond the layer's popup fields: codes, holders and divisions. Names of
# related buildings are left out: a visible asset may stand in a building above the reader's
# clearance.
EXPORT_COLUMNS: Final = {
    "units": ("credit_code", "name", "short_name", "kind", "level", "division__code",
              "division__name", "address"),
    "buildings": ("name", "address", "use_type", "usable_area_m2", "gross_area_m2", "year_built",
                  "managing_unit__name", "managing_unit__credit_code", "division__code",
                  "division__name"),
    "parcels": ("registry_no", "real_estate_unit_code", "certificate_no", "title_status",
                "right_type", "land_use", "area_m2", "certificate_area_m2", "holder__name",
                "holder__credit_code", "division__code", "division__name"),
    "assets": ("ledger_code", "name", "category__code", "category__name", "model_spec", "status",
               "condition", "quantity", "unit_of_measure", "original_value", "net_value",
               "acquired_on", "holder__name", "holder__credit_code", "holder__division__code"),
    "depots": ("code", "name", "kind", "capacity_m3", "address", "managing_unit__name",
               "managing_unit__credit_code", "division__code", "division__name"),
    "vehicles": ("plate", "vehicle_type", "energy", "seats", "status", "odometer_km",
                 "holder__name", "holder__credit_code", "holder__division__code"),
    "conflicts": ("kind", "key", "status", "parcel__registry_no", "other_parcel__registry_no",
                  "unit__name", "unit__credit_code", "division__code", "division__name",
                  "opened_at"),
    "warehouse": ("asset__ledger_code", "asset__name", "category__code", "category__name",
                  "reason", "mode", "condition", "original_value", "net_value", "acquired_on",
                  "status", "published_at", "screening_ends_on", "holder__name",
                  "holder__credit_code", "division__code", "division__name"),
    "office_space": ("name", "address", "use_type", "usable_area_m2", "gross_area_m2",
                     "managing_unit__name", "managing_unit__credit_code", "division__code",
                     "division__name"),
    "shareable_space": ("building__name", "floor__number", "room__number", "usable_area_m2",
                        "note", "share_prefix", "status", "building__managing_unit__name",
                        "building__division__code", "building__division__name"),
}  # fmt: skip


@dataclass(frozen=True)
class Column:
    """A field path with its header, its choice labels and whether it holds text (codes)."""

    path: str
    label: str
    text: bool = False
    choices: dict[Any, str] = field(default_factory=dict)


def column(model: type[models.Model], path: str) -> Column:
    """``holder__credit_code`` → "权利人 · 统一社会信用代码", text, no choices."""
    labels, current = [], model
    for part in path.split("__"):
        found = current._meta.get_field(part)
        labels.append(str(capfirst(found.verbose_name)))
        current = found.related_model or current
    target = field_at(model, path)
    choices = {value: str(label) for value, label in (target.flatchoices or [])}
    text = isinstance(target, models.CharField) and not choices
    return Column(path, " · ".join(labels), text, choices)


def columns(selection: Selection, paths: tuple[str, ...]) -> list[Column]:
    return [column(selection.layer.model, path) for path in paths]


def shown(col: Column, value: Any) -> Any:
    """A value as the reader sees it: a choice's label, a rounded area, 是/否."""
    if value is None:
        return None
    # Spreadsheets have no time zones: a moment is written as the portal's local time.
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if col.choices:
        return col.choices.get(value, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        return round(value, 2)
    return value


def _lonlat(place: Any) -> list[float] | None:
    return None if place is None else [round(place.x, 6), round(place.y, 6)]


def json_rows(selection: Selection) -> tuple[list[Column], list[dict[str, Any]]]:
    """The popup fields of the first :data:`ROW_LIMIT` records, with id, place and detail link."""
    layer = selection.layer
    cols = columns(selection, layer.properties)
    queryset = selection.queryset.order_by("pk").annotate(_place=point(selection))
    rows = []
    for pk, place, *values in queryset.values_list("pk", "_place", *layer.properties)[:ROW_LIMIT]:
        row = {col.path: _json(shown(col, value)) for col, value in zip(cols, values, strict=True)}
        row |= {"id": pk, "url": layer.detail_path.format(pk=pk), "point": _lonlat(place)}
        rows.append(row)
    return cols, rows


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def export_columns(selection: Selection) -> list[Column]:
    model = selection.layer.model
    # Registry records say whether they are demonstration data; computed findings have no flag.
    flag = ("synthetic",) if any(f.name == "synthetic" for f in model._meta.fields) else ()
    paths = ("pk", *EXPORT_COLUMNS[selection.layer.name], *flag)
    return [Column("pk", _("ID")), *columns(selection, paths[1:])]


def _extra_headers() -> list[str]:
    return [_("longitude (CGCS2000)"), _("latitude (CGCS2000)"), _("detail page")]


def export_rows(selection: Selection, base_url: str) -> Iterator[list[Any]]:
    """Each record (up to :data:`EXPORT_LIMIT`) as display values, then lon, lat and its link."""
    cols = export_columns(selection)
    queryset = selection.queryset.order_by("pk").annotate(_place=point(selection))
    values = queryset.values_list(*(c.path for c in cols), "_place")[:EXPORT_LIMIT]
    for *record, place in values.iterator(chunk_size=CHUNK):
        lonlat = _lonlat(place) or [None, None]
        link = base_url + selection.layer.detail_path.format(pk=record[0])
        yield [*(shown(c, v) for c, v in zip(cols, record, strict=True)), *lonlat, link]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(selection: Selection, base_url: str) -> Iterator[str]:
    """UTF-8 CSV with a byte order mark, so Excel opens Chinese text correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(
        [c.label for c in export_columns(selection)] + _extra_headers()
    )
    for row in export_rows(selection, base_url):
        yield writer.writerow([neutralised(_csv(value)) for value in row])


def _csv(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else value


def xlsx_bytes(selection: Selection, base_url: str, about: dict[str, str]) -> bytes:
    """An XLSX workbook: the records on the first sheet, what they are on the second."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(selection.layer.label)[:31])
    cols = export_columns(selection)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_xlsx_header(sheet, label, bold) for label in [c.label for c in cols]])
    text = [c.text for c in cols] + [False, False, False]
    for row in export_rows(selection, base_url):
        sheet.append(
            [_xlsx(sheet, value, is_text) for value, is_text in zip(row, text, strict=True)]
        )
    _about_sheet(workbook.create_sheet(_("About")), about, bold)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_header(sheet: Any, label: str, bold: Font) -> WriteOnlyCell:
    return header_cell(sheet, label, bold)


def _xlsx(sheet: Any, value: Any, is_text: bool) -> Any:
    return text_cell(sheet, value, code=is_text) if isinstance(value, str) else value


def _about_sheet(sheet: Any, about: dict[str, str], bold: Font) -> None:
    for key, value in about.items():
        sheet.append([_xlsx_header(sheet, key, bold), _xlsx(sheet, value, True)])


def about(selection: Selection, user: Any, query: str, count: int) -> dict[str, str]:
    """What an exported file holds, who made it and when, for its "About" sheet."""
    facts = {
        _("Layer"): str(selection.layer.label),
        _("Exported at"): timezone.localtime().strftime("%Y-%m-%d %H:%M:%S %Z"),
        _("Exported by"): user.get_username(),
        _("Query"): query[:EXCEL_CELL_CHARS],
        _("Records selected"): str(count),
        _("Records written"): str(min(count, EXPORT_LIMIT)),
        _("Coordinates"): "CGCS2000 (EPSG:4490)",
    }
    if settings.TIANFU["DEMO"]:
        facts[_("Note")] = _("Everything shown is generated demonstration data.")
    return facts
