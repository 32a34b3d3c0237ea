"""Tracking positions for part of the fleet, a few of them stale, as a tracking server posts them.

About half the in-service vehicles carry a terminal. A vehicle on a trip now reports along the
straight line from the trip's origin to its destination; the others are parked or moving near
their base. A quarter of the terminals went silent hours to days ago (the map draws those stale).
Each vehicle's last fix is copied to ``last_position``, as portal.fleet.services.positions does.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from portal.demo import sql as demo_sql
from portal.demo.data import fleet as data
from portal.demo.generators.bookings import PlannedBooking
from portal.demo.generators.copying import copy_rows, ewkb_points
from portal.fleet.models import Vehicle, VehiclePosition

TRACKED = 0.5
STALE = 0.25
FIXES = 8
FIX_SECONDS = 30
# Metres per degree of latitude, for small offsets around a base.
M_PER_DEG = 110_574


def _on_trip(planned: list[PlannedBooking], now: dt.datetime) -> dict[int, PlannedBooking]:
    return {
        b.vehicle.pk: b for b in planned if b.vehicle is not None and b.starts_at <= now < b.ends_at
    }


def _track(
    start: tuple[float, float], heading: float, speed_kmh: float, last: dt.datetime
) -> list[tuple[dt.datetime, float, float]]:
    """FIXES fixes FIX_SECONDS apart, ending at ``last``, moving along ``heading``."""
    step_m = speed_kmh / 3.6 * FIX_SECONDS
    dx = math.sin(math.radians(heading)) * step_m / (M_PER_DEG * math.cos(math.radians(start[1])))
    dy = math.cos(math.radians(heading)) * step_m / M_PER_DEG
    first = last - dt.timedelta(seconds=FIX_SECONDS * (FIXES - 1))
    return [
        (first + dt.timedelta(seconds=FIX_SECONDS * i), start[0] + dx * i, start[1] + dy * i)
        for i in range(FIXES)
    ]


def _start(vehicle: Vehicle, trip: PlannedBooking | None, rng: np.random.Generator) -> tuple:
    """Where the track starts, its heading and speed."""
    if trip is not None:
        share = float(rng.uniform(0.1, 0.9))
        (x0, y0), (x1, y1) = trip.origin, trip.destination
        heading = math.degrees(math.atan2((x1 - x0) * math.cos(math.radians(y0)), y1 - y0)) % 360
        return (x0 + (x1 - x0) * share, y0 + (y1 - y0) * share), heading, float(rng.uniform(40, 90))
    place = vehicle.base_building or vehicle.base_depot
    base = place.geom if place is not None else vehicle.holder.location
    radius, angle = float(rng.uniform(0, 2000)), float(rng.uniform(0, 2 * math.pi))
    lon = base.x + radius * math.cos(angle) / (M_PER_DEG * math.cos(math.radians(base.y)))
    moving = rng.random() < 0.3
    speed = float(rng.uniform(15, 45)) if moving else 0.0
    return (lon, base.y + radius * math.sin(angle) / M_PER_DEG), float(rng.uniform(0, 360)), speed


def write_positions(planned: list[PlannedBooking], rng: np.random.Generator, history: Any) -> int:
    """Tracks for about half the in-service vehicles; returns the positions written."""
    now = timezone.now().replace(microsecond=0)
    on_trip = _on_trip(planned, now)
    vehicles = (
        Vehicle.objects.filter(synthetic=True, status__in=["available", "in_use"])
        .select_related("base_building", "base_depot", "holder")
        .order_by("pk")
    )
    rows: list[tuple] = []
    for vehicle in vehicles:
        if rng.random() >= TRACKED and vehicle.pk not in on_trip:
            continue
        stale = vehicle.pk not in on_trip and rng.random() < STALE
        if stale:
            ago = dt.timedelta(hours=float(rng.uniform(1, 72)))
        else:
            ago = dt.timedelta(seconds=int(rng.integers(5, 600)))
        start, heading, speed = _start(vehicle, on_trip.get(vehicle.pk), rng)
        for at, lon, lat in _track(start, heading, speed, now - ago):
            kmh = round(speed + float(rng.uniform(-3, 3)), 1) if speed else 0.0
            rows.append((vehicle.pk, at, lon, lat, kmh, round(heading, 1)))
    return _copy(rows, now, history)


def _copy(rows: list[tuple], now: dt.datetime, history: Any) -> int:
    """COPY the fixes, then point each vehicle at its newest one."""
    if not rows:
        return 0
    pks, times, lons, lats, speeds, headings = zip(*rows, strict=True)
    columns = {
        "vehicle_id": [str(pk) for pk in pks],
        "recorded_at": [t.isoformat() for t in times],
        "geom": ewkb_points(np.array(lons), np.array(lats)),
        "speed_kmh": [str(v) for v in speeds],
        "heading": [str(v) for v in headings],
        "source": [data.POSITION_SOURCE] * len(rows),
        "source_crs": ["EPSG:4490"] * len(rows),
        "received_at": [now.isoformat()] * len(rows),
    }
    written = copy_rows(
        VehiclePosition._meta.db_table, list(columns), list(columns.values()), history=history
    )
    with connection.cursor() as cursor:
        cursor.execute(demo_sql.LAST_POSITIONS)
    return written
