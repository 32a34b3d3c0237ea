"""The coverage pages in headless Chromium: start an analysis from the list's form, watch the
queued run finish, and see the summary and the map. The run is the worker's own code path
(``run_analysis``, what the procrastinate task calls) on the hand-counted synthetic surfaces
of :mod:`tests.portal.depots.coverage_data`; the page only polls and reloads.

The page fixture fails the test on console errors, failed requests and other hosts.
"""

import re

import pytest
from django.db import connection
from django.utils import translation
from playwright.sync_api import expect

from portal.depots.models import CoverageAnalysis, Depot
from portal.depots.services import coverage
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.portal.depots import coverage_data as data

# Progress is written on the "progress" alias, which the run uses from this thread.
SCRIPT = "<img src=x onerror=alert(1)>"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def zh(text: str) -> str:
    """The Chinese a new interface string will have once translated (its msgid until then)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture(autouse=True)
def empty_queue():
    """The job queued here stays in procrastinate's tables, which transactional tests do not
    flush (Django does not manage them): remove it so no later worker test runs it."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")


def test_start_an_analysis_run_it_and_see_the_summary_and_the_map(page, live_server):
    world = data.build_world()
    sign_in(page, live_server, world.officer, "/depots/coverage/")
    page.locator("#id_name").fill("遂宁 5 公里")
    page.locator("#id_region").select_option(str(world.region.pk))
    page.locator("#id_radius_km").fill("5")
    page.locator("#id_minutes").fill("5")
    page.get_by_role("button", name=zh("Run the analysis")).click()
    page.wait_for_url(re.compile(r"/depots/coverage/\d+/$"))
    status = page.locator("#coverage-status-label")
    expect(status).to_have_text(zh("queued"))
    expect(page.locator("#coverage-progress")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "coverage_queued.png", full_page=True)

    analysis = CoverageAnalysis.objects.get()
    coverage.run_analysis(analysis.pk, surfaces=data.surfaces())  # the worker's job
    expect(status).to_have_text(zh("done"), timeout=15_000)
    expect(page.locator("#coverage-progress")).to_have_count(0)
    summary = page.locator("#coverage-summary")
    expect(summary.locator("[data-figure=covered_time]")).to_have_text("40.0%")
    expect(summary.locator("[data-figure=covered_radius]")).to_have_text("90.0%")
    expect(page.locator("#county-table tbody tr").first).to_contain_text("船山区")

    board = page.locator("#coverage-map")
    expect(board).to_have_attribute("data-ready", "true")
    # Three time areas, three circles, one gap and three depots, each a Leaflet path.
    expect(board.locator("path.leaflet-interactive")).to_have_count(10)
    expect(board.locator(".leaflet-control-layers")).to_contain_text(
        zh("Uncovered populated cells")
    )
    page.screenshot(path=ARTIFACTS / "coverage_done.png", full_page=True)


def test_a_scripted_depot_name_shows_as_text_in_the_tooltips(page, live_server):
    world = data.build_world()
    Depot.objects.filter(pk=world.depots["P"].pk).update(name=SCRIPT)
    analysis = data.analysis_of(world)
    coverage.run_analysis(analysis.pk, surfaces=data.surfaces())
    sign_in(page, live_server, world.officer, f"/depots/coverage/{analysis.pk}/")
    board = page.locator("#coverage-map")
    expect(board).to_have_attribute("data-ready", "true")
    shapes = board.locator("path.leaflet-interactive")
    for index in range(shapes.count()):
        shapes.nth(index).hover(force=True)
    # Leaflet put a string tooltip into innerHTML: the name would be an img element (and its
    # failed request would fail the page fixture). As text, it reads as typed.
    expect(page.locator(".leaflet-tooltip", has_text=SCRIPT).first).to_be_attached()
    expect(page.locator(".leaflet-tooltip img")).to_have_count(0)
