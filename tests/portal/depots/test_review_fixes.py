"""Defects a review found in the depots code, each pinned by a test that fails without its fix:
confidential or out-of-scope records in siting and coverage results, script in map tooltips,
internal details in a run's error, downloads, a lost stock update, a solver without a solution,
an overflowing receipt, expired supplies counted, and untranslated solver stages."""

from __future__ import annotations

import datetime
import io
import types
import zipfile
from decimal import Decimal

import numpy as np
import openpyxl
import pyogrio
import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from gis.siting import Solution
from portal.core.choices import Confidentiality
from portal.core.services import RecordChangedError, save_record
from portal.depots.choices import RunStatus, SiteSource
from portal.depots.models import CoverageAnalysis, Depot, ScenarioSite, StockItem
from portal.depots.services import coverage, siting
from portal.depots.services.coverage import INTERNAL_FAILURE
from portal.depots.services.siting import instance
from portal.depots.services.siting.runs import TooFewCandidatesError
from portal.depots.services.stock import MAX_QUANTITY, StockInputError, issue_stock
from portal.org.choices import Role
from tests.factories import BuildingFactory, DepotFactory, UnitFactory, UserFactory
from tests.portal.depots import coverage_data as data
from tests.portal.depots.conftest import PDF, Stock, receive_tents, upload
from tests.portal.depots.scenario_data import SYNTHETIC, drawn_scenario

pytestmark = pytest.mark.django_db(databases="__all__")

SCRIPT = "<img src=x onerror=alert(1)>"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


def gpkg_text(content: bytes, tmp_path, layers: list[str]) -> str:
    path = tmp_path / "out.gpkg"
    path.write_bytes(content)
    frames = [pyogrio.read_dataframe(path, layer=layer) for layer in layers]
    return " ".join(frame.drop(columns="geometry").to_csv() for frame in frames)


def map_html(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("map.html").decode()


# -- 1. siting: sites of records the reader may not see ------------------------------------------


@pytest.fixture
def planner(db):
    return UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))


@pytest.fixture
def done_scenario(planner):
    scenario = drawn_scenario(planner, name="方案")
    siting.run_scenario(scenario.pk, sources=SYNTHETIC)
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.DONE
    return scenario


def _site(scenario, label: str, source: str, **records) -> ScenarioSite:
    point = Point(104.0, 30.7, srid=4490)
    return ScenarioSite.objects.create(
        scenario=scenario, source=source, is_new=True, label=label, geom=point, **records
    )


def test_a_scenario_shows_no_site_of_a_building_or_depot_the_reader_may_not_see(
    client, planner, done_scenario, tmp_path
):
    secret = BuildingFactory(
        managing_unit=planner.unit, name="机密指挥楼", confidentiality=Confidentiality.SECRET
    )
    elsewhere = DepotFactory(managing_unit=UnitFactory(division_code="510703"), name="绵阳库")
    _site(done_scenario, secret.name, SiteSource.IDLE_BUILDING, building=secret)
    _site(done_scenario, elsewhere.name, SiteSource.EXISTING, depot=elsewhere)
    drawn = done_scenario.sites.get(source=SiteSource.DRAWN)
    reader = UserFactory(role=Role.VIEWER, unit=planner.unit)  # internal clearance
    client.force_login(reader)
    pk = done_scenario.pk
    page = client.get(reverse("depots:scenario_detail", args=[pk])).content.decode()
    xlsx = xlsx_text(body(client.get(reverse("depots:scenario_xlsx", args=[pk]))))
    gpkg = gpkg_text(
        body(client.get(reverse("depots:scenario_gpkg", args=[pk]))), tmp_path, ["sites"]
    )
    html = map_html(body(client.get(reverse("depots:scenario_html", args=[pk]))))
    for shown in (page, xlsx, gpkg, html):
        assert "机密指挥楼" not in shown
        assert "绵阳库" not in shown
        assert drawn.label in shown  # the sites the reader may see are all there
    # The creator, cleared and in scope of the building, still sees it.
    planner.clearance = Confidentiality.SECRET
    planner.save(update_fields=["clearance"])
    client.force_login(planner)
    assert "机密指挥楼" in client.get(reverse("depots:scenario_detail", args=[pk])).content.decode()


# -- 2. coverage: depots the reader may not see ----------------------------------------------------


@pytest.fixture
def world(db) -> data.World:
    return data.build_world()


def test_a_coverage_analysis_shows_no_depot_the_reader_may_not_see(client, world, tmp_path):
    # Run by the province administrator for 安居区's unit: every depot is counted, and 安居区's
    # officer, who may read the analysis, sees none of them (they belong to 遂宁市's unit).
    analysis = CoverageAnalysis.objects.create(
        unit=world.other_unit,
        created_by=world.admin,
        name="遂宁覆盖",
        region=world.region,
        radius_km=data.RADIUS_KM,
        minutes=data.MINUTES,
    )
    coverage.run_analysis(analysis.pk, surfaces=data.surfaces())
    analysis.refresh_from_db()
    assert analysis.status == RunStatus.DONE
    assert analysis.depot_rows.count() == 3
    client.force_login(world.other_officer)
    pk = analysis.pk
    page = client.get(reverse("depots:coverage_detail", args=[pk])).content.decode()
    layers = client.get(reverse("depots:coverage_map", args=[pk])).json()
    xlsx = xlsx_text(body(client.get(reverse("depots:coverage_xlsx", args=[pk]))))
    gpkg = body(client.get(reverse("depots:coverage_gpkg", args=[pk])))
    html = map_html(body(client.get(reverse("depots:coverage_html", args=[pk]))))
    gpkg_shown = gpkg_text(gpkg, tmp_path, ["service_areas", "depots"])
    for shown in (page, str(layers), xlsx, gpkg_shown, html):
        for name in ("P号储备库", "Q号储备库", "M号储备库"):
            assert name not in shown
    assert layers["depots"]["features"] == []
    assert layers["time"]["features"] == []


# -- 3. script in tooltips of the folium maps ----------------------------------------------------


def test_folium_tooltips_show_a_scripted_name_as_text(client, planner, done_scenario, world):
    _site(done_scenario, SCRIPT + "`${alert(2)}`", SiteSource.DRAWN)
    client.force_login(planner)
    html = map_html(body(client.get(reverse("depots:scenario_html", args=[done_scenario.pk]))))
    assert "<img src=x" not in html
    assert "${alert(2)}" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html

    Depot.objects.filter(pk=world.depots["P"].pk).update(name=SCRIPT)
    analysis = data.analysis_of(world)
    coverage.run_analysis(analysis.pk, surfaces=data.surfaces())
    client.force_login(world.officer)
    html = map_html(body(client.get(reverse("depots:coverage_html", args=[analysis.pk]))))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# -- 4. a coverage run's error keeps internal details in the log ---------------------------------


def test_a_crashed_coverage_run_stores_a_plain_message(world):
    analysis = data.analysis_of(world)
    broken = types.SimpleNamespace(population=None, cost=None)
    with pytest.raises(AttributeError):  # re-raised for the worker, kept out of the record
        coverage.run_analysis(analysis.pk, surfaces=broken)
    analysis.refresh_from_db()
    assert analysis.status == RunStatus.FAILED
    assert analysis.error == str(INTERNAL_FAILURE)


# -- 5. downloads of the stock log ---------------------------------------------------------------


def test_a_scan_is_a_download_and_file_names_are_safe(client, world_of_stock):
    stock = world_of_stock
    movement = receive_tents(
        stock.depot,
        stock.officer,
        batch_no="2025-002",
        document_no='RK"1;x/..',
        document=upload("scan.pdf", PDF),
    ).movements.get()
    Depot.objects.filter(pk=stock.depot.pk).update(code='YJ"1;\r\nX')
    client.force_login(stock.officer)
    response = client.get(reverse("depots:stock_movement_document", args=[movement.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert disposition.count('"') == 2
    assert "/" not in disposition
    assert ";x" not in disposition
    for name in ("depots:stock_movements_csv", "depots:stock_movements_xlsx"):
        disposition = client.get(reverse(name, args=[stock.depot.pk]))["Content-Disposition"]
        assert disposition.startswith('attachment; filename="stock-movements-YJ-1-X-')
        assert disposition.count('"') == 2


@pytest.fixture
def world_of_stock(db):
    unit = UnitFactory(division_code="510104", name="锦江区应急管理局")
    depot = DepotFactory(managing_unit=unit, code="YJ-510104-01", capacity_m3=Decimal("1000"))
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit)
    other = UnitFactory(division_code="510703")
    return Stock(
        unit=unit,
        depot=depot,
        tents=receive_tents(depot, officer),
        officer=officer,
        viewer=UserFactory(role=Role.VIEWER, unit=unit),
        other_unit=other,
        other_officer=UserFactory(role=Role.UNIT_OFFICER, unit=other),
    )


# -- 6. a full save of a batch does not write back a stale quantity ------------------------------


def test_saving_a_loaded_batch_keeps_a_movement_made_since(world_of_stock):
    stock = world_of_stock
    loaded = StockItem.objects.get(pk=stock.tents.pk)
    assert loaded.quantity == 100
    issue_stock(
        stock.tents, quantity="60", document_no="CK-1", counterparty="某乡", by=stock.officer
    )
    loaded.minimum_level = Decimal("10")
    # The write service refuses the batch read before the movement (the record changed since);
    # a full save that goes around it still does not write the stale quantity back.
    with pytest.raises(RecordChangedError):
        save_record(loaded, by=stock.officer)
    assert StockItem.objects.get(pk=stock.tents.pk).minimum_level != 10
    loaded.save()
    stored = StockItem.objects.get(pk=stock.tents.pk)
    assert stored.quantity == 40
    assert stored.minimum_level == 10
    assert loaded.quantity == 40  # read back for the response
    assert stored.movements.order_by("-pk").first().balance == stored.quantity


# -- 7. a solver without a solution --------------------------------------------------------------


def _solution(status: str, objective: float, chosen: list[int]) -> Solution:
    return Solution(
        model="mclp",
        status=status,
        objective=objective,
        bound=0.0,
        gap=1.0,
        chosen=np.array(chosen, dtype=np.int64),
        covered_weight=0.0,
        total_weight=1.0,
        seconds_build=0.0,
        seconds_solve=0.0,
        assignment=np.zeros(0, dtype=np.int64),
    )


@pytest.mark.parametrize(
    ("status", "objective", "chosen"),
    [("infeasible", float("nan"), [0]), ("time_limit", float("nan"), [0, 1]), ("optimal", 0.0, [])],
)
def test_no_solution_is_an_input_error_even_with_fixed_depots(status, objective, chosen):
    with pytest.raises(instance.NoSolutionError):
        instance.check_solved(_solution(status, objective, chosen))
    instance.check_solved(_solution("time_limit", 5.0, [0]))  # an incumbent is a result


def test_an_infeasible_capacitated_pmedian_fails_with_the_reason(planner, monkeypatch, english):
    monkeypatch.setattr(instance, "NEW_SITE_CAPACITY_M3", 0.001)  # 0.2 people a site
    scenario = drawn_scenario(planner, model="pmedian", p=1, use_capacities=True)
    siting.run_scenario(scenario.pk, sources=SYNTHETIC)
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.FAILED
    assert "No choice of sites" in scenario.error or "time limit" in scenario.error


def test_p_above_the_free_candidates_is_refused_before_queueing(planner, client, english):
    with pytest.raises(TooFewCandidatesError, match="Number of new sites"):
        drawn_scenario(planner, p=5)  # four villages drawn


# -- 8. a receipt past the column's limit ----------------------------------------------------------


def test_a_receipt_past_the_quantity_limit_names_the_field(world_of_stock):
    stock = world_of_stock
    near = MAX_QUANTITY - Decimal("1")
    StockItem.objects.filter(pk=stock.tents.pk).update(quantity=near)
    with pytest.raises(StockInputError) as refused:
        receive_tents(stock.depot, stock.officer, quantity="50")
    assert refused.value.field == "quantity"
    assert StockItem.objects.get(pk=stock.tents.pk).quantity == near


# -- 9. expired supplies are not counted per person covered --------------------------------------


def test_supplies_per_covered_person_leave_expired_batches_out(world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    StockItem.objects.filter(depot=world.depots["P"], name="棉帐篷").update(expires_on=yesterday)
    analysis = data.analysis_of(world)
    coverage.run_analysis(analysis.pk, surfaces=data.surfaces())
    analysis.refresh_from_db()
    tents = [row for row in analysis.supplies if row["unit"] == "顶" and row["level"] == 1]
    assert [row["quantity"] for row in tents] == [50.0]  # Q's 50, not P's expired 100


# -- 10. solver stages in the reader's language --------------------------------------------------


def test_solver_stages_are_translated_with_their_numbers(english):
    assert instance.solver_message("solving: 12 columns, 3 rows") == "solving: 12 columns, 3 rows"
    assert instance.solver_message("done: optimal") == "solver finished: optimal"
    messages = [str(message) for _pattern, message in instance._SOLVER_STAGES]
    assert "searching: best %(best)s, bound %(bound)s, gap %(gap)s" in messages
