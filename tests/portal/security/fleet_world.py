"""The records of the fleet scoping matrix (tests/portal/security/test_fleet_matrix.py).

Every account belongs to one unit of 锦江区 (Chengdu), ``home``; the other units are of 涪城区
(Mianyang). Two active pools: ``plain`` (members home, F1, F3; managed by nobody here) and
``managed`` (members F2, F4), which the accounts marked as managers manage. The records, each a
completed booking with its trip (settled last month) and the vehicle, driver and position behind
it:

* ``own``: a booking of home in the plain pool, served by F3's vehicle (home pays F3);
* ``other``: a booking of F1 in the plain pool, served by F3's vehicle (F1 pays F3);
* ``pooled``: a booking of F2 in the managed pool, served by F4's vehicle (F2 pays F4);
* ``served``: a booking of F1 in the plain pool, served by home's vehicle (F1 pays home).

Vehicles and drivers have three kinds: home's (``own``), F3's (``other``, whose unit is in no
managed pool) and F4's (``pooled``, a member of the managed pool). Fleet records carry no
confidentiality level. :func:`build_world` adds an account of every role in home, once as a
plain member and once as a manager of the managed pool.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from portal.fleet.choices import BookingStatus, RegionClass
from portal.fleet.forms.trips import last_month
from portal.fleet.models import Assignment, Booking, Driver, Trip, Vehicle, VehiclePool
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import UnitFactory, UserFactory

MANAGES = (False, True)


@dataclass(frozen=True)
class Record:
    kind: str
    pk: int
    marks: tuple[str, ...]  # what must not appear where the record is hidden


@dataclass
class FleetWorld:
    bookings: dict[str, Record]
    trips: dict[str, Record]
    vehicles: dict[str, Record]
    drivers: dict[str, Record]
    pools: dict[str, VehiclePool]
    payers: dict[str, tuple[int, int]]  # kind → (payer, payee) unit ids of its trip
    day: dt.date
    waiting: int  # an approved booking of the managed pool, tomorrow: the assign API's target
    users: dict[tuple[Role, bool], User] = field(default_factory=dict)


# Coordinates no other record shares to four decimals: each kind's origin, destination and the
# last position of each vehicle kind.
ORIGINS = {
    "own": ((104.081231, 30.651243), (104.162341, 30.702351)),
    "other": ((104.751213, 31.471231), (104.812341, 31.512343)),
    "pooled": ((104.731223, 31.443211), (104.692331, 31.401231)),
    "served": ((104.771231, 31.481113), (104.052341, 30.612341)),
}
POSITIONS = {
    "own": (104.093211, 30.663421),
    "other": (104.763311, 31.491123),
    "pooled": (104.723411, 31.423311),
}
# Each trip's amount is its own, so a statement or a pool summary names it by its figure.
AMOUNTS = {
    "own": Decimal("1111.17"),
    "other": Decimal("2222.27"),
    "pooled": Decimal("3333.37"),
    "served": Decimal("4444.47"),
}


def _vehicle(kind: str, holder: Unit, plate: str) -> tuple[Vehicle, Driver]:
    lon, lat = POSITIONS[kind]
    vehicle = Vehicle.objects.create(
        plate=plate,
        vehicle_type="sedan",
        seats=5,
        energy="fuel",
        holder=holder,
        last_position=Point(lon, lat, srid=4490),
        last_position_at=timezone.now() - dt.timedelta(minutes=1),
    )
    driver = Driver.objects.create(name=f"矩阵司机{kind}", unit=holder, licence_class="C1")
    return vehicle, driver


def _local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _trip(
    kind: str,
    unit: Unit,
    pool: VehiclePool,
    served_by: tuple[Vehicle, Driver],
    day: dt.date,
    by: User,
) -> tuple[Record, Record]:
    """A completed booking of ``unit`` on ``day`` served by ``served_by``, and its trip."""
    (olon, olat), (dlon, dlat) = ORIGINS[kind]
    vehicle, driver = served_by
    starts, ends = _local(day, 9), _local(day, 13)
    booking = Booking.objects.create(
        unit=unit,
        requested_by=by,
        pool=pool,
        trip_type="business",
        purpose=f"矩阵出行{kind}",
        passengers=2,
        seats_needed=2,
        origin=Point(olon, olat, srid=4490),
        origin_label=f"矩阵起点{kind}",
        destination=Point(dlon, dlat, srid=4490),
        destination_label=f"矩阵终点{kind}",
        starts_at=starts,
        ends_at=ends,
        status=BookingStatus.COMPLETED,
        chain=["unit"],
        region_class=RegionClass.SICHUAN,
    )
    # The assignment stays active after completion: it is what the holder reads the booking by.
    Assignment.objects.create(
        booking=booking,
        vehicle=vehicle,
        driver=driver,
        period=DateTimeTZRange(starts, ends),
        assigned_by=by,
    )
    trip = Trip.objects.create(
        booking=booking,
        vehicle=vehicle,
        driver=driver,
        odometer_start=Decimal(1000),
        odometer_end=Decimal(1100),
        actual_start=starts,
        actual_end=ends,
        distance_km=Decimal(100),
        billed_hours=Decimal(4),
        per_km=Decimal("2.50"),
        per_hour=Decimal(30),
        amount=AMOUNTS[kind],
        payer=unit,
        payee=vehicle.holder,
        region_class=RegionClass.SICHUAN,
        completed_by=by,
    )
    booking_marks = (
        booking.origin_label,
        booking.destination_label,
        booking.purpose,
        f"{olon:.4f}",
        f"{olat:.4f}",
    )
    return Record(kind, booking.pk, booking_marks), Record(kind, trip.pk, (str(trip.amount),))


def _waiting(unit: Unit, pool: VehiclePool, by: User) -> int:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    booking = Booking.objects.create(
        unit=unit,
        requested_by=by,
        pool=pool,
        trip_type="business",
        purpose="矩阵待派",
        passengers=1,
        seats_needed=1,
        origin=Point(104.74, 31.46, srid=4490),
        origin_label="矩阵待派起点",
        destination=Point(104.70, 31.40, srid=4490),
        destination_label="矩阵待派终点",
        starts_at=_local(tomorrow, 9),
        ends_at=_local(tomorrow, 13),
        status=BookingStatus.APPROVED,
        chain=["unit"],
        region_class=RegionClass.SICHUAN,
    )
    return booking.pk


def build_world() -> FleetWorld:
    home = UnitFactory(division_code="510104", name="车队矩阵锦江局")
    f1, f2, f3, f4, operator = (
        UnitFactory(division_code="510703", name=f"车队矩阵涪城{n}局") for n in range(1, 6)
    )
    outsider = UserFactory(role=Role.UNIT_OFFICER, unit=operator, username="fleet-matrix-ops")
    plain = VehiclePool.objects.create(name="矩阵普通车池", operator=operator)
    plain.members.set([home, f1, f3])
    plain.managers.set([outsider])
    managed = VehiclePool.objects.create(name="矩阵管理车池", operator=operator)
    managed.members.set([f2, f4])
    fleet = {
        "own": _vehicle("own", home, "川A9M001"),
        "other": _vehicle("other", f3, "川B9M002"),
        "pooled": _vehicle("pooled", f4, "川B9M003"),
    }
    month = last_month()
    day = month.first + dt.timedelta(days=9)
    plan = {
        "own": (home, plain, fleet["other"]),
        "other": (f1, plain, fleet["other"]),
        "pooled": (f2, managed, fleet["pooled"]),
        "served": (f1, plain, fleet["own"]),
    }
    bookings, trips, payers = {}, {}, {}
    for offset, (kind, (unit, pool, served_by)) in enumerate(plan.items()):
        # One day each: the same vehicle and driver serve two kinds, never at once.
        booking, trip = _trip(
            kind, unit, pool, served_by, day + dt.timedelta(days=offset), outsider
        )
        bookings[kind], trips[kind] = booking, trip
        payers[kind] = (unit.pk, served_by[0].holder_id)
    vehicles, drivers = {}, {}
    for kind, (vehicle, driver) in fleet.items():
        lon, lat = POSITIONS[kind]
        vehicles[kind] = Record(kind, vehicle.pk, (vehicle.plate, f"{lon:.4f}", f"{lat:.4f}"))
        drivers[kind] = Record(kind, driver.pk, (driver.name,))
    pools = {"plain": plain, "managed": managed}
    waiting = _waiting(f2, managed, outsider)
    world = FleetWorld(bookings, trips, vehicles, drivers, pools, payers, day, waiting)
    for role in Role:
        for manages in MANAGES:
            user = UserFactory(role=role, unit=home, username=f"fleet-matrix-{role}-{manages}")
            if manages:
                managed.managers.add(user)
            world.users[role, manages] = user
    return world
