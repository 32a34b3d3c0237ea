"""The campaign's exports: XLSX content, the PDF's text and its closed fetcher, and the folium
zip whose page names only files inside the zip."""

import io
import json
import re
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import PurePosixPath

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from portal.parcels.campaign import CampaignFilter, build_campaign
from portal.parcels.choices import CaseStatus
from portal.parcels.reports import report_title
from portal.parcels.reports.pdf import STATIC_DIR, FetchRefusedError, LocalFetcher, map_svg
from tests.portal.titles.campaign_data import FORMULA_NAME, build_campaign_data

pytestmark = pytest.mark.django_db
APPROVAL_NO = "川机管审〔2026〕第07号"
SHEETS = ("Summary", "Divisions", "Units", "Overdue cases", "Conflicts by kind", "Open conflicts")


@pytest.fixture
def data():
    return build_campaign_data()


@pytest.fixture
def signed_in(client, data):
    client.force_login(data.province_admin)
    return client


def download(client, view, **params):
    response = client.get(reverse(f"parcels:{view}"), params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return response


# -- XLSX --


def workbook(client, **params):
    response = download(client, "campaign_xlsx", **params)
    return load_workbook(io.BytesIO(response.content))


def rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_sheets_and_chinese_headers(signed_in):
    book = workbook(signed_in)
    with translation.override("zh-hans"):
        sheets = [_(title) for title in SHEETS]
    assert book.sheetnames == sheets
    assert sheets[:3] == ["汇总", "行政区划", "单位"]  # Chinese by default
    divisions = rows(book.worksheets[1])
    assert divisions[0][:2] == ["区划代码", "行政区划"]
    with translation.override("zh-hans"):
        assert divisions[0][3] == str(CaseStatus.labels[0])
    chengdu = next(row for row in divisions if row[0] == "510100")
    assert chengdu[1] == "成都市"
    assert chengdu[2] == 7  # cases
    assert chengdu[-1] == 2  # overdue


def test_xlsx_headers_follow_the_language(signed_in):
    signed_in.cookies["django_language"] = "en"
    book = workbook(signed_in)
    assert book.sheetnames[:3] == ["Summary", "Divisions", "Units"]
    assert rows(book["Divisions"])[0][:3] == ["Division code", "Division", "Cases"]


def test_xlsx_neutralises_a_formula_looking_unit_name(signed_in):
    book = workbook(signed_in)
    units = book.worksheets[2]
    cell = next(row[0] for row in units.iter_rows(min_row=2) if row[0].value == FORMULA_NAME)
    assert cell.data_type == "s"  # text, not a formula
    assert cell.quotePrefix is True
    # And the division code is a text cell, not a number Excel could reformat.
    code = next(row[1] for row in units.iter_rows(min_row=2) if row[0].value == FORMULA_NAME)
    assert code.value == "510107"
    assert code.number_format == "@"


def test_xlsx_lists_overdue_cases_and_open_conflicts(signed_in, data):
    book = workbook(signed_in)
    overdue = rows(book.worksheets[3])[1:]
    assert [row[0] for row in overdue] == [
        case.pk for case in build_campaign(data.province_admin, CampaignFilter()).overdue_cases
    ]
    assert data.late_case.pk in [row[0] for row in overdue]
    conflicts = rows(book.worksheets[5])[1:]
    assert sorted(row[2] for row in conflicts) == ["1:2", "3:4", "ZD-000009"]


def test_xlsx_is_scoped_and_filtered(client, data):
    client.force_login(data.officer_a)
    book = workbook(client, level="county", division="5101")
    units = [row[0] for row in rows(book.worksheets[2])[1:]]
    assert units == ["锦江区甲单位"]
    summary = dict((row[0], row[1]) for row in rows(book.worksheets[0]))
    with translation.override("zh-hans"):
        cases = summary[_("Cases")]
    assert cases == 4  # the officer's four cases, the secret one left out


# -- PDF --


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def test_pdf_has_title_date_approval_number_and_divisions(signed_in, tmp_path):
    response = download(signed_in, "campaign_pdf", approval_no=APPROVAL_NO)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    flat = re.sub(r"\s+", "", text)
    with translation.override("zh-hans"):
        assert re.sub(r"\s+", "", report_title()) in flat
    assert timezone.localdate().isoformat() in flat
    assert re.sub(r"\s+", "", APPROVAL_NO) in flat
    assert "成都市" in flat
    assert "绵阳市" in flat
    assert "锦江区乙单位" in flat  # an overdue case's unit, in the table


def test_pdf_embeds_noto_sans_cjk(signed_in, tmp_path):
    response = download(signed_in, "campaign_pdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    assert "Noto-Sans-CJK-SC" in fonts.stdout


def test_pdf_map_has_the_divisions_a_scale_and_an_arrow(data):
    drawing = map_svg(build_campaign(data.province_admin, CampaignFilter()))
    assert drawing.count('fill-rule="evenodd"') == 2  # 成都市 and 绵阳市
    assert 'class="scale-bar"' in drawing
    assert 'class="north-arrow"' in drawing
    assert 'class="legend"' in drawing


def test_fetcher_refuses_everything_but_our_static_files(tmp_path):
    fetcher = LocalFetcher()
    for url in (
        "http://example.invalid/style.css",
        "https://cdn.example.invalid/font.woff2",
        "ftp://example.invalid/x",
        "data:text/css,body{}",
        "file:///etc/passwd",
        (STATIC_DIR / ".." / ".." / "settings.py").as_uri(),
        "file://example.invalid/share/x.css",
    ):
        with pytest.raises(FetchRefusedError):
            fetcher.fetch(url)
    stylesheet = (STATIC_DIR / "parcels" / "css" / "report.css").as_uri()
    response = fetcher.fetch(stylesheet)
    assert response.content_type == "text/css"
    assert b"Noto Sans CJK SC" in response.read()


# -- folium map --


class References(HTMLParser):
    """Every src and href in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in {"src", "href"} and value]


def test_map_zip_is_standalone(signed_in):
    response = download(signed_in, "campaign_map")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    html = archive.read("map.html").decode("utf-8")
    parser = References()
    parser.feed(html)
    assert parser.found, "the page names its scripts and stylesheets"
    for reference in parser.found:
        assert not re.match(r"^(?:[a-z]+:)?//", reference, re.I), reference
        assert str(PurePosixPath(reference)) in names, f"{reference} is not in the zip"
    assert "http://" not in html
    assert "https://" not in html
    for cdn in ("cdn.", "jsdelivr", "cdnjs", "unpkg", "bootstrap", "jquery", "fontawesome"):
        assert cdn not in html.lower()
    # Leaflet's stylesheet names its images relative to itself: they travel too.
    css = archive.read("assets/leaflet/leaflet.css").decode("utf-8")
    for image in set(re.findall(r"url\((images/[^)]+)\)", css)):
        assert f"assets/leaflet/{image}" in names


def test_map_draws_the_divisions_with_tooltips(signed_in):
    archive = zipfile.ZipFile(io.BytesIO(download(signed_in, "campaign_map").content))
    html = archive.read("map.html").decode("utf-8")
    # folium writes the GeoJSON with ASCII escapes.
    assert json.dumps("成都市") in html
    assert json.dumps("绵阳市") in html
    assert "L.geoJson" in html or "L.geoJSON" in html
    assert "bindTooltip" in html
    assert "0–20%" in html  # the legend


def test_map_is_scoped(client, data):
    client.force_login(data.officer_a)
    archive = zipfile.ZipFile(io.BytesIO(download(client, "campaign_map", level="county").content))
    html = archive.read("map.html").decode("utf-8")
    # The officer's unit has four visible cases, all in 锦江区; 涪城区 is drawn with none.
    assert '"total": 4' in html
    assert '"total": 2' not in html
