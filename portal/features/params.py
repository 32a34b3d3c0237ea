"""The query of an items request, read and checked before any record is: ``limit``, ``offset``,
``bbox`` with ``bbox-crs``, ``datetime``, ``crs``, ``f`` and the collection's attribute filters.

Every error names the parameter; an unknown parameter is refused (OGC API – Features Part 1,
/req/core/query-param-unknown) rather than silently ignored, so a misspelt filter never returns
the whole collection.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from gis.crs import STORAGE_SRID
from portal.features import crs as crs_module
from portal.features.collections import Collection
from portal.features.exceptions import InvalidParameterError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_DIGITS = 18
YEARS = range(2, 9999)
FORMATS = ("json", "geojson")
# The parameters of every items request; a collection adds its attribute filters.
STANDARD = ("f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs")
# ``f`` is the only parameter the other resources (landing page, collections …) take.
RESOURCE = ("f",)


@dataclass(frozen=True)
class Interval:
    """A closed time interval; ``None`` is an open end (``..``)."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class ItemsQuery:
    limit: int
    offset: int
    bbox: GEOSGeometry | None  # in EPSG:4490
    interval: Interval | None
    crs: crs_module.OutputCRS
    filters: QueryDict


def check_names(query: QueryDict, allowed: tuple[str, ...] | list[str]) -> None:
    unknown = sorted(set(query) - set(allowed))
    if unknown:
        raise InvalidParameterError(
            _("Unknown query parameter %(name)s; this resource takes %(allowed)s.")
            % {"name": unknown[0][:40], "allowed": ", ".join(allowed)}
        )


def check_format(query: QueryDict) -> None:
    value = query.get("f", "json").strip().lower()
    if value not in FORMATS:
        raise InvalidParameterError(
            _("f: %(value)s is not offered; use json or geojson.") % {"value": value[:20]}
        )


def read(query: QueryDict, collection: Collection) -> ItemsQuery:
    """The checked query of an items request of ``collection``."""
    filters = collection.filters()
    check_names(query, [*STANDARD, *filters])
    check_format(query)
    filter_data = QueryDict(mutable=True)
    for name in filters:
        if name in query:
            filter_data.setlist(name, query.getlist(name))
    return ItemsQuery(
        limit=_limit(query.get("limit", "")),
        offset=_whole(query.get("offset", ""), "offset", 0),
        bbox=_bbox(query.get("bbox", ""), query.get("bbox-crs", "")),
        interval=_interval(query.get("datetime", "")),
        crs=read_crs(query.get("crs", "")),
        filters=filter_data,
    )


def _whole(raw: str, name: str, default: int) -> int:
    raw = raw.strip()
    if not raw:
        return default
    # ASCII digits only ("²" is a digit to Python, not to int()), and no more than PostgreSQL's
    # bigint LIMIT and OFFSET take.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_DIGITS:
        raise InvalidParameterError(
            _("%(name)s must be a whole number from 0, got %(value)s")
            % {"name": name, "value": raw[:20]}
        )
    return int(raw)


def _limit(raw: str) -> int:
    """``limit`` from 1; above the maximum the page is cut to it (the standard's permission,
    /per/core/limit-response-1) and the ``next`` link pages on."""
    limit = _whole(raw, "limit", DEFAULT_LIMIT)
    if limit < 1:
        raise InvalidParameterError(_("limit must be at least 1"))
    return min(limit, MAX_LIMIT)


def read_crs(raw: str, name: str = "crs") -> crs_module.OutputCRS:
    if not raw.strip():
        return crs_module.DEFAULT
    found = crs_module.lookup(raw)
    if found is None:
        raise InvalidParameterError(
            _(
                "%(name)s: %(value)s is not offered; see the collection's crs list (CRS84, "
                "EPSG:4490, 4326, 3857 and the CGCS2000 3-degree Gauss-Krüger zones)"
            )
            % {"name": name, "value": raw[:80]}
        )
    return found


def _numbers(raw: str) -> list[float]:
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise InvalidParameterError(
            _("bbox needs 4 (or 6, with heights) comma-separated numbers, got %(value)s")
            % {"value": raw[:80]}
        )
    return numbers if len(numbers) == 4 else [numbers[0], numbers[1], numbers[3], numbers[4]]


def _bbox(raw: str, raw_crs: str) -> GEOSGeometry | None:
    """The bounding box in EPSG:4490. Its numbers follow the axis order of ``bbox-crs``
    (CRS84: longitude first; EPSG:4490: latitude first; Gauss-Krüger: northing first)."""
    if not raw.strip():
        if raw_crs.strip():
            read_crs(raw_crs, "bbox-crs")  # still checked: a typo should not pass unseen
        return None
    box_crs = read_crs(raw_crs, "bbox-crs")
    a, b, c, d = _numbers(raw)
    xmin, ymin, xmax, ymax = (b, a, d, c) if box_crs.northing_first else (a, b, c, d)
    if not box_crs.metric:
        _check_degrees(xmin, ymin, xmax, ymax)
    if ymin > ymax or (xmin > xmax and box_crs.metric):
        raise InvalidParameterError(
            _("bbox: the lower corner must come first (its values below the upper corner's)")
        )
    if xmin > xmax:  # CRS84 across the antimeridian: two boxes
        parts = [(xmin, ymin, 180.0, ymax), (-180.0, ymin, xmax, ymax)]
        return MultiPolygon(*(Polygon.from_bbox(p) for p in parts), srid=STORAGE_SRID)
    box = Polygon.from_bbox((xmin, ymin, xmax, ymax))
    box.srid = box_crs.srid
    return box if box_crs.srid == STORAGE_SRID else _to_storage(box)


def _check_degrees(xmin: float, ymin: float, xmax: float, ymax: float) -> None:
    if not (
        all(-180 <= x <= 180 for x in (xmin, xmax)) and all(-90 <= y <= 90 for y in (ymin, ymax))
    ):
        raise InvalidParameterError(
            _("bbox: longitudes must lie in -180..180 and latitudes in -90..90")
        )


def _to_storage(box: Polygon) -> GEOSGeometry:
    # Densified first: a straight edge in metres is a curve in degrees.
    try:
        polygon = Polygon(_densify(box.exterior_ring.coords), srid=box.srid)
        return polygon.transform(STORAGE_SRID, clone=True)
    except (GEOSException, GDALException):
        raise InvalidParameterError(
            _("bbox: the box cannot be transformed from %(crs)s") % {"crs": box.srid}
        ) from None


def _densify(coords: tuple[tuple[float, float], ...], steps: int = 16) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(coords):
        points += [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps)]
    return [*points, points[0]]


def _instant(raw: str, *, end: bool) -> datetime | None:
    """One bound of ``datetime``: RFC 3339 date-time, or a date meaning the whole day (its
    start as a lower bound, its last instant as an upper one), in the portal's time zone."""
    text = raw.strip()
    if text in ("", ".."):
        return None
    try:  # Django's parsers raise ValueError for a well-formed impossible day (2021-02-30)
        stamp = parse_datetime(text) if "T" in text.upper() else None
        day: date | None = parse_date(text) if len(text) == 10 else None
    except ValueError:
        stamp = day = None
    parsed = stamp or day
    if parsed is not None and parsed.year not in YEARS:
        # Time zones shift the first and last days past what a datetime holds.
        raise InvalidParameterError(
            _("datetime: %(value)s lies outside the years 2 to 9998") % {"value": raw[:40]}
        )
    if stamp is not None:
        return stamp if timezone.is_aware(stamp) else timezone.make_aware(stamp)
    if day is None:
        raise InvalidParameterError(
            _(
                "datetime: %(value)s is not an RFC 3339 date or date-time (e.g. 2025-01-01, "
                "2025-01-01T08:00:00Z, 2024-01-01/.. )"
            )
            % {"value": raw[:40]}
        )
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start + timedelta(days=1) - timedelta(microseconds=1) if end else start


def _interval(raw: str) -> Interval | None:
    text = raw.strip()
    if not text:
        return None
    if "/" not in text:
        return Interval(_instant(text, end=False), _instant(text, end=True))
    first, _sep, second = text.partition("/")
    if first.strip() in ("", "..") and second.strip() in ("", ".."):
        raise InvalidParameterError(_("datetime: an interval needs at least one end"))
    interval = Interval(_instant(first, end=False), _instant(second, end=True))
    if interval.start and interval.end and interval.start > interval.end:
        raise InvalidParameterError(_("datetime: the interval's start is after its end"))
    return interval
