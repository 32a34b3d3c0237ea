"""Import templates: Chinese headers the importer maps, codes kept as text, lists, instructions."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from portal.assets.choices import AssetStatus
from portal.depots.models import SupplyCategory
from portal.exchange.entities import ASSETS, BUILDINGS, ENTITIES, PARCELS, STOCK, UNITS, Entity
from portal.exchange.rows import map_headers
from portal.exchange.template import CODE_SHEET, DATA_ROWS, HELP_SHEET, write_template
from portal.org.choices import DivisionLevel
from portal.org.models import AdminDivision
from tests.factories import CategoryFactory, division, square

pytestmark = pytest.mark.django_db


@pytest.fixture
def tables():
    """Current divisions of Chengdu, one retired county, an asset and a supply category."""
    division("510104")
    division("510107")
    AdminDivision.objects.create(
        code="510122",
        name="双流县",
        level=DivisionLevel.COUNTY,
        parent=division("510100"),
        geom=square(103.92, 30.57, 0.02),
        valid_to=dt.date(2015, 12, 3),
    )
    CategoryFactory(code="2010100", name="计算机")
    SupplyCategory.objects.get_or_create(code="1010100", defaults={"name": "帐篷"})


def template(entity: Entity, tmp_path):
    return openpyxl.load_workbook(write_template(entity, tmp_path / f"{entity.name}.xlsx"))


def header(book) -> list[str]:
    return [cell.value for cell in book.worksheets[0][1]]


def column_of(book, title: str) -> str:
    for cell in book.worksheets[0][1]:
        if cell.value.rstrip("*") == title:
            return cell.column_letter
    raise AssertionError(title)


def validation_of(book, letter: str):
    found = [
        dv
        for dv in book.worksheets[0].data_validations.dataValidation
        if f"{letter}2" in dv.sqref and f"{letter}{DATA_ROWS + 1}" in dv.sqref
    ]
    assert len(found) == 1, letter
    return found[0]


def listed(book, formula: str) -> list[str]:
    """The values of a list drop-down: a quoted list or a range on the code sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, cells = formula.split("!")
    sheet = book[sheet_name.strip("'")]
    return [cell.value for (cell,) in sheet[cells.replace("$", "")]]


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def test_the_data_sheet_comes_first_and_the_code_sheet_is_hidden(tmp_path, tables):
    book = template(ASSETS, tmp_path)
    assert book.sheetnames == [ASSETS.label_zh, HELP_SHEET, CODE_SHEET]
    assert book.active.title == ASSETS.label_zh
    assert book[CODE_SHEET].sheet_state == "hidden"
    assert book.worksheets[0].freeze_panes == "A2"
    assert all(cell.font.bold for cell in book.worksheets[0][1])


@pytest.mark.parametrize("name", ENTITIES)
def test_headers_are_chinese_titles_the_importer_maps(tmp_path, tables, name):
    entity = ENTITIES[name]
    headers = header(template(entity, tmp_path))
    titles = [c.title(entity.model, "zh-hans") for c in entity.columns]
    marks = ["*" if c.is_required(entity.model) else "" for c in entity.columns]
    assert headers[: len(titles)] == [t + m for t, m in zip(titles, marks, strict=True)]
    found, _ = map_headers(entity, headers)
    expected = {c.key for c in (*entity.columns, *entity.wkt_columns)}
    assert {c.key for c in found.values()} == expected


@pytest.mark.parametrize(
    ("entity", "geometry"),
    [
        (ASSETS, ["lon", "lat"]),
        (UNITS, ["lon", "lat"]),
        (PARCELS, ["wkt*"]),
        (BUILDINGS, ["lon*", "lat*", "footprint"]),
        (STOCK, []),
    ],
)
def test_geometry_columns_follow_the_entity(tmp_path, tables, entity, geometry):
    assert header(template(entity, tmp_path))[len(entity.columns) :] == geometry


def test_code_columns_are_text_for_ten_thousand_rows(tmp_path, tables):
    book = template(ASSETS, tmp_path)
    sheet = book.worksheets[0]
    for key in ("holder", "ledger", "category", "bldg_unit", "building"):
        letter = column_of(book, ASSETS.column(key).title(ASSETS.model, "zh-hans"))
        assert sheet.column_dimensions[letter].number_format == "@", key
        assert sheet[f"{letter}2"].number_format == "@", key
        assert sheet[f"{letter}{DATA_ROWS + 1}"].number_format == "@", key
    name = column_of(book, ASSETS.column("name").title(ASSETS.model, "zh-hans"))
    assert sheet[f"{name}2"].number_format == "General"


def test_a_28_character_code_column_is_text(tmp_path, tables):
    book = template(PARCELS, tmp_path)
    letter = column_of(book, PARCELS.column("reuc").title(PARCELS.model, "zh-hans"))
    assert book.worksheets[0][f"{letter}{DATA_ROWS}"].number_format == "@"
    assert book.worksheets[0].column_dimensions[letter].width >= 30


def test_choice_columns_list_their_chinese_labels(tmp_path, tables):
    book = template(ASSETS, tmp_path)
    status = validation_of(
        book, column_of(book, ASSETS.column("status").title(ASSETS.model, "zh-hans"))
    )
    assert status.type == "list"
    assert status.formula1.startswith(f"'{CODE_SHEET}'!")
    assert listed(book, status.formula1) == [zh(label) for label in AssetStatus.labels]
    assert status.allow_blank
    assert status.errorStyle == "warning"


def test_yes_no_columns_list_shi_and_fou(tmp_path, tables):
    book = template(STOCK, tmp_path)
    dual_use = validation_of(
        book, column_of(book, STOCK.column("dual_use").title(STOCK.model, "zh-hans"))
    )
    assert listed(book, dual_use.formula1) == ["是", "否"]


def test_divisions_and_categories_come_from_the_code_tables(tmp_path, tables):
    book = template(UNITS, tmp_path)
    divisions = validation_of(
        book, column_of(book, UNITS.column("division").title(UNITS.model, "zh-hans"))
    )
    assert listed(book, divisions.formula1) == ["510000", "510100", "510104", "510107"]
    names = listed(book, divisions.formula1.replace("$A$", "$B$"))
    assert divisions.formula1.startswith(f"'{CODE_SHEET}'!$A$2:"), "divisions come first"
    assert names == ["四川省", "成都市", "锦江区", "武侯区"]
    asset_book = template(ASSETS, tmp_path)
    letter = column_of(asset_book, ASSETS.column("category").title(ASSETS.model, "zh-hans"))
    assert listed(asset_book, validation_of(asset_book, letter).formula1) == ["2010100"]
    stock_book = template(STOCK, tmp_path)
    letter = column_of(stock_book, STOCK.column("category").title(STOCK.model, "zh-hans"))
    # The supply classes are seeded by a migration: the template lists every one, in code order.
    seeded = list(SupplyCategory.objects.order_by("code").values_list("code", flat=True))
    assert listed(stock_book, validation_of(stock_book, letter).formula1) == seeded
    assert "1010100" in seeded


def test_an_empty_code_table_offers_no_list(tmp_path, db):
    book = template(ASSETS, tmp_path)
    letter = column_of(book, ASSETS.column("category").title(ASSETS.model, "zh-hans"))
    assert not [
        dv for dv in book.worksheets[0].data_validations.dataValidation if f"{letter}2" in dv.sqref
    ]


def test_the_instructions_explain_every_column_and_the_crs_rule(tmp_path, tables):
    book = template(BUILDINGS, tmp_path)
    rows = [[cell.value for cell in row] for row in book[HELP_SHEET].iter_rows()]
    keys = {row[2]: row for row in rows[2:] if row[2]}
    assert set(keys) == {c.key for c in BUILDINGS.columns} | {"lon", "lat", "footprint"}
    assert keys["name"][3] == "是"
    assert keys["address"][3] == "否"
    assert keys["unit"][1] == BUILDINGS.column("unit").title(BUILDINGS.model, "en")
    assert "office" in keys["use_type"][5]
    assert zh("office rooms") in keys["use_type"][5]
    text = " ".join(str(v) for row in rows for v in row if v)
    assert "GCJ-02" in text
    assert "EPSG:4490" in text
    assert "CGCS2000" in text


def test_write_template_into_a_folder(tmp_path, tables):
    path = write_template(STOCK, tmp_path)
    assert path == tmp_path / "stock-template.xlsx"
    assert path.is_file()


def test_import_template_command(tmp_path, tables, capsys):
    path = tmp_path / "vehicles.xlsx"
    call_command("import_template", "vehicles", str(path))
    assert str(path) in capsys.readouterr().out
    assert openpyxl.load_workbook(path).sheetnames[0] == ENTITIES["vehicles"].label_zh
    with pytest.raises(CommandError, match="assets"):
        call_command("import_template", "things", str(path))
