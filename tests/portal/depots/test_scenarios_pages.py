"""Siting scenario pages: the list with its new-scenario form, a scenario's page while queued
and once done, the status JSON, the side-by-side comparison, the three exports, and who sees
what."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import PurePosixPath

import openpyxl
import pyogrio
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from procrastinate.contrib.django.models import ProcrastinateJob

from portal.depots.choices import RunStatus
from portal.depots.models import SitingScenario
from portal.depots.services import siting
from portal.org.choices import Role
from tests.factories import UnitFactory, UserFactory, division
from tests.portal.depots.scenario_data import SYNTHETIC, drawn_scenario

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def planner(db):
    return UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))


@pytest.fixture
def signed_in(client, planner):
    client.force_login(planner)
    return client


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def make(planner, *, run: bool = True, **inputs) -> SitingScenario:
    scenario = drawn_scenario(planner, **({"name": "方案"} | inputs))
    if run:
        siting.run_scenario(scenario.pk, sources=SYNTHETIC)
        scenario.refresh_from_db()
    return scenario


class Scripts(HTMLParser):
    """Every script element: its src, or its type when it has none."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.found.append(dict(attrs))


def no_inline_script(page: str) -> None:
    parser = Scripts()
    parser.feed(page)
    for script in parser.found:
        assert script.get("src") or script.get("type") == "application/json", script


# -- the list and the form -------------------------------------------------------------------------


def form_data(**fields):
    data = {
        "name": "页面方案",
        "region": division("510100").pk,
        "model": "mclp",
        "p": "2",
        "radius_km": "10",
        "minutes": "",
        "grid_km": "1",
        "keep_existing": "on",
        "drawn_sites": "103.8,30.9\n104.3，30.45\n",
        "time_limit_s": "30",
    }
    return {**data, **fields}


def test_the_form_creates_a_queued_scenario(signed_in, planner):
    response = signed_in.post(reverse("depots:scenario_list"), form_data())
    scenario = SitingScenario.objects.get()
    assert response.status_code == 302
    assert response["Location"] == scenario.get_absolute_url()
    assert scenario.status == RunStatus.QUEUED
    assert scenario.unit == planner.unit
    assert [p.coords for p in scenario.drawn_sites] == [(103.8, 30.9), (104.3, 30.45)]
    assert (scenario.p, float(scenario.radius_km), scenario.keep_existing) == (2, 10.0, True)
    assert not scenario.use_county_seats
    assert not scenario.use_capacities
    assert ProcrastinateJob.objects.filter(task_name="depots.run_scenario").count() == 1


@pytest.mark.parametrize(
    ("fields", "message", "values"),
    [
        ({"minutes": "30"}, "Give either a radius in km or a travel time in minutes.", {}),
        ({"p": ""}, "Give the number of new sites (p) for this model.", {}),
        (
            {"drawn_sites": "104.0 30.6 5"},
            "Line %(line)d: write a site as “longitude,latitude”, e.g. 104.06,30.66.",
            {"line": 1},
        ),
        (
            {"drawn_sites": "200,30"},
            "Line %(line)d: a longitude lies within ±180 and a latitude within ±90.",
            {"line": 1},
        ),
        (
            {"drawn_sites": "110,20"},
            "These drawn sites lie outside the region: %(sites)s.",
            {"sites": "110.000000,20.000000"},
        ),
    ],
)
def test_bad_input_comes_back_with_the_reason(signed_in, fields, message, values):
    response = signed_in.post(reverse("depots:scenario_list"), form_data(**fields))
    assert response.status_code == 400
    expected = zh(message) % values if values else zh(message)
    assert escape(expected) in response.content.decode()
    assert not SitingScenario.objects.exists()


def test_a_viewer_sees_the_list_but_may_not_create(client):
    viewer = UserFactory(role=Role.VIEWER, unit=UnitFactory(division_code="510100"))
    client.force_login(viewer)
    page = client.get(reverse("depots:scenario_list")).content.decode()
    assert 'id="scenario-form"' not in page
    response = client.post(reverse("depots:scenario_list"), form_data())
    assert response.status_code == 403
    assert not SitingScenario.objects.exists()


def test_the_list_offers_each_scenario_for_comparison(signed_in, planner):
    first, second = make(planner, p=1), make(planner, p=2)
    response = signed_in.get(reverse("depots:scenario_list"))
    page = response.content.decode()
    assert f'action="{reverse("depots:scenario_compare")}"' in page
    for scenario in (first, second):
        assert f'name="ids" value="{scenario.pk}"' in page
        assert scenario.get_absolute_url() in page
    assert 'data-scenario-draw="scenario-draw-data"' in page
    no_inline_script(page)


# -- a scenario's page ---------------------------------------------------------------------------


def test_a_queued_scenario_shows_its_progress_and_polls(signed_in, planner):
    scenario = make(planner, run=False)
    page = signed_in.get(scenario.get_absolute_url()).content.decode()
    assert 'data-running="true"' in page
    assert "core/js/progress.js" in page
    assert reverse("depots:scenario_status", args=[scenario.pk]) in page
    assert "<progress" in page
    no_inline_script(page)
    status = signed_in.get(reverse("depots:scenario_status", args=[scenario.pk])).json()
    assert status["status"] == "queued"
    assert status["running"] is True
    assert {"progress", "message", "label", "error"} <= set(status)


def test_a_done_scenario_shows_results_sites_and_map(signed_in, planner):
    scenario = make(planner, p=2)
    response = signed_in.get(scenario.get_absolute_url())
    page = response.content.decode()
    assert 'data-running="false"' in page
    assert "core/js/progress.js" not in page
    assert 'data-figure="coverage">80.0%' in page  # (1,000 + 600) of 2,000
    assert 'data-figure="solver_status">optimal' in page
    assert page.count('<tr data-site="') == 2
    assert 'data-scenario-map="scenario-map-data"' in page
    data = response.context["map_data"]
    assert len(data["new"]) == 2
    assert data["existing"] == []
    assert data["region"]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    for name in ("scenario_xlsx", "scenario_gpkg", "scenario_html"):
        assert reverse(f"depots:{name}", args=[scenario.pk]) in page
    no_inline_script(page)
    status = signed_in.get(reverse("depots:scenario_status", args=[scenario.pk])).json()
    assert status == {**status, "status": "done", "running": False, "progress": 1.0}


def test_a_failed_scenario_shows_why(signed_in):
    province = UserFactory(role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510100"))
    scenario = make(province, region=division("510700"), drawn_sites=[(104.7, 31.5)])
    signed_in.force_login(province)
    page = signed_in.get(scenario.get_absolute_url()).content.decode()
    assert 'id="scenario-failure"' in page
    assert scenario.error in page


# -- comparing ---------------------------------------------------------------------------------


def test_compare_puts_scenarios_side_by_side(signed_in, planner):
    one = make(planner, p=1, name="一个点")
    two = make(planner, p=2, name="两个点", radius_km=None, minutes=15)
    url = reverse("depots:scenario_compare")
    response = signed_in.get(f"{url}?ids={two.pk},{one.pk}")
    assert response.status_code == 200
    assert [s.pk for s, _ in response.context["columns"]] == [two.pk, one.pk]
    page = response.content.decode()
    coverage = re.search(r'<tr data-row="coverage">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">([\d.]+)%<", coverage) == ["80.0", "50.0"]
    new_sites = re.search(r'<tr data-row="new_sites">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', new_sites) == ["2", "1"]
    worst = re.search(r'<tr data-row="worst">(.*?)</tr>', page, re.S).group(1)
    assert zh("min") in worst
    assert zh("km") in worst
    gap = re.search(r'<tr data-row="gap">(.*?)</tr>', page, re.S).group(1)
    assert gap.count("0.00%") == 2
    # The list's checkboxes send ?ids=1&ids=2: the same page.
    again = signed_in.get(url, {"ids": [str(two.pk), str(one.pk)]})
    assert [s.pk for s, _ in again.context["columns"]] == [two.pk, one.pk]


def test_compare_refuses_what_is_not_a_number(signed_in):
    response = signed_in.get(reverse("depots:scenario_compare") + "?ids=1,x")
    assert response.status_code == 400


# -- exports -------------------------------------------------------------------------------------


def download(client, name, scenario):
    response = client.get(reverse(f"depots:{name}", args=[scenario.pk]))
    assert response.status_code == 200, response
    assert "attachment" in response["Content-Disposition"]
    content = getattr(response, "streaming_content", None)
    return b"".join(content) if content is not None else response.content


def test_xlsx_holds_inputs_results_and_sites(signed_in, planner):
    scenario = make(planner, p=2)
    book = openpyxl.load_workbook(io.BytesIO(download(signed_in, "scenario_xlsx", scenario)))
    assert len(book.sheetnames) == 3
    inputs, results, sites = book.worksheets
    values = {row[0]: row[1] for row in inputs.iter_rows(values_only=True)}
    assert scenario.name in values.values()
    assert zh("%(km)s km") % {"km": "10"} in values.values()
    figures = [row[1] for row in results.iter_rows(values_only=True)]
    assert "optimal" in figures
    assert 1600 in figures
    assert 2000 in figures
    assert pytest.approx(0.8) in figures
    rows = list(sites.iter_rows(values_only=True))
    assert len(rows) == 3  # the header and two sites
    assert sorted(round(row[5]) for row in rows[1:]) == [600, 1000]


def test_geopackage_holds_the_sites_in_cgcs2000(signed_in, planner, tmp_path):
    scenario = make(planner, p=2)
    path = tmp_path / "scenario.gpkg"
    path.write_bytes(download(signed_in, "scenario_gpkg", scenario))
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert layers == {"sites": "Point", "scenario": None}
    info = pyogrio.read_info(path, layer="sites")
    assert info["crs"] == "EPSG:4490"
    assert info["features"] == 2
    frame = pyogrio.read_dataframe(path, layer="sites")
    assert sorted(round(v) for v in frame["people_served"]) == [600, 1000]
    assert set(frame["source"]) == {"drawn"}
    table = pyogrio.read_dataframe(path, layer="scenario")
    assert table.loc[0, "solver_status"] == "optimal"
    assert table.loc[0, "region_code"] == "510100"


class References(HTMLParser):
    """Every src and href in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in {"src", "href"} and value]


def test_folium_map_names_only_files_inside_its_zip(signed_in, planner):
    scenario = make(planner, p=2)
    archive = zipfile.ZipFile(io.BytesIO(download(signed_in, "scenario_html", scenario)))
    names = set(archive.namelist())
    html = archive.read("map.html").decode("utf-8")
    parser = References()
    parser.feed(html)
    assert parser.found
    for reference in parser.found:
        assert not re.match(r"^(?:[a-z]+:)?//", reference, re.I), reference
        assert str(PurePosixPath(reference)) in names, reference
    assert "http://" not in html
    assert "https://" not in html
    for cdn in ("cdn.", "jsdelivr", "cdnjs", "unpkg", "bootstrap", "jquery", "fontawesome"):
        assert cdn not in html.lower()
    assert html.count("L.circleMarker") == 2
    # A site's label is stored in the language of the run, so compare with what was stored.
    labels = [site.label for site in scenario.sites.filter(is_new=True)]
    assert len(labels) == 2
    assert all(labels)
    for label in labels:
        assert label in html, label


def test_exports_of_an_unfinished_scenario_are_404(signed_in, planner):
    scenario = make(planner, run=False)
    for name in ("scenario_xlsx", "scenario_gpkg", "scenario_html"):
        assert signed_in.get(reverse(f"depots:{name}", args=[scenario.pk])).status_code == 404


# -- who sees what -------------------------------------------------------------------------------


def test_another_countys_officer_sees_nothing_of_the_scenario(client):
    mine = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510104"))
    scenario = make(mine, region=division("510104"), drawn_sites=[(104.08, 30.63)])
    stranger = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510107"))
    client.force_login(stranger)
    for name in ("scenario_detail", "scenario_status", "scenario_xlsx", "scenario_gpkg"):
        assert client.get(reverse(f"depots:{name}", args=[scenario.pk])).status_code == 404
    assert client.get(reverse("depots:scenario_html", args=[scenario.pk])).status_code == 404
    listing = client.get(reverse("depots:scenario_list")).content.decode()
    assert scenario.get_absolute_url() not in listing
    compare = client.get(reverse("depots:scenario_compare") + f"?ids={scenario.pk}")
    assert compare.context["columns"] == []
    # Nor may the stranger plan for the other county.
    response = client.post(
        reverse("depots:scenario_list"),
        form_data(region=division("510104").pk, drawn_sites="104.08,30.63"),
    )
    assert response.status_code == 400  # the region is not among the form's choices
    assert SitingScenario.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, planner):
    scenario = make(planner, run=False)
    response = client.get(scenario.get_absolute_url())
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert client.get(reverse("depots:scenario_status", args=[scenario.pk])).status_code == 403
