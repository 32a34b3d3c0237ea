"""``manage.py site_depots``: the same runs from the command line, printed as text or as one JSON
document, stored only with ``--save``, with clear errors for bad input."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from portal.depots.models import ScenarioSite, SitingScenario
from portal.depots.services import siting
from portal.org.choices import Role
from tests.factories import DepotFactory, UnitFactory, UserFactory, division
from tests.portal.depots.scenario_data import SYNTHETIC, TOTAL, village

pytestmark = pytest.mark.django_db(databases="__all__")

VILLAGES = [arg for name in "ABCD" for arg in ("--site", "{},{}".format(*village(name)))]
ONLY_DRAWN = ["--no-county-seats", "--no-idle-buildings", "--region", "510100", "--grid-km", "1"]


@pytest.fixture(autouse=True)
def synthetic(monkeypatch):
    """The command reads the surfaces the service is given: the tiny world here."""
    division("510100")
    monkeypatch.setattr(siting.instance, "SURFACES", SYNTHETIC)


def run(*args: str) -> str:
    out = StringIO()
    call_command("site_depots", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_json_is_one_document_with_inputs_results_and_sites():
    lon, lat = village("C")
    DepotFactory(managing_unit=UnitFactory(division_code="510104"), geom=Point(lon, lat, srid=4490))
    out = run(
        "--model",
        "mclp",
        "--p",
        "2",
        "--radius-km",
        "10",
        *ONLY_DRAWN,
        *VILLAGES,
        "--format",
        "json",
    )
    document = json.loads(out)
    assert document["scenario"] is None
    assert document["inputs"]["model"] == "mclp"
    assert document["inputs"]["p"] == 2
    assert document["inputs"]["radius_km"] == 10
    assert document["inputs"]["minutes"] is None
    results = document["results"]
    assert results["solver_status"] == "optimal"
    assert results["objective"] == pytest.approx(1900)
    assert results["gap"] == pytest.approx(0, abs=1e-6)
    assert results["coverage_percent"] == pytest.approx(95)
    assert results["total_population"] == pytest.approx(TOTAL)
    assert (results["new_sites"], results["existing_kept"]) == (2, 1)
    assert results["unit"] == "km"
    assert results["worst"] == pytest.approx(48, abs=1.5)
    sites = document["sites"]
    assert [(s["new"], s["people_served"]) for s in sites] == [
        (True, 1000),
        (True, 600),
        (False, 300),
    ]
    assert sites[0]["source"] == "drawn"
    assert sites[2]["source"] == "existing"
    assert not SitingScenario.objects.exists(), "nothing is stored without --save"


def test_text_names_status_objective_gap_coverage_and_sites():
    out = run("--model", "pmedian", "--p", "1", "--minutes", "15", *ONLY_DRAWN, *VILLAGES)
    lines = out.splitlines()
    assert lines[0].startswith("Model: pmedian, p = 1, within 15 min, 1 km grid, 成都市 (510100)")
    assert lines[2].startswith("Solver: optimal, objective ")
    assert "gap 0.0000%" in lines[2]
    assert lines[3].startswith("Coverage: 50.00% (1,000 of 2,000 people)")
    assert "min" in lines[4]
    assert lines[5] == "Sites: 1 new, 0 existing kept"
    assert lines[6].split()[:2] == ["new", "drawn"]
    assert lines[6].split()[2:4] == ["103.800000", "30.900000"]
    assert lines[-1].endswith("not saved")


def test_lscp_needs_no_p():
    out = run("--model", "lscp", "--radius-km", "10", *ONLY_DRAWN, *VILLAGES, "--format", "json")
    results = json.loads(out)["results"]
    assert results["objective"] == 4
    assert results["new_sites"] == 4


def test_save_stores_the_scenario_as_the_users_unit():
    user = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))
    out = run(
        "--model",
        "mclp",
        "--p",
        "1",
        "--radius-km",
        "10",
        *ONLY_DRAWN,
        *VILLAGES,
        "--save",
        "--user",
        user.username,
        "--name",
        "命令行方案",
        "--format",
        "json",
    )
    document = json.loads(out)
    scenario = SitingScenario.objects.get()
    assert document["scenario"] == scenario.pk
    assert scenario.name == "命令行方案"
    assert scenario.unit == user.unit
    assert scenario.status == "done"
    assert scenario.covered_population == pytest.approx(1000)
    assert ScenarioSite.objects.filter(scenario=scenario).count() == 1
    assert document["results"]["coverage_percent"] == pytest.approx(50)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "mclp", "--radius-km", "10"], "needs --p N"),
        (["--model", "mclp", "--p", "1", "--radius-km", "10", "--region", "999999"], "999999"),
        (["--model", "mclp", "--p", "1", "--radius-km", "10", "--site", "x,y"], "--site"),
        (["--model", "lscp", "--radius-km", "10", "--save"], "--user"),
        (["--model", "lscp", "--radius-km", "10", "--user", "nobody"], "nobody"),
        (["--model", "mclp", "--p", "9", "--radius-km", "10", *ONLY_DRAWN, *VILLAGES], "new sites"),
        (["--model", "mclp", "--p", "1", "--radius-km", "10", "--grid-km", "0"], "grid"),
    ],
)
def test_bad_input_is_a_clear_command_error(args, message, english):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not SitingScenario.objects.exists()


def test_radius_and_minutes_exclude_each_other():
    with pytest.raises(CommandError, match="not allowed with"):
        run("--model", "lscp", "--radius-km", "10", "--minutes", "30")
