"""Filling a return in headless Chromium: a county administrator opens the fill page of his
return, picks a unit, types its basis, a budget and two cost lines, saves, and finds the
figures again on the page and stored; then takes the vehicle costs from the fleet. The page
fixture fails the test on console errors, failed requests and requests to other hosts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.costs.choices import CostCategory, CostSource, ReturnStatus
from portal.costs.models import CostBasis, CostRecord
from portal.fleet.models import Trip
from tests.browser.conftest import sign_in
from tests.portal.costs.records_world import make_world
from tests.portal.fleet.trip_data import local, trip, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_county_administrator_fills_his_return(page, live_server):
    w = make_world()
    fleet = world()
    fleet.holder.division = w.unit.division
    fleet.holder.save()
    own = trip(
        fleet,
        payer=fleet.holder,
        payee_vehicle=fleet.vehicle,
        amount="0",
        ended=local(dt.date(2025, 6, 3), 12),
    )
    Trip.objects.filter(pk=own.pk).update(fuel_cost=Decimal("88.40"))
    path = reverse("costs:return_fill", args=[w.cost_return.pk])
    sign_in(page, live_server, w.admin, path)
    page.locator("#fill-unit").select_option(str(w.unit.pk))
    page.locator("#fill-unit-form button").click()
    expect(page.locator("#fill-title")).to_contain_text("锦江区测试局")
    page.locator("#id_basis-usable_area_m2").fill("812.50")
    page.locator("#id_basis-staff").fill("41")
    page.locator("#id_basis-vehicles").fill("2")
    page.locator("#id_budget-property").fill("40000")
    page.locator("#id_lines-0-building").select_option(str(w.occupied.pk))
    page.locator("#id_lines-0-month").select_option("1")
    page.locator("#id_lines-0-category").select_option("electricity")
    page.locator("#id_lines-0-amount_yuan").fill("1200.50")
    page.locator("#id_lines-0-quantity").fill("1500")
    page.locator("#id_lines-1-category").select_option("property")
    page.locator("#id_lines-1-amount_yuan").fill("36000")
    page.locator("#fill-submit").click()
    # Stored lines come back ordered by category.
    expect(page.locator("#id_lines-0-amount_yuan")).to_have_value("1200.50")
    expect(page.locator("#id_lines-1-amount_yuan")).to_have_value("36000.00")
    assert CostRecord.objects.filter(unit=w.unit).count() == 2
    assert CostBasis.objects.get(unit=w.unit).staff == 41
    assert w.ret().status == ReturnStatus.FILLING

    page.locator("#fill-unit").select_option(str(fleet.holder.pk))
    page.locator("#fill-unit-form button").click()
    expect(page.locator("#fill-fleet-none")).to_be_visible()
    page.locator("#fill-fleet-submit").click()
    expect(page.locator("#fill-fleet")).to_contain_text("2025-06")
    expect(page.locator("#fill-fleet")).to_contain_text("88.40")
    record = CostRecord.objects.get(source=CostSource.FLEET)
    assert (record.unit, record.category) == (fleet.holder, CostCategory.VEHICLES)
