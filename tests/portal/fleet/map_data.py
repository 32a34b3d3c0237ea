"""Bookings, assignments and trips written straight with the ORM for the map and utilisation
tests, so that they depend on no booking, dispatch or trip service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from portal.fleet.choices import BookingStatus, RegionClass
from portal.fleet.models import Assignment, Booking, Driver, Trip, Vehicle, VehiclePool
from portal.org.models import Unit, User
from tests.portal.fleet.factories import DriverFactory

CHENGDU = Point(104.06, 30.66, srid=4490)
MIANYANG = Point(104.74, 31.46, srid=4490)
CHONGQING = Point(106.55, 29.56, srid=4490)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def booking(
    unit: Unit,
    by: User,
    pool: VehiclePool,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    **fields: object,
) -> Booking:
    values: dict[str, object] = {
        "trip_type": "business",
        "purpose": "调研",
        "passengers": 2,
        "seats_needed": 2,
        "origin": CHENGDU,
        "origin_label": "省政府",
        "destination": MIANYANG,
        "destination_label": "绵阳市政府",
        "region_class": RegionClass.SICHUAN,
        "status": BookingStatus.APPROVED,
    }
    values.update(fields)
    return Booking.objects.create(
        unit=unit, requested_by=by, pool=pool, starts_at=starts_at, ends_at=ends_at, **values
    )


def assign(
    item: Booking, vehicle: Vehicle, by: User, driver: Driver | None = None, **fields: object
) -> Assignment:
    """An active assignment of ``vehicle`` over the booking's window; the booking ASSIGNED."""
    item.status = BookingStatus.ASSIGNED
    item.save(update_fields=["status"])
    return Assignment.objects.create(
        booking=item,
        vehicle=vehicle,
        driver=driver or DriverFactory(unit=vehicle.holder),
        period=DateTimeTZRange(item.starts_at, item.ends_at),
        assigned_by=by,
        **fields,
    )


def complete(item: Booking, vehicle: Vehicle, driver: Driver, by: User, km: str) -> Trip:
    """A completed trip of ``km`` over the booking's window (figures only, no tariff)."""
    item.status = BookingStatus.COMPLETED
    item.save(update_fields=["status"])
    return Trip.objects.create(
        booking=item,
        vehicle=vehicle,
        driver=driver,
        odometer_start=Decimal(1000),
        odometer_end=Decimal(1000) + Decimal(km),
        actual_start=item.starts_at,
        actual_end=item.ends_at,
        distance_km=Decimal(km),
        billed_hours=Decimal(1),
        per_km=Decimal("2.50"),
        per_hour=Decimal(30),
        amount=Decimal(0),
        payer=item.unit,
        payee=vehicle.holder,
        region_class=item.region_class,
        completed_by=by,
    )
