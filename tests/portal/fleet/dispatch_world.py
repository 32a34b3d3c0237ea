"""A crafted dispatch world, written straight with the ORM so the dispatch tests do not depend on
the booking services: a pool of two member units (甲 asks for trips, 乙 holds vehicles), an outside
unit, the pool's manager, and approved bookings from a fixed origin in Chengdu.

Places are given as (lon, lat). Points 0.01° of latitude apart are ≈ 1.11 km apart, so distances
in the tests are easy to reason about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from portal.fleet.choices import BookingStatus, RegionClass
from portal.fleet.models import Assignment, Booking, Driver, Vehicle, VehiclePool
from portal.org.models import Unit, User
from tests.factories import BuildingFactory, UnitFactory, UserFactory, VehicleFactory
from tests.portal.fleet.factories import DriverFactory, PoolFactory, at

ORIGIN = (104.06, 30.66)
DESTINATION = (104.06, 30.76)


def pt(lonlat: tuple[float, float]) -> Point:
    return Point(*lonlat, srid=4490)


@dataclass
class World:
    pool: VehiclePool
    manager: User
    requester_unit: Unit
    requester: User
    holder: Unit
    outsider: Unit


def world() -> World:
    requester_unit, holder = UnitFactory(name="甲单位"), UnitFactory(name="乙单位")
    operator = UnitFactory(name="机关事务管理局")
    manager = UserFactory(unit=operator, username="pool-manager")
    pool = PoolFactory(operator=operator, members=[requester_unit, holder], managers=[manager])
    return World(
        pool=pool,
        manager=manager,
        requester_unit=requester_unit,
        requester=UserFactory(unit=requester_unit, username="requester"),
        holder=holder,
        outsider=UnitFactory(name="丙单位"),
    )


def vehicle_at(holder: Unit, lonlat: tuple[float, float], **fields: object) -> Vehicle:
    """A vehicle of ``holder`` based at a building standing at ``lonlat``."""
    building = BuildingFactory(managing_unit=holder, geom=pt(lonlat))
    return VehicleFactory(holder=holder, base_building=building, **fields)


def driver(unit: Unit, licence: str = "C1", **fields: object) -> Driver:
    return DriverFactory(unit=unit, licence_class=licence, **fields)


def booking(
    w: World,
    *,
    starts_at: dt.datetime | None = None,
    hours: float = 3,
    origin: tuple[float, float] = ORIGIN,
    destination: tuple[float, float] = DESTINATION,
    status: str = BookingStatus.APPROVED,
    **fields: object,
) -> Booking:
    """An approved booking of 甲 (by default tomorrow 09:00 for ``hours``)."""
    starts_at = starts_at or at(1, 9)
    passengers = fields.pop("passengers", 2)
    return Booking.objects.create(
        unit=fields.pop("unit", w.requester_unit),
        requested_by=w.requester,
        pool=w.pool,
        trip_type=fields.pop("trip_type", "business"),
        purpose=fields.pop("purpose", "调研"),
        passengers=passengers,
        origin=pt(origin),
        origin_label=fields.pop("origin_label", "出发地"),
        destination=pt(destination),
        destination_label=fields.pop("destination_label", "目的地"),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        seats_needed=fields.pop("seats_needed", passengers),
        status=status,
        region_class=RegionClass.SICHUAN,
        **fields,
    )


def hold(b: Booking, vehicle: Vehicle, drv: Driver, by: User) -> Assignment:
    """An active assignment of ``vehicle`` and ``drv`` over ``b``'s window, written directly."""
    b.status = BookingStatus.ASSIGNED
    b.save(update_fields=["status"])
    return Assignment.objects.create(
        booking=b,
        vehicle=vehicle,
        driver=drv,
        period=DateTimeTZRange(b.starts_at, b.ends_at, "[)"),
        assigned_by=by,
    )
