"""Hazard weights: the MCLP prefers people in an (illustrative) hazard zone, figures stay people.

Two villages of the tiny world: X (1,010 people) and Y (1,000 people), ≈ 69 km apart, each a
drawn candidate; a hand-made zone of weight 2 holds Y only. Unweighted, p = 1 opens X (10 more
people); hazard-weighted, Y counts 2,000 and wins, yet the scenario still reports 1,000 people.
"""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from shapely.geometry import box

from gis.hazard import zone_weights
from gis.surfaces import Surface
from portal.depots.choices import RunStatus
from portal.depots.exceptions import AnalysisInputError
from portal.depots.services import siting
from portal.depots.services.siting import Surfaces
from portal.org.choices import Role
from tests.factories import UnitFactory, UserFactory, division
from tests.portal.depots import scenario_data
from tests.portal.depots.scenario_data import drawn_scenario

pytestmark = pytest.mark.django_db(databases="__all__")

X, Y = scenario_data.village("A"), scenario_data.village("B")
PEOPLE = {X: 1010.0, Y: 1000.0}


def population() -> Surface:
    surface = scenario_data.population()
    values = np.zeros(surface.shape)
    for (lon, lat), people in PEOPLE.items():
        rows, cols = surface.rowcol(lon, lat)
        values[int(rows), int(cols)] = people
    return Surface(values, surface.transform, surface.crs)


def hazard(surface: Surface) -> np.ndarray:
    """Weight 2 in a 0.05° box around Y, 1 elsewhere."""
    zone = box(Y[0] - 0.05, Y[1] - 0.05, Y[0] + 0.05, Y[1] + 0.05)
    return zone_weights([zone], [2.0], surface)


WORLD = Surfaces(population=population, travel_cost=scenario_data.travel_cost, hazard=hazard)


@pytest.fixture
def planner(db):
    return UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))


def run(planner, **inputs):
    made = drawn_scenario(planner, drawn_sites=[X, Y], **inputs)
    siting.run_scenario(made.pk, sources=WORLD)
    made.refresh_from_db()
    assert made.status == RunStatus.DONE, made.error
    return made


def opened(made) -> list[tuple[float, float]]:
    return [(round(s.geom.x, 6), round(s.geom.y, 6)) for s in made.sites.all()]


def test_without_hazard_weights_the_mclp_opens_the_larger_village(planner):
    made = run(planner)
    assert opened(made) == [X]
    assert made.covered_population == pytest.approx(1010)
    assert made.total_population == pytest.approx(2010)


def test_hazard_weights_open_the_village_in_the_zone_and_keep_people_counts(planner):
    made = run(planner, weight_by_hazard=True)
    assert opened(made) == [Y]
    assert made.objective == pytest.approx(2000)  # the solver weighed Y's people twice
    assert made.covered_population == pytest.approx(1000)  # but stores people
    assert made.total_population == pytest.approx(2010)
    assert made.sites.get().population_served == pytest.approx(1000)


def test_pmedian_weighs_people_by_hazard_too(planner):
    # p-median cost: the site at X leaves Y's people ≈ 69 km away, and vice versa; weighted,
    # leaving Y's 2,000 weighted people far costs more than X's 1,010.
    assert opened(run(planner, model="pmedian")) == [X]
    assert opened(run(planner, model="pmedian", weight_by_hazard=True)) == [Y]


def test_hazard_weights_and_capacities_are_refused(planner, english):
    with pytest.raises(AnalysisInputError, match="capacities"):
        drawn_scenario(planner, drawn_sites=[X, Y], weight_by_hazard=True, use_capacities=True)


def test_the_command_flag_weighs_by_hazard(planner, monkeypatch):
    division("510100")
    monkeypatch.setattr(siting.instance, "SURFACES", WORLD)
    args = ["--model", "mclp", "--p", "1", "--radius-km", "10", "--region", "510100"]
    args += ["--grid-km", "1", "--no-county-seats", "--no-idle-buildings", "--no-keep-existing"]
    args += [arg for site in (X, Y) for arg in ("--site", "{},{}".format(*site))]

    def document(*extra: str) -> dict:
        out = StringIO()
        call_command("site_depots", *args, *extra, "--format", "json", stdout=out)
        return json.loads(out.getvalue())

    plain, weighted = document(), document("--hazard-weights")
    assert plain["inputs"]["hazard_weights"] is False
    assert weighted["inputs"]["hazard_weights"] is True
    assert [s["people_served"] for s in plain["sites"]] == [1010]
    assert [s["people_served"] for s in weighted["sites"]] == [1000]
    assert weighted["results"]["covered_population"] == pytest.approx(1000)
    assert weighted["results"]["objective"] == pytest.approx(2000)
