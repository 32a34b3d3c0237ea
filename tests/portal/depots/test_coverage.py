"""Coverage analyses on the hand-counted world of :mod:`tests.portal.depots.coverage_data`:
covered counts by radius and by travel time (which differ across a wall), the union of
overlapping areas, counties adding up to the region, margin depots, supplies per covered
person, failures that write nothing, and who may start which analysis."""

from __future__ import annotations

from decimal import Decimal

import pytest
import shapely
from django.utils import translation
from procrastinate.contrib.django.models import ProcrastinateJob
from rasterio.errors import RasterioIOError

from gis.surfaces import population
from portal.depots.choices import RunStatus
from portal.depots.exceptions import AnalysisInputError, DepotForbiddenError
from portal.depots.models import CountyCoverage, CoverageAnalysis, DepotCoverage
from portal.depots.services import coverage
from portal.depots.services.coverage_grid import Surfaces
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.depots import coverage_data as data

# Progress is written on the "progress" alias, a mirror of the default database in tests.
pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def world(db) -> data.World:
    return data.build_world()


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def run(world: data.World, **fields: object) -> CoverageAnalysis:
    analysis = data.analysis_of(world, **fields)
    coverage.run_analysis(analysis.pk, surfaces=data.surfaces())
    analysis.refresh_from_db()
    return analysis


def depot_figures(analysis: CoverageAnalysis) -> dict[str, tuple[float, float]]:
    rows = DepotCoverage.objects.filter(analysis=analysis).select_related("depot")
    return {
        row.depot.code.removeprefix("YJ-"): (row.population_radius, row.population_time)
        for row in rows
    }


def county_figures(analysis: CoverageAnalysis) -> dict[str, tuple[float, float, float]]:
    rows = CountyCoverage.objects.filter(analysis=analysis).select_related("division")
    return {
        row.division.code: (row.population, row.covered_radius, row.covered_time) for row in rows
    }


def test_radius_and_travel_time_differ_across_the_wall(world):
    analysis = run(world)
    assert analysis.status == RunStatus.DONE, analysis.error
    assert analysis.progress == 1.0
    assert analysis.total_population == pytest.approx(2000)
    assert analysis.covered_radius == pytest.approx(1800)  # V1 + V2 + V6
    assert analysis.covered_time == pytest.approx(800)  # V1 lies behind the wall from P
    assert analysis.started_at <= analysis.finished_at


def test_overlapping_areas_count_each_person_once(world):
    analysis = run(world)
    figures = depot_figures(analysis)
    assert figures == {
        "P": pytest.approx((1500, 500)),
        "Q": pytest.approx((500, 500)),
        "M": pytest.approx((300, 300)),
    }
    assert sum(time for _radius, time in figures.values()) == pytest.approx(1300)
    assert analysis.covered_time == pytest.approx(800), "V2 is reached twice but counted once"


def test_a_depot_outside_the_region_serves_it_and_far_or_warehouse_depots_do_not(world):
    analysis = run(world)
    codes = set(depot_figures(analysis))
    assert "M" in codes, "M stands outside the region, 4 km from V6"
    assert "F" not in codes, "F is 100 km away"
    assert "W" not in codes, "a public asset warehouse is not an emergency depot"


def test_counties_add_up_to_the_region(world):
    analysis = run(world)
    counties = county_figures(analysis)
    assert counties == {
        "510903": pytest.approx((1200, 1000, 0)),
        "510904": pytest.approx((800, 800, 800)),
    }
    for index, total in enumerate(
        (analysis.total_population, analysis.covered_radius, analysis.covered_time)
    ):
        assert sum(row[index] for row in counties.values()) == pytest.approx(total)


def test_the_gap_map_holds_the_uncovered_populated_cells(world):
    analysis = run(world)
    west = CountyCoverage.objects.get(analysis=analysis, division=world.west)
    east = CountyCoverage.objects.get(analysis=analysis, division=world.east)
    assert west.uncovered == pytest.approx(1200)
    assert east.gap is None
    assert east.uncovered == 0
    gap = shapely.from_wkb(bytes(west.gap.wkb))
    assert len(gap.geoms) == 2, "V1 and V4, one cell each"
    for name in ("V1", "V4"):
        row, col, _people = data.PEOPLE[name]
        assert gap.contains(shapely.Point(*data.cell_lonlat(row, col)))
    assert gap.area < 3 * (1 / 100) ** 2, "two cells of about 0.01° a side"


def test_service_areas_are_stored_as_lonlat_shapes(world):
    analysis = run(world)
    row = DepotCoverage.objects.get(analysis=analysis, depot=world.depots["P"])
    centre = data.cell_lonlat(*data.DEPOTS["P"])
    circle = shapely.from_wkb(bytes(row.radius_area.wkb))
    reached = shapely.from_wkb(bytes(row.time_area.wkb))
    assert circle.contains(shapely.Point(*data.cell_lonlat(10, 11))), "V1 is within 5 km"
    assert not reached.contains(shapely.Point(*data.cell_lonlat(10, 11))), "behind the wall"
    assert reached.contains(shapely.Point(*data.cell_lonlat(10, 17)))
    assert row.radius_area.srid == 4490
    assert circle.centroid.distance(shapely.Point(*centre)) < 0.001


def test_supplies_per_covered_person_by_class(world):
    analysis = run(world)
    rows = {(row["code"], row["unit"]): row for row in analysis.supplies}
    tents, water, quilts = rows[("1000000", "顶")], rows[("1000000", "箱")], rows[("1000000", "条")]
    assert tents["quantity"] == 150, "P's 100 and Q's 50; F is out of reach"
    assert tents["per_1000"] == pytest.approx(187.5)
    assert water["per_1000"] == pytest.approx(625)
    assert quilts["per_1000"] == pytest.approx(37.5)
    assert rows[("1010000", "顶")]["level"] == 2
    assert rows[("1010000", "顶")]["quantity"] == 150
    assert rows[("1000000", "顶")]["name"] == "基本生活保障物资"
    assert [row["code"] for row in analysis.supplies] == sorted(
        row["code"] for row in analysis.supplies
    )


def test_a_failure_marks_the_analysis_failed_and_writes_nothing(
    world, english, monkeypatch, tmp_path
):
    analysis = data.analysis_of(world)
    missing = tmp_path / "population_1km.tif"
    monkeypatch.setattr(coverage, "load_surfaces", lambda: Surfaces(population(missing), None))
    with pytest.raises(RasterioIOError):
        coverage.run_analysis(analysis.pk)
    analysis.refresh_from_db()
    assert analysis.status == RunStatus.FAILED
    assert analysis.error.startswith("The analysis stopped on an internal error")
    assert "population_1km.tif" not in analysis.error  # the log has it, not the page
    assert analysis.finished_at is not None
    assert not DepotCoverage.objects.exists()
    assert not CountyCoverage.objects.exists()


def test_a_failure_while_saving_leaves_no_half_written_results(world, monkeypatch):
    analysis = data.analysis_of(world)

    def broken(*args: object) -> list[dict[str, object]]:
        raise RuntimeError("the stock table went away")

    # Called inside the saving transaction, after the depot and county rows are written.
    monkeypatch.setattr(coverage, "supplies_per_covered", broken)
    with pytest.raises(RuntimeError):
        coverage.run_analysis(analysis.pk, surfaces=data.surfaces())
    analysis.refresh_from_db()
    assert analysis.status == RunStatus.FAILED
    assert "the stock table went away" not in analysis.error  # the log has it
    assert analysis.total_population is None
    assert not DepotCoverage.objects.filter(analysis=analysis).exists()
    assert not CountyCoverage.objects.filter(analysis=analysis).exists()


def test_a_region_without_people_fails_with_a_plain_message(world, english):
    analysis = data.analysis_of(world)
    with pytest.raises(AnalysisInputError):
        coverage.run_analysis(analysis.pk, surfaces=Surfaces(data.flat(0.0), data.flat(1.0)))
    analysis.refresh_from_db()
    assert analysis.status == RunStatus.FAILED
    assert analysis.error == "The population surface holds nobody in this region."


def test_a_job_run_twice_runs_once(world):
    analysis = run(world)
    coverage.run_analysis(analysis.pk, surfaces=data.surfaces())
    assert DepotCoverage.objects.filter(analysis=analysis).count() == 3


def test_a_county_region_is_its_own_only_county(world):
    analysis = run(world, region=world.west)
    assert county_figures(analysis) == {"510903": pytest.approx((1200, 1000, 0))}
    assert analysis.covered_time == 0
    # Only 船山区's people count: P reaches V2 in 安居区, but that is not this region.
    assert depot_figures(analysis)["P"] == pytest.approx((1000, 0))


# -- starting -----------------------------------------------------------------------------------


def test_start_records_the_analysis_for_the_unit_and_queues_the_job(world):
    analysis = coverage.start_analysis(
        name=" 遂宁 ", region=world.region, radius_km=Decimal(50), minutes=60, by=world.officer
    )
    assert analysis.status == RunStatus.QUEUED
    assert analysis.name == "遂宁"
    assert analysis.unit == world.unit
    assert analysis.created_by == world.officer
    job = ProcrastinateJob.objects.get(task_name="depots.run_coverage")
    assert job.args == {"analysis_id": analysis.pk}
    assert job.queue_name == "analysis"


@pytest.mark.parametrize(
    ("radius_km", "minutes"), [(Decimal("0.5"), 60), (Decimal(501), 60), (Decimal(50), 4)]
)
def test_start_refuses_inputs_out_of_range(world, english, radius_km, minutes):
    with pytest.raises(AnalysisInputError):
        coverage.start_analysis(
            name="x", region=world.region, radius_km=radius_km, minutes=minutes, by=world.officer
        )
    assert not CoverageAnalysis.objects.exists()
    assert not ProcrastinateJob.objects.filter(task_name="depots.run_coverage").exists()


def test_start_refuses_a_region_outside_the_users_scope(world, english):
    other = world.other_officer
    with pytest.raises(DepotForbiddenError, match="outside the divisions"):
        coverage.start_analysis(
            name="x", region=world.region, radius_km=Decimal(50), minutes=60, by=other
        )
    viewer = UserFactory(role=Role.VIEWER, unit=world.unit)
    with pytest.raises(DepotForbiddenError, match="Only officers"):
        coverage.start_analysis(
            name="x", region=world.region, radius_km=Decimal(50), minutes=60, by=viewer
        )
    assert not CoverageAnalysis.objects.exists()


def test_regions_offered_follow_the_scope(world):
    assert set(coverage.regions_for(world.officer).values_list("code", flat=True)) == {
        "510900",
        "510903",
        "510904",
    }
    assert list(coverage.regions_for(world.other_officer).values_list("code", flat=True)) == [
        "510904"
    ]
    assert coverage.regions_for(world.admin).filter(code="510000").exists()


def test_another_countys_officer_neither_sees_nor_runs_the_analysis(world):
    analysis = run(world)
    assert not CoverageAnalysis.objects.visible_to(world.other_officer).exists()
    assert not DepotCoverage.objects.visible_to(world.other_officer).exists()
    assert CoverageAnalysis.objects.visible_to(world.officer).get() == analysis
    assert CoverageAnalysis.objects.visible_to(world.admin).get() == analysis


def test_only_depots_the_author_may_see_are_counted(world):
    analysis = run(world, by=world.other_officer)
    assert analysis.status == RunStatus.DONE
    assert analysis.covered_time == 0
    assert not DepotCoverage.objects.filter(analysis=analysis).exists()
    assert analysis.supplies == []
