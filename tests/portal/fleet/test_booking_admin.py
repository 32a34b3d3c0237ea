"""The fleet admin: bookings are read there, never written; tariffs and approval rules are the
province administrators' to change; drivers and pools follow the unit scope."""

import pytest
from django.contrib.admin import site
from django.urls import reverse

from portal.fleet.models import TripApprovalRule, VehiclePool
from portal.org.choices import Role
from portal.org.models import Unit
from tests.factories import UserFactory
from tests.portal.fleet.booking_data import world_in_english
from tests.portal.fleet.factories import DriverFactory, PoolFactory, TariffFactory

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


def pool_form(world, **overrides):
    data = {
        "name": "我的池",
        "operator": world.unit_a.pk,
        "members": [world.unit_a.pk, world.unit_b.pk, world.outsider_unit.pk],
        "managers": [world.officer_a.pk],
        "active": "on",
        "description": "",
        "version": "",
    }
    return {**data, **overrides}


def test_only_province_administrators_set_up_pools(client, world):
    client.force_login(world.officer_a)
    assert client.get(reverse("admin:fleet_vehiclepool_add")).status_code == 403
    response = client.post(reverse("admin:fleet_vehiclepool_add"), pool_form(world))
    assert response.status_code == 403
    assert not VehiclePool.objects.filter(name="我的池").exists()
    operated = PoolFactory(operator=world.unit_a, members=[world.unit_a])
    page = client.get(reverse("admin:fleet_vehiclepool_change", args=[operated.pk]))
    assert page.status_code == 200  # his unit's pool: he sees it, and no more
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    response = client.post(
        reverse("admin:fleet_vehiclepool_change", args=[operated.pk]),
        pool_form(world, name=operated.name),
    )
    assert response.status_code == 403
    assert list(operated.members.all()) == [world.unit_a]
    assert not operated.managers.exists()
    client.force_login(world.province_admin)
    page = client.get(reverse("admin:fleet_vehiclepool_change", args=[world.pool.pk]))
    assert page.context["has_change_permission"] is True


def test_a_pools_choices_follow_the_editors_scope(rf, world):
    retired = UserFactory(unit=world.unit_a, is_active=False)
    pool_admin = site._registry[VehiclePool]
    for user in (world.province_admin, world.city_admin):
        request = rf.get("/")
        request.user = user
        fields = pool_admin.get_form(request)().fields
        units = set(Unit.objects.editable_by(user))
        assert set(fields["members"].queryset) == units
        managers = set(fields["managers"].queryset)
        assert {manager.unit for manager in managers} <= units
        assert world.officer_a in managers
        assert retired not in managers
    assert world.outsider_unit not in units  # the city administrator's: Chengdu's units only
    assert world.province_admin not in managers


def test_tariffs_of_one_pool_type_and_class_may_not_overlap(client, world):
    TariffFactory(
        pool=world.pool, vehicle_type="sedan", valid_from="2026-01-01", valid_to="2026-06-30"
    )
    client.force_login(world.province_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def add(valid_from, valid_to="", region_class=""):
        data = {
            "pool": world.pool.pk,
            "vehicle_type": "sedan",
            "region_class": region_class,
            "per_km": "3.00",
            "per_hour": "40.00",
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
        return client.post(reverse("admin:fleet_tariff_add"), data)

    refused = add("2026-06-01")  # open-ended, from inside the first one's period
    assert refused.status_code == 200  # the form again, with the error
    assert "valid from 2026-01-01 to 2026-06-30" in refused.content.decode()
    assert add("2025-01-01", "2026-01-01").status_code == 200  # its last day on the other's first
    assert world.pool.tariffs.count() == 1
    assert add("2026-07-01").status_code == 302  # the day after: no overlap
    assert add("2026-03-01", region_class="cross_province").status_code == 302  # another class
    refused = add("2027-01-01")  # inside the open-ended one just added
    assert "valid from 2026-07-01 with no end" in refused.content.decode()
    assert world.pool.tariffs.count() == 3
