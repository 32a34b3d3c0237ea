"""Depot siting in headless Chromium: a planner adds a site by clicking the map, creates a
scenario with the form, watches its page while the job runs (the page polls and reloads by
itself), sees the results, the sites and the map, then compares two scenarios side by side.
The page fixture fails the test on console errors, failed requests and other hosts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.depots.models import SitingScenario
from portal.depots.services import siting
from portal.org.choices import Role
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories import UnitFactory, UserFactory
from tests.portal.depots.scenario_data import SYNTHETIC, drawn_scenario, village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def fill_form(page: Page) -> None:
    form = page.locator("#scenario-form")
    form.locator("#id_name").fill("成都两点方案")
    form.locator("#id_model").select_option("mclp")
    form.locator("#id_p").fill("2")
    form.locator("#id_radius_km").fill("10")
    form.locator("#id_grid_km").fill("1")
    for name in ("keep_existing", "use_county_seats", "use_idle_buildings"):
        form.locator(f"#id_{name}").uncheck()
    lines = "\n".join("{},{}".format(*village(name)) for name in "ABCD")
    form.locator("#id_drawn_sites").fill(lines)


def test_a_planner_creates_runs_and_compares_scenarios(page, live_server):
    planner = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))
    sign_in(page, live_server, planner, "/depots/scenarios/")

    # A click on the drawing map adds a site line to the form.
    draw = page.locator("#scenario-draw")
    expect(draw.locator(".leaflet-pane")).not_to_have_count(0)
    draw.click(position={"x": 200, "y": 150})
    expect(page.locator("#id_drawn_sites")).to_have_value(re.compile(r"^\d+\.\d+,\d+\.\d+$"))
    expect(draw.locator("path.scenario-drawn")).to_have_count(1)

    fill_form(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "scenario_new.png", full_page=True)
    page.locator("#scenario-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/depots/scenarios/\d+/$"))
    scenario = SitingScenario.objects.get()
    expect(page.locator("#scenario-state")).to_have_attribute("data-running", "true")
    expect(page.locator("#scenario-progress")).to_be_visible()

    # The worker's job; the page, polling status.json, reloads by itself when it ends.
    siting.run_scenario(scenario.pk, sources=SYNTHETIC)
    expect(page.locator("#scenario-results")).to_be_visible(timeout=15_000)
    expect(page.locator("[data-figure=coverage]")).to_have_text("80.0%")
    expect(page.locator("[data-figure=solver_status]")).to_have_text("optimal")
    expect(page.locator("#site-table tbody tr")).to_have_count(2)
    expect(page.locator(".scenario-map path.leaflet-interactive")).to_have_count(2)
    page.screenshot(path=ARTIFACTS / "scenario_results.png", full_page=True)

    other = drawn_scenario(planner, name="成都一点方案")
    siting.run_scenario(other.pk, sources=SYNTHETIC)

    page.goto(f"{live_server.url}/depots/scenarios/")
    expect(page.locator("#scenario-table tbody tr")).to_have_count(2)
    page.locator(f"#compare-{scenario.pk}").check()
    page.locator(f"#compare-{other.pk}").check()
    page.locator("#compare-button").click()
    page.wait_for_url(re.compile(r"/depots/scenarios/compare/\?"))
    expect(page.locator("#compare-table thead th[data-scenario]")).to_have_count(2)
    coverage = page.locator("#compare-table tr[data-row=coverage] td")
    expect(coverage).to_have_text(["50.0%", "80.0%"])  # newest first, as the list shows them
    expect(page.locator("#compare-table tr[data-row=new_sites] td")).to_have_text(["1", "2"])
    page.screenshot(path=ARTIFACTS / "scenario_compare.png", full_page=True)
