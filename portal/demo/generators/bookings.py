"""Planned vehicle bookings: ~90 days of history and two weeks ahead, on real boundaries.

Units of each pool ask for trips to other units nearby, to county seats of their province,
across the Sichuan–Chongqing border, inside their cooperation region and now and then beyond
both provinces. Each trip is classified as portal.fleet.services.regions classifies it (the
county covering each end, the cooperation region covering both), here with shapely on the same
boundaries the reference stage loaded, so thousands of bookings need no query each.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyproj
import shapely
from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone

from portal.demo.data import codes
from portal.demo.data import fleet as data
from portal.demo.generators.pools import DemoPool
from portal.demo.generators.world import DemoUnit, World
from portal.fleet.choices import BookingStatus, VehicleType
from portal.fleet.services.regions import region_label

GEOD = pyproj.Geod(ellps="WGS84")
SICHUAN, CHONGQING = "51", "50"
# Destination kinds and their weights, per pool: the provincial pool rarely leaves Sichuan.
KINDS = ("local", "province", "region", "border", "outside")
KIND_WEIGHTS = {
    data.PROVINCIAL_POOL: (0.62, 0.28, 0.0, 0.08, 0.02),
    data.CROSS_POOL: (0.40, 0.15, 0.25, 0.17, 0.03),
}
WEEKEND_SHARE = 0.2
AVERAGE_KMH = 55


@dataclass
class Classified:
    region_class: str
    crosses_border: bool
    region: str | None  # the cooperation region's name
    origin_code: str | None
    destination_code: str | None


class Geography:
    """County seats, cooperation regions and the classification of a trip's two ends."""

    def __init__(self, world: World) -> None:
        self.world = world
        counties = [p for p in world.places.values() if p.row.level == "county"]
        self.seats = {SICHUAN: [], CHONGQING: []}
        for place in sorted(counties, key=lambda p: p.code):
            self.seats[place.code[:2]].append(place)
        self.provinces = [world.places[c] for c in ("510000", "500000") if c in world.places]
        self.regions = []
        for name, _kind, members, _text in codes.COOPERATION_REGIONS:
            union = shapely.union_all([world.places[c].row.geom for c in members])
            shapely.prepare(union)
            prefixes = tuple(self._prefix(c) for c in members)
            self.regions.append((union.area, name, union, prefixes))
        self.regions.sort(key=lambda r: (r[0], r[1]))

    def _prefix(self, code: str) -> str:
        """The code prefix of a division and everything below it (a city's first 4 digits)."""
        level = self.world.places[code].row.level
        return {"province": code[:2], "city": code[:4]}.get(level, code)

    def division(self, lon: float, lat: float) -> str | None:
        """The county covering the point, else the province, else None (outside both)."""
        code = self.world.locator.locate(lon, lat)
        if code is not None:
            return code
        here = shapely.Point(lon, lat)
        return next((p.code for p in self.provinces if p.row.geom.intersects(here)), None)

    def region_members(self, code: str | None) -> tuple[str, ...]:
        """The code prefixes of the smallest cooperation region holding division ``code``."""
        for _area, _name, _geom, prefixes in self.regions:
            if code and code.startswith(prefixes):
                return prefixes
        return ()

    def classify(self, origin: tuple[float, float], destination: tuple[float, float]) -> Classified:
        start, end = self.division(*origin), self.division(*destination)
        a, b = shapely.Point(origin), shapely.Point(destination)
        region = next(
            (
                name
                for _s, name, geom, _m in self.regions
                if geom.intersects(a) and geom.intersects(b)
            ),
            None,
        )
        first, second = (c[:2] if c else None for c in (start, end))
        label, crosses = region_label(first, second, in_region=region is not None)
        return Classified(str(label), crosses, region, start, end)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def road_km(distance_m: float) -> float:
    return distance_m * settings.TIANFU_FLEET["road_factor"] / 1000


@dataclass(eq=False)
class PlannedBooking:
    """A booking to write, with what its approvals, assignment and trip need."""

    pool: DemoPool
    unit: DemoUnit
    trip_type: str
    purpose: str
    passengers: int
    seats_needed: int
    origin: tuple[float, float]
    origin_label: str
    destination: tuple[float, float]
    destination_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    round_trip: bool
    nev_ok: bool
    vehicle_type: str
    classified: Classified
    distance_m: float
    created_at: dt.datetime
    status: str = BookingStatus.SUBMITTED
    cancel_reason: str = ""
    pk: int = 0
    vehicle: object = None
    driver: object = None
    chain: list[str] = field(default_factory=list)

    @cached_property
    def trip_km(self) -> float:
        return road_km(self.distance_m) * (2 if self.round_trip else 1)

    def point(self, end: tuple[float, float]) -> Point:
        return Point(*end, srid=4490)


def _origin(unit: DemoUnit) -> tuple[tuple[float, float], str]:
    building = unit.main_building
    if building is not None:
        return (building.geom.x, building.geom.y), building.name
    return unit.anchor, unit.name


def _local(
    unit: DemoUnit, units: list[DemoUnit], rng: np.random.Generator
) -> tuple[tuple[float, float], str] | None:
    """Another unit of the same city (or, for a provincial one, of the province's capital)."""
    prefix = unit.place.code[:4] if unit.level != "province" else "5101"
    near = [u for u in units if u is not unit and u.place.code.startswith(prefix)]
    if not near:
        return None
    other = near[int(rng.integers(len(near)))]
    return _origin(other)[0], other.name


def _seat(places: list, rng: np.random.Generator) -> tuple[tuple[float, float], str]:
    place = places[int(rng.integers(len(places)))]
    return place.seat, place.name


def destination(
    geo: Geography, plan: dict, rng: np.random.Generator
) -> tuple[tuple[float, float], str]:
    """Where a booking goes, by a kind drawn with the pool's weights."""
    unit, pool = plan["unit"], plan["pool"]
    kind = KINDS[int(rng.choice(len(KINDS), p=KIND_WEIGHTS[pool.model.name]))]
    province = SICHUAN if unit.place.code.startswith(SICHUAN) else CHONGQING
    if kind == "local":
        found = _local(unit, plan["units"], rng)
        if found is not None:
            return found
        kind = "province"
    if kind == "region":
        members = geo.region_members(geo.division(*plan["origin"]))
        inside = [p for s in geo.seats.values() for p in s if p.code.startswith(members)]
        if members and inside:
            return _seat(inside, rng)
        kind = "border"
    if kind == "outside":
        name, lon, lat = data.OUTSIDE_PLACES[int(rng.integers(len(data.OUTSIDE_PLACES)))]
        return (lon, lat), name
    other = CHONGQING if province == SICHUAN else SICHUAN
    return _seat(geo.seats[other if kind == "border" else province], rng)


def _times(day: dt.date, km: float, rng: np.random.Generator) -> tuple[dt.datetime, dt.datetime]:
    """Leave between 7:30 and 15:30; drive at AVERAGE_KMH, stay 1–4 hours; long trips overnight."""
    start = dt.datetime.combine(day, dt.time(7, 30)) + dt.timedelta(
        minutes=30 * int(rng.integers(17))
    )
    hours = km / AVERAGE_KMH + float(rng.uniform(1, 4))
    if km > 400:
        nights = 1 + int(km > 900)
        end = dt.datetime.combine(day + dt.timedelta(days=nights), dt.time(17, 0))
    else:
        end = start + dt.timedelta(minutes=30 * max(2, math.ceil(hours * 2)))
    return timezone.make_aware(start), timezone.make_aware(end)


def _people(trip_type: str, rng: np.random.Generator) -> tuple[int, int, str]:
    """Passengers, seats and a vehicle type preference (big groups need a minibus or bus)."""
    if trip_type == "conference" and rng.random() < 0.3:
        passengers = int(rng.integers(6, 30))
    else:
        passengers = int(rng.integers(1, 5))
    seats = passengers + int(rng.random() < 0.1)
    if seats > 7:
        return passengers, seats, VehicleType.MINIBUS if seats <= 17 else VehicleType.BUS
    preferred = rng.random() < 0.25
    return passengers, seats, str(rng.choice(["sedan", "suv", "mpv"])) if preferred else ""


def _created(starts_at: dt.datetime, now: dt.datetime, rng: np.random.Generator) -> dt.datetime:
    """Asked 2 hours to 7 days before the start, never after now."""
    before = dt.timedelta(hours=float(rng.uniform(2, 168)))
    return min(starts_at - before, now - dt.timedelta(minutes=float(rng.uniform(5, 600))))


def plan_booking(
    geo: Geography, pool: DemoPool, day: dt.date, now: dt.datetime, rng: np.random.Generator
) -> PlannedBooking:
    unit = pool.members[int(rng.choice(len(pool.members), p=pool.weights))]
    origin, origin_label = _origin(unit)
    plan = {"unit": unit, "pool": pool, "origin": origin, "units": pool.members}
    end, end_label = destination(geo, plan, rng)
    distance = metres(origin, end)
    round_trip = bool(rng.random() < 0.85)
    starts_at, ends_at = _times(day, road_km(distance) * (2 if round_trip else 1), rng)
    kinds, shares = zip(*data.TRIP_TYPES, strict=True)
    trip_type = str(kinds[int(rng.choice(len(kinds), p=shares))])
    purposes = data.PURPOSES[trip_type]
    passengers, seats, preferred = _people(trip_type, rng)
    return PlannedBooking(
        pool=pool,
        unit=unit,
        trip_type=trip_type,
        purpose=purposes[int(rng.integers(len(purposes)))],
        passengers=passengers,
        seats_needed=seats,
        origin=origin,
        origin_label=origin_label,
        destination=end,
        destination_label=end_label,
        starts_at=starts_at,
        ends_at=ends_at,
        round_trip=round_trip,
        nev_ok=bool(rng.random() < 0.85),
        vehicle_type=preferred,
        classified=geo.classify(origin, end),
        distance_m=distance,
        created_at=_created(starts_at, now, rng),
    )


def plan_bookings(
    world: World, pools: list[DemoPool], per_day: int, rng: np.random.Generator
) -> list[PlannedBooking]:
    """Bookings of every pool from HISTORY_DAYS ago to AHEAD_DAYS ahead, fewer at weekends,
    ordered by start."""
    geo = Geography(world)
    now = timezone.now()
    today = timezone.localdate()
    planned = []
    for offset in range(-data.HISTORY_DAYS, data.AHEAD_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        for pool in pools:
            share = len(pool.members) / sum(len(p.members) for p in pools)
            mean = per_day * share * (WEEKEND_SHARE if day.weekday() >= 5 else 1)
            for _ in range(int(rng.poisson(mean))):
                planned.append(plan_booking(geo, pool, day, now, rng))
    planned.sort(key=lambda b: (b.starts_at, b.unit.credit_code, b.destination_label))
    return planned
