"""Exports of a map query: the same selection as the summary, readable by Excel without harm."""

import csv
import io

import openpyxl
import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import translation

from portal.core.choices import Confidentiality
from tests.factories import AssetFactory, ParcelFactory

pytestmark = pytest.mark.django_db

NEAR = "104.08,30.63,500"
FORMULA = '=HYPERLINK("http://example.invalid","点我")'


def zh(text):
    """The Chinese a new interface string will have once translated (its msgid until then)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def selected(jinjiang):
    """锦江's asset, one whose name is a formula, and a secret one nobody without clearance sees."""
    unit = jinjiang.unit
    AssetFactory(holder=unit, name=FORMULA, model_spec="-1+2", geom=Point(104.0801, 30.63))
    AssetFactory(holder=unit, name="机要设备", confidentiality=Confidentiality.SECRET)
    return jinjiang


def download(client, user, fmt, **params):
    client.force_login(user)
    response = client.get(reverse(f"maps:query_{fmt}"), {"layer": "assets", "near": NEAR, **params})
    assert response.status_code == 200
    return response


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_xlsx_opens_with_chinese_headers_and_text_codes(client, officer, selected):
    response = download(client, officer, "xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="tianfu-assets-' in response["Content-Disposition"]
    sheet = workbook(response).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == [zh("ID"), "资产卡片编号", "名称"]
    assert "占有使用单位 · 统一社会信用代码" in header
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 2, "the secret asset is not exported"
    code = rows[0][header.index("占有使用单位 · 统一社会信用代码")]
    assert code.value == selected.unit.credit_code
    assert len(code.value) == 18
    assert (code.data_type, code.number_format) == ("s", "@")


def test_xlsx_never_stores_a_formula(client, officer, selected):
    sheet = workbook(download(client, officer, "xlsx")).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    formula = next(cell for cell in cells if cell.value == FORMULA)
    assert (formula.data_type, formula.quotePrefix) == ("s", True)
    spec = next(cell for cell in cells if cell.value == "-1+2")
    assert spec.data_type == "s"


def test_xlsx_keeps_a_28_character_real_estate_code(client, province_admin, jinjiang):
    code = "510104001001GB00001F00010001"
    ParcelFactory(holder=jinjiang.unit, real_estate_unit_code=code)
    response = download(client, province_admin, "xlsx", layer="parcels")
    sheet = workbook(response).worksheets[0]
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert code in values


def test_xlsx_about_sheet_says_what_it_holds(client, officer, selected):
    about = workbook(download(client, officer, "xlsx")).worksheets[1]
    facts = {row[0].value: row[1].value for row in about.iter_rows()}
    assert facts[zh("Records selected")] == "2"
    assert facts[zh("Exported by")] == officer.username
    assert "near=" in facts[zh("Query")]


def test_csv_has_a_bom_and_neutralised_formulas(client, officer, selected):
    response = download(client, officer, "csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(f"\ufeff{zh('ID')},资产卡片编号,名称")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA in cells
    assert "'-1+2" in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@")) or cell == "-1+2"]
    assert selected.unit.credit_code in cells
    assert "机要设备" not in text


def test_exports_stop_at_the_limit(client, officer, selected, monkeypatch):
    monkeypatch.setattr("portal.maps.exports.EXPORT_LIMIT", 1)
    text = b"".join(download(client, officer, "csv").streaming_content).decode()
    assert len(text.strip().splitlines()) == 2
    sheet = workbook(download(client, officer, "xlsx")).worksheets[0]
    assert sheet.max_row == 2


def test_export_links_and_places(client, officer, selected):
    text = b"".join(download(client, officer, "csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    asset = selected.records["asset"]
    row = next(r for r in rows if r[0] == str(asset.pk))
    assert row[-3:] == ["104.08", "30.63", f"http://testserver/assets/{asset.pk}/"]
