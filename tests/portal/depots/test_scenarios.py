"""Siting scenarios in the service: each model on the tiny world of :mod:`scenario_data` with its
hand-computed optimum, existing depots fixed and not counted in p, where candidates come from,
what a stored scenario keeps, failures that save nothing, and who may plan where."""

from __future__ import annotations

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from portal.assets.models import SpaceListing
from portal.depots.choices import RunStatus, SiteSource
from portal.depots.exceptions import AnalysisInputError, DepotForbiddenError
from portal.depots.models import ScenarioSite, SitingScenario
from portal.depots.services import siting
from portal.depots.services.siting import instance
from portal.org.choices import Role
from portal.org.models import Unit
from tests.factories import (
    BuildingFactory,
    DepotFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    centre,
    division,
)
from tests.portal.depots.scenario_data import SYNTHETIC, TOTAL, VILLAGES, drawn_scenario, village

pytestmark = pytest.mark.django_db(databases="__all__")

ALL_VILLAGES = [village(name) for name in "ABCD"]


@pytest.fixture
def planner(db):
    """The city's administrator: plans for Chengdu and anything below it."""
    return UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))


@pytest.fixture
def chengdu(db):
    return division("510100")


def depot_at(name: str, **fields):
    lon, lat = village(name)
    unit = UnitFactory(division_code="510104")
    from django.contrib.gis.geos import Point

    return DepotFactory(managing_unit=unit, geom=Point(lon, lat, srid=4490), **fields)


def scenario(planner, chengdu, **inputs):
    return drawn_scenario(planner, **({"region": chengdu} | inputs))


def run(made: SitingScenario) -> SitingScenario:
    siting.run_scenario(made.pk, sources=SYNTHETIC)
    made.refresh_from_db()
    return made


def chosen(made: SitingScenario) -> set[str]:
    """Which villages the open sites stand on."""
    at = {village(name): name for name in VILLAGES}
    return {at[(round(s.geom.x, 6), round(s.geom.y, 6))] for s in made.sites.all()}


# -- each model's known optimum ------------------------------------------------------------------


def test_mclp_opens_the_most_populous_village(planner, chengdu):
    made = run(scenario(planner, chengdu, p=1))
    assert made.status == RunStatus.DONE, made.error
    assert made.solver_status == "optimal"
    assert chosen(made) == {"A"}
    assert made.objective == pytest.approx(1000)
    assert made.gap == pytest.approx(0, abs=1e-6)
    assert made.covered_population == pytest.approx(1000)
    assert made.total_population == pytest.approx(TOTAL)
    assert made.coverage_share == pytest.approx(0.5)
    # The farthest village (B) is the diagonal away from A, ≈ 69 km.
    assert made.worst_km == pytest.approx(69, abs=1.5)
    assert made.mean_minutes is None
    assert made.worst_minutes is None
    site = made.sites.get()
    assert site.is_new
    assert site.source == SiteSource.DRAWN
    assert site.population_served == pytest.approx(1000)


def test_existing_depots_are_fixed_and_not_counted_in_p(planner, chengdu):
    existing = depot_at("C")
    made = run(scenario(planner, chengdu, p=2, keep_existing=True))
    assert chosen(made) == {"A", "B", "C"}
    kept = made.sites.get(is_new=False)
    assert kept.source == SiteSource.EXISTING
    assert kept.depot == existing
    assert kept.population_served == pytest.approx(300)
    assert made.sites.filter(is_new=True).count() == 2
    assert made.covered_population == pytest.approx(1900)


def test_without_keeping_existing_depots_the_run_plans_from_scratch(planner, chengdu):
    depot_at("C")
    made = run(scenario(planner, chengdu, p=2, keep_existing=False))
    assert chosen(made) == {"A", "B"}
    assert not made.sites.filter(source=SiteSource.EXISTING).exists()


def test_lscp_finds_the_fewest_new_sites(planner, chengdu):
    depot_at("C")
    made = run(scenario(planner, chengdu, model="lscp", p=None, keep_existing=True))
    assert made.p is None
    assert made.solver_status == "optimal"
    assert made.objective == pytest.approx(3)
    assert chosen(made) == {"A", "B", "C", "D"}
    assert made.coverage_share == pytest.approx(1)


def test_pmedian_minimises_people_times_distance(planner, chengdu):
    made = run(scenario(planner, chengdu, model="pmedian", p=1))
    assert chosen(made) == {"A"}
    assert made.objective / 1000 == pytest.approx(61_800, rel=0.02)  # person-metres
    # Everyone is assigned to the one site; only its own village is within 10 km.
    assert made.sites.get().population_served == pytest.approx(TOTAL)
    assert made.covered_population == pytest.approx(1000)
    assert made.mean_km == pytest.approx(61_800 / TOTAL, rel=0.02)


def test_travel_time_coverage_and_times(planner, chengdu):
    made = run(scenario(planner, chengdu, p=1, radius_km=None, minutes=15))
    assert chosen(made) == {"A"}
    assert made.covered_population == pytest.approx(1000)
    assert made.mean_km is None
    # Flat ground at 60 km/h: the diagonal village is ≈ 69 minutes away, a little more on
    # the 8-connected grid.
    assert 65 < made.worst_minutes < 80
    assert made.mean_minutes < made.worst_minutes


def test_capacities_limit_what_a_site_serves(planner, chengdu, monkeypatch):
    # A new site provides for 700 people: A's 1,000 cannot all be served by one site.
    monkeypatch.setattr(instance, "NEW_SITE_CAPACITY_M3", 700 / instance.RESIDENTS_PER_M3)
    sites = [village("A"), village("A"), village("B")]
    made = run(scenario(planner, chengdu, p=2, use_capacities=True, drawn_sites=sites))
    assert made.status == RunStatus.DONE, made.error
    # Two sites at A serve all 1,000 (700 + 300); one at A and B serve 700 + 600 = 1,300.
    assert made.covered_population == pytest.approx(1300)
    assert chosen(made) == {"A", "B"}


# -- candidates ------------------------------------------------------------------------------------


def test_county_seats_are_the_county_governments_or_an_inner_point(planner, chengdu):
    city = UnitFactory(division_code="510100")
    government = UnitFactory(division_code="510104", parent=city)
    UnitFactory(division_code="510104", parent=government)  # a bureau: not the seat
    division("510107")
    made = scenario(planner, chengdu, use_county_seats=True, drawn_sites=[])
    seats = {c.label: c for c in siting.county_seats(made, planner)}
    assert set(seats) == {"锦江区", "武侯区"}
    jinjiang = seats["锦江区"]
    assert (jinjiang.lon, jinjiang.lat) == government.location.coords
    assert jinjiang.division_id == division("510104").pk
    # 武侯区 has no government unit: the point inside its boundary.
    wuhou = seats["武侯区"]
    assert division("510107").geom.covers(
        centre("510107").__class__(wuhou.lon, wuhou.lat, srid=4490)
    )


def test_idle_buildings_are_those_offering_space_in_the_warehouse(planner, chengdu):
    unit = UnitFactory(division_code="510107")
    offering = BuildingFactory(managing_unit=unit)
    BuildingFactory(managing_unit=unit)  # nothing on offer
    SpaceListing.objects.create(building=offering, usable_area_m2=300, share_prefix="51")
    made = scenario(planner, chengdu, use_idle_buildings=True, drawn_sites=[])
    found = siting.idle_buildings(made, planner)
    assert [c.building_id for c in found] == [offering.pk]
    assert found[0].source == SiteSource.IDLE_BUILDING


def test_parcels_give_their_inner_points(planner, chengdu):
    parcel = ParcelFactory(holder=UnitFactory(division_code="510104"))
    made = scenario(planner, chengdu, use_parcels=True, drawn_sites=[])
    [found] = siting.parcels(made, planner)
    assert found.parcel_id == parcel.pk
    assert found.label == parcel.registry_no
    assert parcel.geom.covers(centre("510104").__class__(found.lon, found.lat, srid=4490))


def test_candidates_are_read_in_the_creators_scope(chengdu):
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=UnitFactory(division_code="510104"))
    other = depot_at("C")  # managed by another unit of 锦江区
    own = DepotFactory(managing_unit=officer.unit)
    made = siting.prepare_scenario(
        region=division("510104"),
        by=officer,
        name="x",
        model="mclp",
        p=1,
        radius_km=10,
        grid_km=1,
        drawn_sites=[],
    )
    assert [c.depot_id for c in siting.existing_depots(made, officer)] == [own.pk]
    assert other.pk not in [c.depot_id for c in siting.existing_depots(made, officer)]


# -- a stored scenario ----------------------------------------------------------------------------


def test_creating_queues_the_run_and_inputs_round_trip(planner, chengdu):
    made = scenario(
        planner,
        chengdu,
        model="pmedian",
        p=2,
        radius_km=12.5,
        grid_km=2,
        time_limit_s=30,
        use_capacities=True,
        drawn_sites=[(104.0, 30.7), (104.1, 30.8)],
    )
    job = ProcrastinateJob.objects.get(task_name="depots.run_scenario")
    assert job.args == {"scenario_id": made.pk}
    assert job.queue_name == "analysis"
    stored = SitingScenario.objects.get(pk=made.pk)
    assert stored.status == RunStatus.QUEUED
    assert stored.unit == planner.unit
    assert stored.created_by == planner
    assert (stored.model, stored.p, float(stored.radius_km), stored.minutes) == (
        "pmedian",
        2,
        12.5,
        None,
    )
    assert (float(stored.grid_km), stored.time_limit_s, stored.use_capacities) == (2, 30, True)
    assert [p.coords for p in stored.drawn_sites] == [(104.0, 30.7), (104.1, 30.8)]


def test_results_round_trip(planner, chengdu):
    depot_at("C")
    made = run(scenario(planner, chengdu, p=1, keep_existing=True))
    stored = SitingScenario.objects.get(pk=made.pk)
    assert stored.status == RunStatus.DONE
    assert stored.progress == 1
    assert stored.started_at <= stored.finished_at
    assert stored.candidate_count == 5  # the depot and four drawn sites
    assert stored.demand_cells == 4
    assert stored.objective == pytest.approx(1300)
    assert stored.bound == pytest.approx(1300)
    assert stored.solve_seconds >= 0
    rows = {(s.source, s.is_new, s.depot_id is None) for s in stored.sites.all()}
    assert rows == {("drawn", True, True), ("existing", False, False)}


def test_a_scenario_runs_once(planner, chengdu):
    made = run(scenario(planner, chengdu))
    first = made.finished_at
    siting.run_scenario(made.pk, sources=SYNTHETIC)
    made.refresh_from_db()
    assert made.finished_at == first
    assert made.sites.count() == 1


# -- failures ------------------------------------------------------------------------------------


def test_a_region_without_people_fails_with_a_message():
    province = UserFactory(role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510100"))
    made = run(scenario(province, division("510700"), drawn_sites=[(104.7, 31.5)]))
    assert made.status == RunStatus.FAILED
    assert made.error
    assert not made.sites.exists()
    assert made.objective is None


def test_a_crash_while_saving_leaves_no_half_result(planner, chengdu, monkeypatch):
    made = scenario(planner, chengdu)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ScenarioSite.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        siting.run_scenario(made.pk, sources=SYNTHETIC)
    made.refresh_from_db()
    assert made.status == RunStatus.FAILED
    assert "internal error" in made.error or made.error
    assert made.objective is None
    assert made.solver_status == ""
    assert made.covered_population is None
    assert not ScenarioSite.objects.filter(scenario=made).exists()


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"radius_km": None}, "either a radius"),
        ({"minutes": 30}, "either a radius"),
        ({"p": None}, "number of new sites"),
        ({"model": "lscp", "use_capacities": True}, "Capacities"),
        ({"grid_km": 2.5}, "whole number"),
        ({"drawn_sites": [(110.0, 20.0)]}, "outside the region"),
        ({"drawn_sites": []}, "at least one kind"),
        ({"time_limit_s": 0}, "time_limit_s"),
    ],
)
def test_bad_inputs_are_refused_before_anything_is_saved(
    planner, chengdu, english, inputs, message
):
    with pytest.raises(AnalysisInputError, match=message):
        scenario(planner, chengdu, **inputs)
    assert not SitingScenario.objects.exists()
    assert not ProcrastinateJob.objects.filter(task_name="depots.run_scenario").exists()


# -- who may plan where --------------------------------------------------------------------------


def test_a_county_officer_plans_only_inside_the_county(chengdu):
    officer = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510104"))
    with pytest.raises(DepotForbiddenError):
        scenario(officer, chengdu)
    made = scenario(officer, chengdu, region=division("510104"), drawn_sites=[(104.08, 30.63)])
    assert made.unit == officer.unit


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR])
def test_roles_that_cannot_edit_cannot_create(chengdu, role):
    user = UserFactory(role=role, unit=UnitFactory(division_code="510100"))
    with pytest.raises(DepotForbiddenError):
        scenario(user, chengdu)


def test_another_countys_officer_neither_sees_nor_runs_the_scenario(planner, chengdu):
    mine = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510104"))
    made = scenario(mine, chengdu, region=division("510104"), drawn_sites=[(104.08, 30.63)])
    stranger = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510107"))
    assert not SitingScenario.objects.visible_to(stranger).filter(pk=made.pk).exists()
    assert not SitingScenario.objects.editable_by(stranger).filter(pk=made.pk).exists()
    assert SitingScenario.objects.visible_to(planner).filter(pk=made.pk).exists()
    assert SitingScenario.objects.visible_to(mine).filter(pk=made.pk).exists()
    assert Unit.objects.filter(pk=made.unit_id).exists()
