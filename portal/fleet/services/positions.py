"""The position feed: a tracking server posts batches of fixes, which are stored in EPSG:4490 and
move each vehicle's last known position forward.

A batch is all or nothing: the first wrong row is named (1-based) and nothing is stored, so the
server can fix and resend the whole batch. Resent fixes (same vehicle, same instant) are ignored,
and a late batch never moves a vehicle back to an older place.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gis.crs import CHINA_BBOX, STORAGE_SRID
from gis.errors import GisError
from gis.io import to_storage_coords
from portal.core.services import writing
from portal.fleet import stats_sql
from portal.fleet.exceptions import FleetInputError
from portal.fleet.models import PLATE, Vehicle, VehiclePosition

if TYPE_CHECKING:
    from portal.org.models import User

__all__ = ["CRS_NAMES", "FeedResult", "ingest_positions"]

# The systems a tracking server may declare: CGCS2000, WGS 84 (GPS receivers) and the two
# obfuscated systems of Chinese web maps and phone SDKs.
CRS_NAMES: Final = {
    "EPSG:4490": "EPSG:4490",
    "EPSG:4326": "EPSG:4326",
    "GCJ-02": "GCJ-02",
    "GCJ02": "GCJ-02",
    "BD-09": "BD-09",
    "BD09": "BD-09",
}
# A receiver's clock may run a little ahead of ours; beyond this a fix is a bad timestamp.
FUTURE_TOLERANCE: Final = dt.timedelta(minutes=5)
# A tracker replays what it buffered while offline, but not for longer than this: an older fix is
# a bad clock (and a year-1 instant with a positive offset would be 1 BC, which PostgreSQL stores
# but Python cannot read back).
MAX_AGE: Final = dt.timedelta(days=30)
DIGITS: Final = re.compile(r"[0-9]{1,19}")
MAX_ID: Final = 2**63  # ids are bigint: a larger number is no id, and the database would refuse it


@dataclass(frozen=True)
class FeedResult:
    """What a batch did: fixes received, stored, ignored as resent, vehicles moved forward."""

    received: int
    stored: int
    duplicates: int
    moved: int


@dataclass
class _Fix:
    row: int
    key: int | str
    recorded_at: dt.datetime
    x: float
    y: float
    crs: str
    speed_kmh: float | None
    heading: float | None
    vehicle_id: int = 0
    geom: Point | None = None


def _row_error(row: int, message: str) -> FleetInputError:
    return FleetInputError(_("Row %(row)d: %(message)s") % {"row": row, "message": message})


def _number(value: Any, row: int, name: str, *, optional: bool = False) -> float | None:
    if value is None or value == "":
        if optional:
            return None
        raise _row_error(row, _("%(field)s is missing.") % {"field": name})
    try:
        # A bool is no number, though Python counts True as 1.
        number = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError, OverflowError):  # overflow: an integer of hundreds of digits
        number = math.nan
    if not math.isfinite(number):
        raise _row_error(row, _("%(field)s is not a number.") % {"field": name})
    return number


def _instant(value: Any, row: int, now: dt.datetime) -> dt.datetime:
    try:
        parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value or ""))
    except ValueError:  # well formed but impossible, such as a 13th month
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        raise _row_error(
            row,
            _("recorded_at must be an ISO 8601 time with its offset, e.g. 2026-05-01T09:30+08:00."),
        )
    try:
        instant = parsed.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 with an offset leaves the calendar once in UTC
        instant = (dt.datetime.max if parsed.year > 1 else dt.datetime.min).replace(tzinfo=dt.UTC)
    if instant < now - MAX_AGE:
        raise _row_error(
            row,
            _("recorded_at %(at)s is more than %(days)d days old.")
            % {"at": parsed.isoformat(), "days": MAX_AGE.days},
        )
    if instant > now + FUTURE_TOLERANCE:
        raise _row_error(
            row, _("recorded_at %(at)s lies in the future.") % {"at": parsed.isoformat()}
        )
    return instant


def _id(value: Any) -> int:
    """The id an int or a string of digits gives; 0 for anything else (true, 1.9, "1e3")."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and DIGITS.fullmatch(value.strip()):
        return int(value)
    return 0


def _vehicle_key(raw: Mapping[str, Any], row: int) -> int | str:
    if raw.get("vehicle") not in (None, ""):
        key = _id(raw["vehicle"])
        if not 0 < key < MAX_ID:
            raise _row_error(row, _("vehicle must be a vehicle id."))
        return key
    plate = str(raw.get("plate") or "").strip()
    if not plate:
        raise _row_error(row, _("name the vehicle by its plate or its id."))
    if not PLATE.regex.match(plate):
        raise _row_error(row, _("%(plate)s is not a plate.") % {"plate": plate[:20]})
    return plate


def _parse(raw: Any, row: int, now: dt.datetime) -> _Fix:
    if not isinstance(raw, Mapping):
        raise _row_error(row, _("each row is an object with plate, recorded_at, lon and lat."))
    crs = CRS_NAMES.get(str(raw.get("crs") or "EPSG:4490").strip().upper())
    if crs is None:
        raise _row_error(row, _("crs must be EPSG:4490, EPSG:4326, GCJ-02 or BD-09."))
    heading = _number(raw.get("heading"), row, "heading", optional=True)
    if heading is not None and not 0 <= heading <= 360:
        raise _row_error(row, _("heading is given in degrees from 0 to 360."))
    speed = _number(raw.get("speed"), row, "speed", optional=True)
    if speed is not None and speed < 0:
        raise _row_error(row, _("speed cannot be negative."))
    return _Fix(
        row=row,
        key=_vehicle_key(raw, row),
        recorded_at=_instant(raw.get("recorded_at"), row, now),
        x=_number(raw.get("lon"), row, "lon") or 0.0,
        y=_number(raw.get("lat"), row, "lat") or 0.0,
        crs=crs,
        speed_kmh=speed,
        heading=heading,
    )


def _resolve_vehicles(fixes: list[_Fix], by: User) -> None:
    """Attach each fix's vehicle, looked up only among those the account may edit: a vehicle of
    another unit gets the same answer as an unknown one, so the feed tells no one which plates
    or ids exist."""
    ids = {f.key for f in fixes if isinstance(f.key, int)}
    plates = {f.key for f in fixes if isinstance(f.key, str)}
    editable = Vehicle.objects.editable_by(by)
    known = editable.filter(Q(pk__in=ids) | Q(plate__in=plates))
    by_key: dict[int | str, int] = {}
    for pk, plate in known.values_list("pk", "plate"):
        by_key[pk] = by_key[plate] = pk
    for fix in fixes:
        if fix.key not in by_key:
            raise _row_error(
                fix.row,
                _("%(key)s is not a vehicle you may report positions for.") % {"key": fix.key},
            )
        fix.vehicle_id = by_key[fix.key]


def _convert(fixes: list[_Fix]) -> None:
    """Each fix's point in EPSG:4490, converted per declared system in one array call."""
    for crs in {f.crs for f in fixes}:
        group = [f for f in fixes if f.crs == crs]
        try:
            lons, lats, _notes = to_storage_coords(
                [f.x for f in group], [f.y for f in group], source=crs
            )
        except GisError:
            # The converter counts rows within the group; find the batch's row to name it.
            for fix in group:
                _convert_one(fix)
            raise
        for fix, lon, lat in zip(group, lons, lats, strict=True):
            _place(fix, float(lon), float(lat))


def _convert_one(fix: _Fix) -> None:
    try:
        lons, lats, _notes = to_storage_coords([fix.x], [fix.y], source=fix.crs)
    except GisError as exc:
        raise _row_error(fix.row, exc.user_message) from None
    _place(fix, float(lons[0]), float(lats[0]))


def _place(fix: _Fix, lon: float, lat: float) -> None:
    if not CHINA_BBOX.contains(lon, lat):
        raise _row_error(
            fix.row,
            _("%(x)s, %(y)s lies outside China; check the order of lon and lat.")
            % {"x": fix.x, "y": fix.y},
        )
    fix.geom = Point(lon, lat, srid=STORAGE_SRID)


def _checked_batch(rows: Sequence[Any]) -> None:
    if not isinstance(rows, Sequence) or isinstance(rows, (str, bytes)) or not rows:
        raise FleetInputError(_("Send a list of at least one position."))
    limit = int(settings.TIANFU_FLEET["feed_batch"])
    if len(rows) > limit:
        raise FleetInputError(
            _("A batch holds at most %(limit)d positions; this one has %(count)d.")
            % {"limit": limit, "count": len(rows)}
        )


def ingest_positions(rows: Sequence[Any], *, by: User, source: str = "") -> FeedResult:
    """Store a batch of fixes posted by ``by`` (a tracking server's account) in one transaction.

    Each row: ``plate`` or ``vehicle`` (id), ``recorded_at`` (ISO 8601 with offset, at most
    MAX_AGE old and FUTURE_TOLERANCE ahead), ``lon``,
    ``lat``, optional ``crs`` (EPSG:4490 by default, EPSG:4326, GCJ-02, BD-09), ``speed`` (km/h)
    and ``heading`` (degrees). Raises FleetInputError naming the row.
    """
    _checked_batch(rows)
    if "\x00" in source:
        raise FleetInputError(_("The source name holds a NUL character."))
    now = timezone.now()
    fixes = [_parse(raw, number, now) for number, raw in enumerate(rows, start=1)]
    _resolve_vehicles(fixes, by)
    _convert(fixes)
    unique = {(f.vehicle_id, f.recorded_at): f for f in reversed(fixes)}
    with writing(by):
        stored = _store(list(unique.values()), source[:60])
        moved = stats_sql.move_last_positions(_latest(unique.values()))
    return FeedResult(len(fixes), stored, len(fixes) - stored, moved)


def _store(fixes: list[_Fix], source: str) -> int:
    """Insert the fixes not stored before; the unique constraint also covers a concurrent resend."""
    stored_before = set(
        VehiclePosition.objects.filter(
            vehicle_id__in={f.vehicle_id for f in fixes},
            recorded_at__in={f.recorded_at for f in fixes},
        ).values_list("vehicle_id", "recorded_at")
    )
    new = [f for f in fixes if (f.vehicle_id, f.recorded_at) not in stored_before]
    VehiclePosition.objects.bulk_create(
        [
            VehiclePosition(
                vehicle_id=f.vehicle_id,
                recorded_at=f.recorded_at,
                geom=f.geom,
                speed_kmh=f.speed_kmh,
                heading=f.heading,
                source=source,
                source_crs=f.crs,
            )
            for f in new
        ],
        ignore_conflicts=True,
    )
    return len(new)


def _latest(fixes: Any) -> list[tuple[int, dt.datetime, Point]]:
    newest: dict[int, _Fix] = {}
    for fix in fixes:
        if fix.vehicle_id not in newest or fix.recorded_at > newest[fix.vehicle_id].recorded_at:
            newest[fix.vehicle_id] = fix
    return [(f.vehicle_id, f.recorded_at, f.geom) for f in newest.values() if f.geom is not None]
