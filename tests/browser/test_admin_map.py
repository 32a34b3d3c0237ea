import pytest
from playwright.sync_api import expect

from portal.org.choices import Role
from tests.factories import PASSWORD, BuildingFactory, UserFactory, division

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_building_map_widget_draws_the_offline_basemap(page, live_server):
    user = UserFactory(role=Role.PROVINCE_ADMIN)
    division("510107")
    building = BuildingFactory(managing_unit=user.unit)
    page.goto(
        f"{live_server.url}/admin/login/?next=/admin/buildings/building/{building.pk}/change/"
    )
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    map_panel = page.locator(".leaflet-container").first
    expect(map_panel).to_be_visible()
    # The division squares arrive from /divisions/basemap.geojson and are drawn as SVG paths.
    expect(map_panel.locator("path.leaflet-interactive, svg path").first).to_be_attached()
    assert map_panel.locator(".leaflet-tile").count() == 0  # no tile host at all
