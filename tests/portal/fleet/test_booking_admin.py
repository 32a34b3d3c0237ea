"""The fleet admin: bookings are read there, never written; tariffs and approval rules are the
province administrators' to change; drivers and pools follow the unit scope."""

import pytest
from django.urls import reverse

from portal.fleet.models import TripApprovalRule
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.fleet.booking_data import world_in_english
from tests.portal.fleet.factories import DriverFactory, TariffFactory

world = pytest.fixture(world_in_english, name="world")


def test_bookings_are_read_only_in_the_admin(client, world):
    booking = world.book()
    client.force_login(world.officer_a)
    assert client.get(reverse("admin:fleet_booking_changelist")).status_code == 200
    page = client.get(reverse("admin:fleet_booking_change", args=[booking.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.get(reverse("admin:fleet_booking_add")).status_code == 403
    client.force_login(world.officer_b)
    hidden = client.get(reverse("admin:fleet_booking_change", args=[booking.pk]))
    assert hidden.status_code == 302  # out of scope: the admin says it does not exist


def test_only_province_administrators_change_rules_and_tariffs(client, world):
    tariff = TariffFactory(pool=world.pool)
    rule = TripApprovalRule.objects.get(unit=None, trip_type="")
    system = UserFactory(role=Role.SYSTEM_ADMIN, unit=world.province_admin.unit)
    for user, allowed in ((world.province_admin, True), (system, False), (world.officer_a, False)):
        client.force_login(user)
        for url in (
            reverse("admin:fleet_tariff_change", args=[tariff.pk]),
            reverse("admin:fleet_tripapprovalrule_change", args=[rule.pk]),
        ):
            page = client.get(url)
            assert page.status_code == 200
            assert page.context["has_change_permission"] is allowed


def test_a_rule_with_unknown_steps_is_refused(client, world):
    client.force_login(world.province_admin)
    response = client.post(
        reverse("admin:fleet_tripapprovalrule_add"),
        {"unit": "", "trip_type": "emergency", "steps": '["unit", "mayor"]', "active": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not TripApprovalRule.objects.filter(trip_type="emergency").exists()


def test_drivers_follow_the_unit_scope(client, world):
    mine = DriverFactory(unit=world.unit_a)
    theirs = DriverFactory(unit=world.unit_b)
    client.force_login(world.officer_a)
    page = client.get(reverse("admin:fleet_driver_changelist"))
    assert list(page.context["cl"].result_list) == [mine]
    assert client.get(reverse("admin:fleet_driver_change", args=[theirs.pk])).status_code == 302
