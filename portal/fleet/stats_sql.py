"""Raw SQL of the fleet map, the position feed and utilisation.

Every read starts from a scoped queryset compiled by the ORM (``visible_to(user)``), placed first
as the ``scoped`` CTE, so this SQL never widens what the user sees; its parameters come first and
the statement's own follow, all positional. GeoJSON is built by PostGIS (RFC 7946: lon/lat, no
``crs`` member) and returned as text, never parsed in Python; times are ISO 8601 with an offset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import QuerySet

# Options 0 of ST_AsGeoJSON: no crs member (RFC 7946), whatever the SRID.
# Where a vehicle is drawn: its last known position (fresh or stale by its age), else its base
# building or depot; a vehicle with neither is left off the map.
VEHICLES: Final = """
WITH scoped AS ({scoped})
SELECT json_build_object('type', 'FeatureCollection', 'features',
       coalesce(json_agg(f.feature ORDER BY f.plate), '[]'::json))::text
  FROM (
    SELECT v.plate, json_build_object(
             'type', 'Feature', 'id', v.id,
             'geometry', ST_AsGeoJSON(p.geom, 6, 0)::json,
             'properties', json_build_object(
                 'plate', v.plate, 'vehicle_type', v.vehicle_type, 'energy', v.energy,
                 'seats', v.seats, 'status', v.status, 'holder', u.name, 'state', p.state,
                 'last_position_at', to_json(v.last_position_at),
                 'url', %s || v.id || '/')) AS feature
      FROM fleet_vehicle v
      JOIN org_unit u ON u.id = v.holder_id
      LEFT JOIN buildings_building b ON b.id = v.base_building_id
      LEFT JOIN depots_depot d ON d.id = v.base_depot_id
     CROSS JOIN LATERAL (
        SELECT coalesce(v.last_position, b.geom, d.geom) AS geom,
               CASE WHEN v.last_position IS NULL THEN 'base'
                    WHEN v.last_position_at >= %s THEN 'fresh'
                    ELSE 'stale' END AS state
     ) p
     WHERE v.id IN (SELECT id FROM scoped) AND p.geom IS NOT NULL
  ) f
"""

# Bookings as straight lines from origin to destination, with the serving vehicle and the
# completed trip's distance when there are.
BOOKINGS: Final = """
WITH scoped AS ({scoped})
SELECT json_build_object('type', 'FeatureCollection', 'features',
       coalesce(json_agg(f.feature ORDER BY f.starts_at, f.id), '[]'::json))::text
  FROM (
    SELECT bk.id, bk.starts_at, json_build_object(
             'type', 'Feature', 'id', bk.id,
             'geometry', ST_AsGeoJSON(ST_MakeLine(bk.origin, bk.destination), 6, 0)::json,
             'properties', json_build_object(
                 'status', bk.status, 'region_class', bk.region_class,
                 'crosses_border', bk.crosses_border, 'unit', u.name,
                 'origin', bk.origin_label, 'destination', bk.destination_label,
                 'starts_at', to_json(bk.starts_at),
                 'ends_at', to_json(bk.ends_at),
                 'plate', v.plate, 'distance_km', t.distance_km,
                 'url', %s || bk.id || '/')) AS feature
      FROM fleet_booking bk
      JOIN org_unit u ON u.id = bk.unit_id
      LEFT JOIN fleet_assignment a ON a.booking_id = bk.id AND a.released_at IS NULL
      LEFT JOIN fleet_vehicle v ON v.id = a.vehicle_id
      LEFT JOIN fleet_trip t ON t.booking_id = bk.id
     WHERE bk.id IN (SELECT id FROM scoped) AND bk.starts_at < %s AND bk.ends_at > %s
  ) f
"""

# Hours each vehicle was assigned inside the working hours of the period's weekdays (an active
# assignment, the one a completed trip keeps too), and the km and count of its trips begun in it.
UTILISATION: Final = """
WITH scoped AS ({scoped}),
workdays AS (
    SELECT tstzrange(s.opens, s.opens + make_interval(secs => %s)) AS work
      FROM generate_series(%s::timestamp, %s::timestamp, interval '1 day') AS g(day)
     CROSS JOIN LATERAL (SELECT (g.day::date + %s::time) AT TIME ZONE %s AS opens) s
     WHERE extract(isodow FROM g.day) < 6
),
busy AS (
    SELECT a.vehicle_id,
           sum(extract(epoch FROM upper(a.period * w.work) - lower(a.period * w.work))) AS seconds
      FROM fleet_assignment a
      JOIN workdays w ON a.period && w.work
     WHERE a.released_at IS NULL AND a.vehicle_id IN (SELECT id FROM scoped)
     GROUP BY a.vehicle_id
),
driven AS (
    SELECT t.vehicle_id, sum(t.distance_km) AS km, count(*) AS trips
      FROM fleet_trip t
     WHERE t.vehicle_id IN (SELECT id FROM scoped) AND t.actual_start >= %s AND t.actual_start < %s
     GROUP BY t.vehicle_id
)
SELECT v.id, coalesce(b.seconds, 0)::float8, coalesce(k.km, 0), coalesce(k.trips, 0)
  FROM fleet_vehicle v
  LEFT JOIN busy b ON b.vehicle_id = v.id
  LEFT JOIN driven k ON k.vehicle_id = v.id
 WHERE v.id IN (SELECT id FROM scoped)
 ORDER BY v.plate
"""

# A late batch must not move a vehicle back: only a newer fix replaces the last position. The
# record's updated_at stays: a fix is telemetry, and bumping it would make an officer editing the
# vehicle meet a "changed by someone else" refusal every few seconds.
MOVE_LAST_POSITIONS: Final = """
UPDATE fleet_vehicle v
   SET last_position = ST_SetSRID(ST_MakePoint(n.lon, n.lat), 4490), last_position_at = n.at
  FROM unnest(%s::bigint[], %s::timestamptz[], %s::float8[], %s::float8[]) AS n(id, at, lon, lat)
 WHERE v.id = n.id AND (v.last_position_at IS NULL OR v.last_position_at < n.at)
"""


class UsageRow(NamedTuple):
    vehicle_id: int
    seconds: float
    km: Any
    trips: int


def _scoped(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """The queryset's ids as SQL and parameters, compiled by the ORM with its scope."""
    ids = queryset.order_by().values("id")
    sql, params = ids.query.get_compiler(using=ids.db).as_sql()
    return sql, tuple(params)


def _json(template: str, queryset: QuerySet[Any], params: Sequence[Any]) -> str:
    scoped, scoped_params = _scoped(queryset)
    with connection.cursor() as cursor:
        cursor.execute(template.format(scoped=scoped), (*scoped_params, *params))
        return str(cursor.fetchone()[0])


def vehicles_geojson(vehicles: QuerySet[Any], *, fresh_since: dt.datetime, url_prefix: str) -> str:
    """The vehicles as a FeatureCollection of points, each with its ``state``: ``fresh`` (a
    position recorded since ``fresh_since``), ``stale`` (an older one) or ``base``."""
    return _json(VEHICLES, vehicles, (url_prefix, fresh_since))


def bookings_geojson(
    bookings: QuerySet[Any], *, since: dt.datetime, until: dt.datetime, url_prefix: str
) -> str:
    """The bookings whose window overlaps [since, until) as origin→destination lines."""
    return _json(BOOKINGS, bookings, (url_prefix, until, since))


def usage(
    vehicles: QuerySet[Any],
    *,
    first: dt.date,
    last: dt.date,
    opens: dt.time,
    hours: float,
    tz: str,
    trips_since: dt.datetime,
    trips_until: dt.datetime,
) -> list[UsageRow]:
    """Per vehicle, seconds assigned within the working hours (``opens`` for ``hours``, local
    time ``tz``) of the weekdays first..last, and km and count of trips begun in the period."""
    scoped, scoped_params = _scoped(vehicles)
    params = (hours * 3600, first, last, opens, tz, trips_since, trips_until)
    with connection.cursor() as cursor:
        cursor.execute(UTILISATION.format(scoped=scoped), (*scoped_params, *params))
        return [UsageRow(*row) for row in cursor.fetchall()]


def move_last_positions(latest: Sequence[tuple[int, dt.datetime, Point]]) -> int:
    """Set each vehicle's last position to its newest fix when that is newer; the count moved."""
    if not latest:
        return 0
    ids, ats, points = zip(*latest, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            MOVE_LAST_POSITIONS,
            (list(ids), list(ats), [p.x for p in points], [p.y for p in points]),
        )
        return cursor.rowcount
