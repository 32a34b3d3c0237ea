"""A small booking world for the booking, approval and booking-page tests.

Two member units of one pool (锦江区's and 武侯区's offices), a unit outside the pool (涪城区), a
pool manager, officers of each unit, Chengdu's city administrator and a province administrator.
Trips run from 锦江区 to 涪城区 (both in the square Sichuan of tests.factories) unless a test moves
an end to the real 渝中区 to cross the border. Service messages are read in English.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import translation

from portal.fleet.models import Assignment, Booking, TripApprovalRule, Vehicle, VehiclePool
from portal.fleet.services.bookings import create_booking
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import UnitFactory, UserFactory, centre
from tests.portal.fleet.factories import DriverFactory, PoolFactory, at, point

YUZHONG = point(106.53, 29.552)  # inside the real 渝中区 500103


@dataclass
class World:
    unit_a: Unit
    unit_b: Unit
    outsider_unit: Unit
    pool: VehiclePool
    officer_a: User
    officer_a2: User
    officer_b: User
    outsider: User
    manager: User
    city_admin: User
    province_admin: User
    viewer_a: User

    def fields(self, **overrides: Any) -> dict[str, Any]:
        """What a requester of unit A types for a trip tomorrow morning."""
        fields = {
            "unit": self.unit_a,
            "pool": self.pool,
            "trip_type": "business",
            "purpose": "调研公务用车平台",
            "passengers": 2,
            "passenger_names": "张三、李四",
            "origin": centre("510104"),
            "origin_label": "锦江区政府",
            "destination": centre("510703"),
            "destination_label": "涪城区政府",
            "starts_at": at(1, 9),
            "ends_at": at(1, 17),
            "round_trip": True,
            "seats_needed": 4,
            "nev_ok": True,
            "vehicle_type": "",
        }
        fields.update(overrides)
        return fields

    def book(self, by: User | None = None, **overrides: Any) -> Booking:
        return create_booking(self.fields(**overrides), by=by or self.officer_a)


def make_world() -> World:
    # Transactional tests flush the rule migration 0005 seeds: put it back when it is gone.
    TripApprovalRule.objects.get_or_create(
        unit=None, trip_type="", active=True, defaults={"steps": ["unit"]}
    )
    unit_a = UnitFactory(division_code="510104", name="锦江区机关事务局")
    unit_b = UnitFactory(division_code="510107", name="武侯区机关事务局")
    outsider_unit = UnitFactory(division_code="510703", name="涪城区机关事务局")
    city_unit = UnitFactory(division_code="510100", name="成都市机关事务管理局")
    province_unit = UnitFactory(division_code="510000", name="四川省机关事务管理局")
    manager = UserFactory(unit=province_unit, username="pool-manager")
    pool = PoolFactory(
        name="省直公务用车平台",
        operator=province_unit,
        members=[unit_a, unit_b],
        managers=[manager],
    )
    return World(
        unit_a=unit_a,
        unit_b=unit_b,
        outsider_unit=outsider_unit,
        pool=pool,
        officer_a=UserFactory(unit=unit_a, username="officer-a"),
        officer_a2=UserFactory(unit=unit_a, username="officer-a2"),
        officer_b=UserFactory(unit=unit_b, username="officer-b"),
        outsider=UserFactory(unit=outsider_unit, username="outsider"),
        manager=manager,
        city_admin=UserFactory(unit=city_unit, role=Role.DIVISION_ADMIN, username="city-admin"),
        province_admin=UserFactory(
            unit=province_unit, role=Role.PROVINCE_ADMIN, username="province-admin"
        ),
        viewer_a=UserFactory(unit=unit_a, role=Role.VIEWER, username="viewer-a"),
    )


def world_in_english(db: None) -> Iterator[World]:
    """The ``world`` fixture of the booking tests (``pytest.fixture(world_in_english, ...)``)."""
    with translation.override("en"):
        yield make_world()


def assign(booking: Booking, world: World, plate: str = "川A12345") -> Assignment:
    """Give ``booking`` a vehicle of unit B and a driver, as dispatch would (status ASSIGNED)."""
    vehicle = Vehicle.objects.create(
        plate=plate, vehicle_type="sedan", seats=5, energy="fuel", holder=world.unit_b
    )
    driver = DriverFactory(unit=world.unit_b, name="王师傅", phone="13800000000")
    assignment = Assignment.objects.create(
        booking=booking,
        vehicle=vehicle,
        driver=driver,
        period=DateTimeTZRange(booking.starts_at, booking.ends_at),
        assigned_by=world.manager,
    )
    Booking.objects.filter(pk=booking.pk).update(status="assigned")
    booking.refresh_from_db()
    return assignment
