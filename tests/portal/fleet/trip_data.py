"""A small pooled world for the trip and settlement tests, written straight with the ORM.

Bookings are made ASSIGNED with their assignment rows directly, so these tests do not depend
on the booking or dispatch services; :func:`trip` writes a completed trip with fixed figures
for the settlement arithmetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from portal.fleet.choices import BookingStatus, RegionClass
from portal.fleet.models import Assignment, Booking, Driver, Trip, Vehicle, VehiclePool
from portal.fleet.services.trips import TripFigures
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import UnitFactory, UserFactory, VehicleFactory
from tests.portal.fleet.factories import DriverFactory, PoolFactory, TariffFactory

CHENGDU = Point(104.06, 30.66, srid=4490)
MIANYANG = Point(104.74, 31.46, srid=4490)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@dataclass
class World:
    pool: VehiclePool
    manager: User
    requester_unit: Unit
    requester: User
    holder: Unit
    holder_officer: User
    vehicle: Vehicle
    driver: Driver


def world(**tariff: object) -> World:
    """A pool of two member units: one asks for trips, the other holds a sedan and its driver;
    the pool's default sedan tariff is 2.50 yuan/km and 30.00 yuan/h from 2020."""
    requester_unit, holder = UnitFactory(name="甲单位"), UnitFactory(name="乙单位")
    operator = UnitFactory(name="机关事务管理局")
    manager = UserFactory(unit=operator)
    pool = PoolFactory(operator=operator, members=[requester_unit, holder], managers=[manager])
    TariffFactory(pool=pool, **tariff)
    vehicle = VehicleFactory(holder=holder, odometer_km=12000)
    return World(
        pool=pool,
        manager=manager,
        requester_unit=requester_unit,
        requester=UserFactory(unit=requester_unit),
        holder=holder,
        holder_officer=UserFactory(unit=holder),
        vehicle=vehicle,
        driver=DriverFactory(unit=holder),
    )


def assigned_booking(
    w: World,
    *,
    unit: Unit | None = None,
    vehicle: Vehicle | None = None,
    starts_at: dt.datetime | None = None,
    hours: float = 4,
    region_class: str = RegionClass.SICHUAN,
    crosses_border: bool = False,
    status: str = BookingStatus.ASSIGNED,
) -> Booking:
    """A booking of ``unit`` (the requesting unit) served by ``vehicle``, assigned directly."""
    unit = unit or w.requester_unit
    starts_at = starts_at or local(timezone.localdate() - dt.timedelta(days=2), 9)
    ends_at = starts_at + dt.timedelta(hours=hours)
    booking = Booking.objects.create(
        unit=unit,
        requested_by=w.requester,
        pool=w.pool,
        trip_type="business",
        purpose="调研",
        passengers=2,
        origin=CHENGDU,
        origin_label="成都",
        destination=MIANYANG,
        destination_label="绵阳",
        starts_at=starts_at,
        ends_at=ends_at,
        seats_needed=2,
        status=status,
        chain=["unit"],
        region_class=region_class,
        crosses_border=crosses_border,
    )
    vehicle = vehicle or w.vehicle
    driver = DriverFactory(unit=vehicle.holder)
    Assignment.objects.create(
        booking=booking,
        vehicle=vehicle,
        driver=driver,
        period=DateTimeTZRange(starts_at, ends_at),
        assigned_by=w.manager,
    )
    return booking


def figures(
    booking: Booking, *, km: str = "100.0", minutes: int = 240, **costs: object
) -> TripFigures:
    """A log sheet: ``km`` driven from 12000.0, ``minutes`` from the booking's start."""
    return TripFigures(
        odometer_start=Decimal("12000.0"),
        odometer_end=Decimal("12000.0") + Decimal(km),
        actual_start=booking.starts_at,
        actual_end=booking.starts_at + dt.timedelta(minutes=minutes),
        **costs,  # type: ignore[arg-type]
    )


def trip(
    w: World,
    *,
    payer: Unit,
    payee_vehicle: Vehicle,
    amount: str,
    ended: dt.datetime,
    region_class: str = RegionClass.SICHUAN,
    crosses_border: bool = False,
    km: str = "10.0",
) -> Trip:
    """A completed trip with a fixed amount, written directly (settlement reads only)."""
    booking = assigned_booking(
        w,
        unit=payer,
        vehicle=payee_vehicle,
        starts_at=ended - dt.timedelta(hours=2),
        hours=2,
        region_class=region_class,
        crosses_border=crosses_border,
        status=BookingStatus.COMPLETED,
    )
    assignment = booking.assignments.get()
    return Trip.objects.create(
        booking=booking,
        vehicle=payee_vehicle,
        driver=assignment.driver,
        odometer_start=Decimal("0.0"),
        odometer_end=Decimal(km),
        actual_start=booking.starts_at,
        actual_end=ended,
        distance_km=Decimal(km),
        billed_hours=Decimal("2.0"),
        per_km=Decimal("0.00"),
        per_hour=Decimal("0.00"),
        amount=Decimal(amount),
        payer=payer,
        payee=payee_vehicle.holder,
        region_class=region_class,
        crosses_border=crosses_border,
        completed_by=w.manager,
    )


def province_admin() -> User:
    return UserFactory(role=Role.PROVINCE_ADMIN)
