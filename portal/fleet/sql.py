"""The raw SQL of fleet dispatch: the vehicles and drivers that may serve a booking.

One statement finds the candidates and measures them, so that the suggestion costs one round
trip whatever the size of the pool. Distances are geodesic metres (``geography``) times the road
factor, in kilometres. Every value is a named parameter.

Candidate vehicles of a booking: held by a member unit of the booking's pool, status available,
at least the seats needed, not new-energy when the booking refuses it, and free in the booking's
window: no active (unreleased) assignment of another booking overlapping it. The test is the
exclusion constraint's own predicate (``vehicle_id = … AND period && …`` on unreleased rows), so
PostgreSQL answers it from that constraint's GiST index.

Where a vehicle stands at the start: the end point (the origin of a round trip, else the
destination) of its latest active assignment ending within ``return_hours`` before the start;
else its base building or depot; else its holder's location. A new-energy vehicle is a candidate
only when its range × reserve covers the road km to the origin plus the trip's road km (twice for a
round trip); one whose range or position is unknown never is. A fuel vehicle with no known
position stays a candidate with an unknown distance (ranked as the farthest).

Booked hours: the hours of its other active assignments inside the ``balance_days`` before the
start (the part of each period inside that window).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

# The booking as the candidate queries need it: its window and the road km of the trip itself.
_BOOKING = """
b AS (
  SELECT bk.id, bk.pool_id, bk.origin, bk.starts_at, bk.seats_needed, bk.nev_ok,
         tstzrange(bk.starts_at, bk.ends_at, '[)') AS win,
         tstzrange(bk.starts_at - make_interval(days => %(balance_days)s), bk.starts_at, '[)')
           AS balance_win,
         ST_Distance(bk.origin::geography, bk.destination::geography) * %(road_factor)s / 1000.0
           * CASE WHEN bk.round_trip THEN 2 ELSE 1 END AS trip_km
    FROM fleet_booking bk
   WHERE bk.id = %(booking)s
)"""

CANDIDATES = (
    "WITH"
    + _BOOKING
    + """,
placed AS (
  SELECT v.id, v.plate, v.vehicle_type, v.seats, v.energy, v.range_km, v.holder_id,
         u.name AS holder_name, b.origin, b.trip_km, b.balance_win, b.id AS booking_id,
         COALESCE(last_end.geom, bb.geom, bd.geom, u.location) AS position,
         CASE WHEN last_end.geom IS NOT NULL THEN 'trip'
              WHEN bb.geom IS NOT NULL THEN 'building'
              WHEN bd.geom IS NOT NULL THEN 'depot'
              WHEN u.location IS NOT NULL THEN 'unit' END AS position_source
    FROM b
    JOIN fleet_vehiclepool_members m ON m.vehiclepool_id = b.pool_id
    JOIN fleet_vehicle v ON v.holder_id = m.unit_id
    JOIN org_unit u ON u.id = v.holder_id
    LEFT JOIN buildings_building bb ON bb.id = v.base_building_id
    LEFT JOIN depots_depot bd ON bd.id = v.base_depot_id
    LEFT JOIN LATERAL (
      SELECT CASE WHEN pb.round_trip THEN pb.origin ELSE pb.destination END AS geom
        FROM fleet_assignment pa
        JOIN fleet_booking pb ON pb.id = pa.booking_id
       WHERE pa.vehicle_id = v.id AND pa.released_at IS NULL AND pa.booking_id <> b.id
         AND pa.period && tstzrange(
               b.starts_at - make_interval(secs => %(return_hours)s * 3600), b.starts_at, '[]')
         AND upper(pa.period) <= b.starts_at
       ORDER BY upper(pa.period) DESC, pa.id DESC
       LIMIT 1
    ) last_end ON TRUE
   WHERE v.status = 'available'
     AND v.seats >= b.seats_needed
     AND (b.nev_ok OR v.energy <> 'nev')
     AND (%(vehicle)s::bigint IS NULL OR v.id = %(vehicle)s::bigint)
     -- A named vehicle (an assignment's check) skips the free test: the constraint decides.
     AND (%(vehicle)s::bigint IS NOT NULL OR NOT EXISTS (
       SELECT 1 FROM fleet_assignment a
        WHERE a.vehicle_id = v.id AND a.released_at IS NULL
          AND a.period && b.win AND a.booking_id <> b.id
     ))
),
measured AS (
  SELECT p.*,
         ST_Distance(p.position::geography, p.origin::geography) * %(road_factor)s / 1000.0
           AS to_origin_km
    FROM placed p
)
SELECT c.id, c.plate, c.vehicle_type, c.seats, c.energy, c.range_km, c.holder_id, c.holder_name,
       ST_X(c.position), ST_Y(c.position), c.position_source, c.to_origin_km, c.trip_km,
       CASE WHEN c.energy = 'nev' THEN c.range_km * %(nev_reserve)s - c.to_origin_km - c.trip_km
       END AS range_left_km,
       COALESCE((
         SELECT sum(extract(epoch FROM upper(a.period * c.balance_win)
                                     - lower(a.period * c.balance_win)))
           FROM fleet_assignment a
          WHERE a.vehicle_id = c.id AND a.released_at IS NULL AND a.booking_id <> c.booking_id
            AND a.period && c.balance_win
       ), 0) / 3600.0 AS booked_hours
  FROM measured c
 WHERE c.energy <> 'nev'
    OR c.range_km * %(nev_reserve)s >= c.to_origin_km + c.trip_km
 ORDER BY c.id
"""
)

FREE_DRIVERS = (
    "WITH"
    + _BOOKING
    + """
SELECT d.id, d.name, d.phone, d.unit_id, du.name, d.licence_class,
       COALESCE((
         SELECT sum(extract(epoch FROM upper(a.period * b.balance_win)
                                     - lower(a.period * b.balance_win)))
           FROM fleet_assignment a
          WHERE a.driver_id = d.id AND a.released_at IS NULL AND a.booking_id <> b.id
            AND a.period && b.balance_win
       ), 0) / 3600.0 AS booked_hours
  FROM b
  JOIN fleet_vehiclepool_members m ON m.vehiclepool_id = b.pool_id
  JOIN fleet_driver d ON d.unit_id = m.unit_id
  JOIN org_unit du ON du.id = d.unit_id
 WHERE d.active
   AND NOT EXISTS (
     SELECT 1 FROM fleet_assignment a
      WHERE a.driver_id = d.id AND a.released_at IS NULL
        AND a.period && b.win AND a.booking_id <> b.id
   )
 ORDER BY d.id
"""
)


@dataclass(frozen=True)
class CandidateRow:
    """One candidate vehicle with what the ranking needs (see the module docstring)."""

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


@dataclass(frozen=True)
class DriverRow:
    """One free driver of the pool's member units."""

    id: int
    name: str
    phone: str
    unit_id: int
    unit_name: str
    licence_class: str
    booked_hours: float


def _params(
    booking_id: int, settings: dict[str, float], vehicle_id: int | None = None
) -> dict[str, object]:
    return {
        "booking": booking_id,
        "vehicle": vehicle_id,
        "road_factor": float(settings["road_factor"]),
        "nev_reserve": float(settings["nev_reserve"]),
        "return_hours": float(settings["return_hours"]),
        "balance_days": int(settings["balance_days"]),
    }


def candidate_vehicles(
    booking_id: int, settings: dict[str, float], *, vehicle_id: int | None = None
) -> list[CandidateRow]:
    """The vehicles that may serve booking ``booking_id``, measured, in id order.

    ``settings`` is ``settings.TIANFU_FLEET`` (road_factor, nev_reserve, return_hours,
    balance_days are read). With ``vehicle_id`` only that vehicle is checked, and whether it is
    free is left out (the exclusion constraint answers that when it is assigned).
    """
    with connection.cursor() as cursor:
        cursor.execute(CANDIDATES, _params(booking_id, settings, vehicle_id))
        rows = cursor.fetchall()
    return [_candidate(row) for row in rows]


def _candidate(row: tuple[object, ...]) -> CandidateRow:
    pk, plate, vtype, seats, energy, range_km, holder, holder_name, *rest = row
    lon, lat, source, km, trip, left, hours = rest
    return CandidateRow(
        id=int(pk),
        plate=str(plate),
        vehicle_type=str(vtype),
        seats=int(seats),
        energy=str(energy),
        range_km=None if range_km is None else int(range_km),
        holder_id=int(holder),
        holder_name=str(holder_name),
        lon=None if lon is None else float(lon),
        lat=None if lat is None else float(lat),
        position_source=None if source is None else str(source),
        to_origin_km=None if km is None else float(km),
        trip_km=float(trip),
        range_left_km=None if left is None else float(left),
        booked_hours=float(hours),
    )


def free_drivers(booking_id: int, settings: dict[str, float]) -> list[DriverRow]:
    """Active drivers of the pool's member units free in the booking's window, in id order."""
    with connection.cursor() as cursor:
        cursor.execute(FREE_DRIVERS, _params(booking_id, settings))
        rows = cursor.fetchall()
    return [
        DriverRow(
            id=int(pk),
            name=str(name),
            phone=str(phone),
            unit_id=int(unit),
            unit_name=str(unit_name),
            licence_class=str(licence),
            booked_hours=float(hours),
        )
        for pk, name, phone, unit, unit_name, licence, hours in rows
    ]
