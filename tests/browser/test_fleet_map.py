"""The fleet map in headless Chromium: an officer opens it from the navigation, sees his unit's
vehicles (fresh, stale, at base) and the day's bookings as lines, and switches the lines to the
region-class colours with their legend; then offers an idle vehicle in the asset warehouse from
the utilisation page. The page fixture fails the test on console errors,
failed requests and requests to other hosts."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect

from portal.assets.models import Listing
from portal.fleet.choices import RegionClass
from portal.fleet.models import Vehicle
from portal.org.choices import Role
from tests.browser.conftest import sign_in
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
)
from tests.portal.assets.transfer_data import ensure_default_rules
from tests.portal.fleet.factories import PoolFactory
from tests.portal.fleet.map_data import CHONGQING, assign, booking, local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_fleet_map_draws_vehicles_and_bookings(page, live_server):
    unit = UnitFactory(name="锦江区测试局")
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit)
    manager = UserFactory()
    pool = PoolFactory(operator=manager.unit, members=[unit], managers=[manager])
    now = timezone.now()
    car = VehicleFactory(
        holder=unit,
        plate="川A00001",
        last_position=Point(104.1, 30.7, srid=4490),
        last_position_at=now - dt.timedelta(minutes=1),
    )
    VehicleFactory(
        holder=unit,
        plate="川A00002",
        last_position=Point(104.2, 30.75, srid=4490),
        last_position_at=now - dt.timedelta(hours=2),
    )
    VehicleFactory(holder=unit, plate="川A00003", base_building=BuildingFactory(managing_unit=unit))
    today = timezone.localdate()
    booking(unit, officer, pool, local(today, 9), local(today, 12))
    crossing = booking(
        unit,
        officer,
        pool,
        local(today, 13),
        local(today, 18),
        destination=CHONGQING,
        destination_label="重庆市人民政府",
        region_class=RegionClass.CROSS_PROVINCE,
        crosses_border=True,
    )
    assign(crossing, car, manager)

    sign_in(page, live_server, officer, "/")
    page.locator("#nav-fleet").click()
    page.wait_for_url(f"{live_server.url}/fleet/map/")
    page.wait_for_function(
        "() => document.querySelector('#fleet-map').getAttribute('data-ready') === 'true'"
    )
    fleet_map = page.locator("#fleet-map")
    expect(fleet_map).to_have_attribute("data-vehicles", "3")
    expect(fleet_map).to_have_attribute("data-bookings", "2")
    # Two lines and three markers are drawn as SVG paths over the basemap.
    expect(page.locator("#fleet-map path.leaflet-interactive")).to_have_count(5)
    expect(page.locator("#fleet-line-legend .fleet-line-assigned")).to_have_count(1)

    strings = page.evaluate(
        "() => JSON.parse(document.getElementById('fleet-map-config').textContent)"
    )
    page.get_by_label(strings["strings"]["by_region"]).check()
    legend = page.locator("#fleet-line-legend")
    expect(legend.locator(".fleet-line-cross_province")).to_have_count(1)
    expect(legend).to_contain_text(strings["region_class"]["cross_province"])
    expect(fleet_map).to_have_attribute("data-basemap", "true")


def test_an_idle_vehicle_is_offered_from_the_utilisation_page(page, live_server):
    ensure_default_rules()  # a transactional test's flush empties what migration 0006 seeded
    unit = UnitFactory(name="锦江区测试局")
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit)
    car = VehicleFactory(holder=unit, plate="川A00009", asset=AssetFactory(holder=unit))
    # Recorded before the idle window: a vehicle recorded today has no hours to be idle in.
    Vehicle.objects.filter(pk=car.pk).update(created_at=timezone.now() - dt.timedelta(days=60))

    sign_in(page, live_server, officer, "/fleet/utilisation/")
    row = page.locator('#idle-table tr[data-vehicle="川A00009"]')
    expect(row).to_contain_text("0.0%")
    row.get_by_role("button").click()
    listing = Listing.objects.get(asset=car.asset)
    page.wait_for_url(f"{live_server.url}{listing.get_absolute_url()}")
    assert (listing.reason, listing.mode) == ("idle", "virtual")
