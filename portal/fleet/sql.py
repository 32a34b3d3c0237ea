"""The raw SQL of fleet dispatch: the vehicles and drivers that may serve a booking.

One statement finds the candidates and measures them, so that the suggestion costs one round
trip whatever the size of the pool. Distances are geodesic metres (``geography``) times the road
factor, in kilometres. Every value is a named parameter: the booking's own values (pool, window,
seats, places) are passed as such rather than read back from its row, so that PostgreSQL plans
with the actual pool and window in view.

Candidate vehicles of a booking: held by a member unit of the booking's pool, status available,
at least the seats needed, not new-energy when the booking refuses it, and free in the booking's
window: no active (unreleased) assignment of another booking overlapping it (the exclusion
constraint's own predicate, ``vehicle_id = … AND period && …`` on unreleased rows). That test,
the vehicle's last trip and its booked hours are all answered from one index probe per vehicle
reading its few active assignments between the balance window's start and the trip's end, rather
than three probes each.

Where a vehicle stands at the start: the end point (the origin of a round trip, else the
destination) of its latest active assignment ending within ``return_hours`` before the start;
else its base building or depot; else its holder's location. A new-energy vehicle is a candidate
only when its range × reserve covers the road km to the origin plus the trip's road km (twice for a
round trip); one whose range or position is unknown never is. A fuel vehicle with no known
position stays a candidate with an unknown distance (ranked as the farthest).

Booked hours: the hours of its other active assignments inside the ``balance_days`` before the
start (the part of each period inside that window). Drivers' booked hours likewise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from portal.fleet.models import Booking

# What a vehicle's (or driver's) active assignments of other bookings say, read in one index
# probe per vehicle over the span from the balance window's start to the trip's end: whether one
# overlaps the trip's window (the exclusion constraint's predicate), the booked seconds inside the
# balance window, and the booking of the latest one ending within return_hours before the start.
_USE = """
      SELECT bool_or(a.period && tstzrange(%(start)s, %(end)s, '[)')) AS busy,
             sum(extract(epoch FROM upper(a.period * tstzrange(%(balance_from)s, %(start)s, '[)'))
                                  - lower(a.period * tstzrange(%(balance_from)s, %(start)s, '[)'))))
               FILTER (WHERE a.period && tstzrange(%(balance_from)s, %(start)s, '[)')) AS seconds,
             (array_agg(a.booking_id ORDER BY upper(a.period) DESC, a.id DESC)
               FILTER (WHERE a.period && tstzrange(%(since)s, %(start)s, '[]')
                         AND upper(a.period) <= %(start)s))[1] AS last_booking
        FROM fleet_assignment a
       WHERE a.{owner} = {row}.id AND a.released_at IS NULL AND a.booking_id <> %(booking)s
         AND a.period && tstzrange(LEAST(%(balance_from)s, %(since)s), %(end)s, '[)')"""

# The pool's vehicles that pass the plain column tests, gathered first (MATERIALIZED) so that
# the per-vehicle probe runs once per such vehicle whatever the planner guesses of the joins.
CANDIDATES = (
    """
WITH pool_vehicles AS MATERIALIZED (
  SELECT v.id, v.plate, v.vehicle_type, v.seats, v.energy, v.range_km, v.holder_id,
         v.base_building_id, v.base_depot_id
    FROM fleet_vehiclepool_members m
    JOIN fleet_vehicle v ON v.holder_id = m.unit_id
   WHERE m.vehiclepool_id = %(pool)s
     AND v.status = 'available'
     AND v.seats >= %(seats)s
     AND (%(nev_ok)s OR v.energy <> 'nev')
     AND (%(vehicle)s::bigint IS NULL OR v.id = %(vehicle)s::bigint)
),
used AS (
  SELECT pv.*, s.seconds, s.last_booking
    FROM pool_vehicles pv
    LEFT JOIN LATERAL ("""
    + _USE.format(owner="vehicle_id", row="pv")
    + """
    ) s ON TRUE
   -- A named vehicle (an assignment's check) skips the free test: the constraint decides.
   WHERE %(vehicle)s::bigint IS NOT NULL OR s.busy IS NOT TRUE
),
placed AS (
  SELECT c.*, u.name AS holder_name,
         COALESCE(CASE WHEN pb.round_trip THEN pb.origin ELSE pb.destination END,
                  bb.geom, bd.geom, u.location) AS position,
         CASE WHEN pb.id IS NOT NULL THEN 'trip'
              WHEN bb.geom IS NOT NULL THEN 'building'
              WHEN bd.geom IS NOT NULL THEN 'depot'
              WHEN u.location IS NOT NULL THEN 'unit' END AS position_source
    FROM used c
    JOIN org_unit u ON u.id = c.holder_id
    LEFT JOIN fleet_booking pb ON pb.id = c.last_booking
    LEFT JOIN buildings_building bb ON bb.id = c.base_building_id
    LEFT JOIN depots_depot bd ON bd.id = c.base_depot_id
),
measured AS (
  SELECT p.*,
         ST_Distance(p.position::geography, ST_GeomFromEWKB(%(origin)s)::geography)
           * %(road_factor)s / 1000.0 AS to_origin_km,
         ST_Distance(ST_GeomFromEWKB(%(origin)s)::geography,
                     ST_GeomFromEWKB(%(destination)s)::geography)
           * %(road_factor)s / 1000.0 * %(legs)s AS trip_km
    FROM placed p
)
SELECT c.id, c.plate, c.vehicle_type, c.seats, c.energy, c.range_km, c.holder_id, c.holder_name,
       ST_X(c.position), ST_Y(c.position), c.position_source, c.to_origin_km, c.trip_km,
       CASE WHEN c.energy = 'nev' THEN c.range_km * %(nev_reserve)s - c.to_origin_km - c.trip_km
       END AS range_left_km,
       (COALESCE(c.seconds, 0) / 3600.0)::float8 AS booked_hours
  FROM measured c
 WHERE c.energy <> 'nev'
    OR c.range_km * %(nev_reserve)s >= c.to_origin_km + c.trip_km
 ORDER BY c.id
"""
)

# Free active drivers of the pool's member units, optionally only of some units and licence
# classes (the own-unit drivers of the vehicles suggested).
FREE_DRIVERS = (
    """
WITH pool_drivers AS MATERIALIZED (
  SELECT d.id, d.name, d.phone, d.unit_id, du.name AS unit_name, d.licence_class
    FROM fleet_vehiclepool_members m
    JOIN fleet_driver d ON d.unit_id = m.unit_id
    JOIN org_unit du ON du.id = d.unit_id
   WHERE m.vehiclepool_id = %(pool)s
     AND d.active
     AND (%(units)s::bigint[] IS NULL OR d.unit_id = ANY(%(units)s::bigint[]))
     AND (%(classes)s::text[] IS NULL OR d.licence_class = ANY(%(classes)s::text[]))
)
SELECT pd.id, pd.name, pd.phone, pd.unit_id, pd.unit_name, pd.licence_class,
       (COALESCE(s.seconds, 0) / 3600.0)::float8 AS booked_hours
  FROM pool_drivers pd
  LEFT JOIN LATERAL ("""
    + _USE.format(owner="driver_id", row="pd")
    + """
  ) s ON TRUE
 WHERE s.busy IS NOT TRUE
 ORDER BY pd.id
"""
)


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """One candidate vehicle with what the ranking needs (see the module docstring); the fields
    are the columns of :data:`CANDIDATES`, in order."""

    id: int
    plate: str
    vehicle_type: str
    seats: int
    energy: str
    range_km: int | None
    holder_id: int
    holder_name: str
    lon: float | None
    lat: float | None
    position_source: str | None
    to_origin_km: float | None
    trip_km: float
    range_left_km: float | None
    booked_hours: float


@dataclass(frozen=True, slots=True)
class DriverRow:
    """One free driver of the pool's member units (the columns of :data:`FREE_DRIVERS`)."""

    id: int
    name: str
    phone: str
    unit_id: int
    unit_name: str
    licence_class: str
    booked_hours: float


def _params(booking: Booking, settings: dict[str, float]) -> dict[str, object]:
    start = booking.starts_at
    return {
        "booking": booking.pk,
        "pool": booking.pool_id,
        "seats": booking.seats_needed,
        "nev_ok": booking.nev_ok,
        "start": start,
        "end": booking.ends_at,
        "since": start - dt.timedelta(hours=float(settings["return_hours"])),
        "balance_from": start - dt.timedelta(days=int(settings["balance_days"])),
        "origin": bytes(booking.origin.ewkb),
        "destination": bytes(booking.destination.ewkb),
        "legs": 2 if booking.round_trip else 1,
        "road_factor": float(settings["road_factor"]),
        "nev_reserve": float(settings["nev_reserve"]),
    }


def candidate_vehicles(
    booking: Booking, settings: dict[str, float], *, vehicle_id: int | None = None
) -> list[CandidateRow]:
    """The vehicles that may serve ``booking`` (as saved: pool, window, seats, places), measured,
    in id order.

    ``settings`` is ``settings.TIANFU_FLEET`` (road_factor, nev_reserve, return_hours,
    balance_days are read). With ``vehicle_id`` only that vehicle is checked, and whether it is
    free is left out (the exclusion constraint answers that when it is assigned).
    """
    with connection.cursor() as cursor:
        cursor.execute(CANDIDATES, {**_params(booking, settings), "vehicle": vehicle_id})
        return [CandidateRow(*row) for row in cursor.fetchall()]


def free_drivers(
    booking: Booking,
    settings: dict[str, float],
    *,
    units: list[int] | None = None,
    classes: list[str] | None = None,
) -> list[DriverRow]:
    """Active drivers of the pool's member units free in the booking's window, in id order;
    with ``units`` and/or ``classes`` only those of these units / licence classes."""
    params = {**_params(booking, settings), "units": units, "classes": classes}
    with connection.cursor() as cursor:
        cursor.execute(FREE_DRIVERS, params)
        return [DriverRow(*row) for row in cursor.fetchall()]
