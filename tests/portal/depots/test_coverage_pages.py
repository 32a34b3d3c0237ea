"""The coverage pages on the hand-counted world: the list and its form, an analysis' page while
it runs and once done, the status and map JSON, the downloads (XLSX, GeoPackage, the folium
zip), who may see what, and one run through the real procrastinate worker."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser

import openpyxl
import pyogrio
import pytest
from django.urls import reverse
from django.utils import translation
from procrastinate.contrib.django.models import ProcrastinateJob

from portal.depots.choices import RunStatus
from portal.depots.models import CoverageAnalysis, Depot
from portal.depots.services import coverage
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.depots import coverage_data as data
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(databases="__all__")

DOWNLOADS = ("coverage_xlsx", "coverage_gpkg", "coverage_html", "coverage_map")


def zh(text: str) -> str:
    """The Chinese a new interface string will have once translated (its msgid until then)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def world(db) -> data.World:
    return data.build_world()


@pytest.fixture
def done(world) -> CoverageAnalysis:
    analysis = data.analysis_of(world)
    coverage.run_analysis(analysis.pk, surfaces=data.surfaces())
    analysis.refresh_from_db()
    return analysis


@pytest.fixture
def officer_client(client, world):
    client.force_login(world.officer)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# -- the list and the form ----------------------------------------------------------------------


def test_list_offers_the_form_with_the_users_regions_and_defaults(officer_client, done):
    response = officer_client.get(reverse("depots:coverage_list"))
    assert response.status_code == 200
    form = response.context["form"]
    codes = {region.code for region in form.fields["region"].queryset}
    assert codes == {"510900", "510903", "510904"}
    assert form["radius_km"].value() == 50
    assert form["minutes"].value() == 60
    page = response.content.decode()
    assert done.get_absolute_url() in page
    assert 'id="coverage-form"' in page


def test_posting_the_form_starts_an_analysis_and_shows_its_page(officer_client, world):
    response = officer_client.post(
        reverse("depots:coverage_list"),
        {"name": "遂宁 50 km", "region": world.region.pk, "radius_km": "50", "minutes": "60"},
    )
    analysis = CoverageAnalysis.objects.get()
    assert response.status_code == 302
    assert response["Location"] == analysis.get_absolute_url()
    assert analysis.status == RunStatus.QUEUED
    assert ProcrastinateJob.objects.filter(task_name="depots.run_coverage").count() == 1


def test_a_bad_form_or_a_region_out_of_scope_is_refused(client, world):
    client.force_login(world.other_officer)
    url = reverse("depots:coverage_list")
    data_ = {"name": "x", "region": world.region.pk, "radius_km": "50", "minutes": "60"}
    assert client.post(url, data_).status_code == 400, "遂宁市 is not among the choices"
    assert client.post(url, {**data_, "region": world.east.pk, "minutes": "1"}).status_code == 400
    assert not CoverageAnalysis.objects.exists()


def test_a_viewer_sees_no_form_and_may_not_post(client, world):
    viewer = UserFactory(role=Role.VIEWER, unit=world.unit)
    client.force_login(viewer)
    page = client.get(reverse("depots:coverage_list"))
    assert page.status_code == 200
    assert 'id="coverage-form"' not in page.content.decode()
    data_ = {"name": "x", "region": world.region.pk, "radius_km": "50", "minutes": "60"}
    assert client.post(reverse("depots:coverage_list"), data_).status_code == 403
    assert not CoverageAnalysis.objects.exists()


# -- an analysis' page --------------------------------------------------------------------------


def test_a_queued_analysis_shows_its_progress_and_polls(officer_client, world):
    analysis = data.analysis_of(world)
    page = officer_client.get(analysis.get_absolute_url()).content.decode()
    assert 'id="coverage-progress"' in page
    assert "core/js/progress.js" in page
    assert reverse("depots:coverage_status", args=[analysis.pk]) in page
    status = officer_client.get(reverse("depots:coverage_status", args=[analysis.pk])).json()
    assert status == {
        "id": analysis.pk,
        "status": "queued",
        "label": zh("queued"),
        "progress": 0,
        "message": "",
        "running": True,
        "error": "",
    }
    for name in DOWNLOADS:
        assert officer_client.get(reverse(f"depots:{name}", args=[analysis.pk])).status_code == 404


def test_a_done_analysis_shows_figures_tables_map_and_downloads(officer_client, done):
    response = officer_client.get(done.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "core/js/progress.js" not in page
    assert re.search(r'data-figure="population">2,?000<', page)
    assert re.search(r'data-figure="covered_time">40.0%<', page)
    assert re.search(r'data-figure="covered_radius">90.0%<', page)
    assert 'data-coverage-map="coverage-map-config"' in page
    assert 'id="coverage-map-config"' in page
    for name in DOWNLOADS[:3]:
        assert reverse(f"depots:{name}", args=[done.pk]) in page
    assert [row.division.code for row in response.context["counties"]] == ["510903", "510904"]
    assert "基本生活保障物资" in page


def test_the_county_table_sorts_by_uncovered_or_by_code(officer_client, done):
    url = done.get_absolute_url()
    by_share = officer_client.get(url, {"order": "share"}).context["counties"]
    assert [row.division.code for row in by_share] == ["510903", "510904"]
    by_code = officer_client.get(url, {"order": "code"}).context["counties"]
    assert [row.uncovered_people for row in by_code] == [pytest.approx(1200), 0]
    unknown = officer_client.get(url, {"order": "drop table"})
    assert unknown.context["order"] == "uncovered"


def test_a_failed_analysis_shows_its_error(officer_client, world):
    analysis = data.analysis_of(world)
    CoverageAnalysis.objects.filter(pk=analysis.pk).update(
        status=RunStatus.FAILED, error="磁盘已满"
    )
    page = officer_client.get(analysis.get_absolute_url()).content.decode()
    assert 'id="coverage-failure"' in page
    assert "磁盘已满" in page


def test_map_json_holds_the_areas_gaps_and_depots(officer_client, done):
    layers = officer_client.get(reverse("depots:coverage_map", args=[done.pk])).json()
    assert {name: len(layer["features"]) for name, layer in layers.items()} == {
        "time": 3,
        "radius": 3,
        "gaps": 1,
        "depots": 3,
    }
    gap = layers["gaps"]["features"][0]
    assert gap["properties"] == {"label": "船山区", "uncovered": 1200}
    assert gap["geometry"]["type"] == "MultiPolygon"
    depot = next(f for f in layers["depots"]["features"] if "P号" in f["properties"]["label"])
    assert depot["properties"]["time"] == 500
    assert depot["properties"]["radius"] == 1500
    assert depot["properties"]["url"] == Depot.objects.get(code="YJ-P").get_absolute_url()


# -- downloads ----------------------------------------------------------------------------------


def test_xlsx_holds_summary_counties_depots_and_supplies(officer_client, done):
    response = officer_client.get(reverse("depots:coverage_xlsx", args=[done.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert book.sheetnames == [zh("Summary"), zh("Counties"), zh("Depots"), zh("Supplies")]
    summary = {row[0]: row[1] for row in book[zh("Summary")].iter_rows(values_only=True)}
    assert summary[zh("Population")] == 2000
    assert summary[zh("Covered by travel time")] == 800
    counties = list(book[zh("Counties")].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2], row[5], row[7]) for row in counties] == [
        ("510903", 1200, 0, 1200),
        ("510904", 800, 800, 0),
    ]
    depots = {row[0]: row[6] for row in book[zh("Depots")].iter_rows(min_row=2, values_only=True)}
    assert depots == {"YJ-P": 500, "YJ-Q": 500, "YJ-M": 300}
    supplies = list(book[zh("Supplies")].iter_rows(min_row=2, values_only=True))
    assert ("1000000", 1, "基本生活保障物资", "顶", 150, 800, 187.5) in supplies


def test_geopackage_has_the_three_layers_in_cgcs2000(officer_client, done, tmp_path):
    response = officer_client.get(reverse("depots:coverage_gpkg", args=[done.pk]))
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    path = tmp_path / "coverage.gpkg"
    path.write_bytes(body(response))
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert layers == {"service_areas": "MultiPolygon", "gaps": "MultiPolygon", "depots": "Point"}
    areas = pyogrio.read_dataframe(path, layer="service_areas")
    assert areas.crs.to_epsg() == 4490
    assert sorted(areas["measure"]) == ["minutes"] * 3 + ["radius"] * 3
    gaps = pyogrio.read_dataframe(path, layer="gaps")
    assert list(gaps["code"]) == ["510903"]
    assert list(gaps["uncovered"]) == [pytest.approx(1200)]


class References(HTMLParser):
    """Every src and href in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in {"src", "href"} and value]


def test_folium_map_names_only_files_inside_its_zip(officer_client, done):
    response = officer_client.get(reverse("depots:coverage_html", args=[done.pk]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    html = archive.read("map.html").decode("utf-8")
    parser = References()
    parser.feed(html)
    assert parser.found, "the page names Leaflet's files"
    for reference in parser.found:
        assert not re.match(r"(?i)^(https?:)?//", reference), reference
        assert reference in archive.namelist(), reference
    assert not re.search(r"(?i)https?://[^\"' ]+\.(js|css)", html)
    assert "船山区" in html or "\\u8239\\u5c71\\u533a" in html
    assert "L.control.layers" in html


# -- who may see what ---------------------------------------------------------------------------


def test_another_countys_officer_neither_sees_nor_downloads_it(client, world, done):
    client.force_login(world.other_officer)
    assert done.name not in client.get(reverse("depots:coverage_list")).content.decode()
    assert client.get(done.get_absolute_url()).status_code == 404
    for name in ("coverage_status", *DOWNLOADS):
        assert client.get(reverse(f"depots:{name}", args=[done.pk])).status_code == 404


def test_a_province_administrator_sees_it(client, world, done):
    client.force_login(UserFactory(role=Role.PROVINCE_ADMIN))
    assert client.get(done.get_absolute_url()).status_code == 200


def test_pages_need_a_sign_in(client, done):
    assert client.get(reverse("depots:coverage_list")).status_code == 302
    assert client.get(done.get_absolute_url()).status_code == 302
    assert client.get(reverse("depots:coverage_status", args=[done.pk])).status_code == 403


# -- the worker ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_procrastinate_worker_runs_a_started_analysis(world, empty_queue, monkeypatch):
    monkeypatch.setattr(coverage, "load_surfaces", data.surfaces)
    terms = {"region": world.region, "radius_km": data.RADIUS_KM, "minutes": data.MINUTES}
    analysis = coverage.start_analysis(name="遂宁", **terms, by=world.officer)
    run_worker("analysis")
    analysis.refresh_from_db()
    assert analysis.status == RunStatus.DONE, analysis.error
    assert analysis.covered_time == pytest.approx(800)
    assert analysis.progress == 1.0
    assert ProcrastinateJob.objects.get().status == "succeeded"
