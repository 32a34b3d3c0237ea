"""Filters shared by the portal's pages, API, tiles and exports: one FilterSet per model.

Spatial parameters are validated with messages that name the parameter, so a bad request is a
400 that says what to fix: ``bbox=minlon,minlat,maxlon,maxlat`` (degrees, CGCS2000/WGS84),
``near=lon,lat,metres`` (geodesic), ``intersects=<GeoJSON geometry>``.
"""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django import forms
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point, Polygon
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.core import lookups  # noqa: F401  (registers dwithin_m)
from portal.org.models import AdminDivision
from portal.org.scoping import unit_path_of

MAX_RADIUS_M = 500_000
MAX_GEOJSON_CHARS = 200_000


def _numbers(value: str, count: int, name: str) -> list[float]:
    parts = [p.strip() for p in value.split(",")]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != count or any(n != n for n in numbers):  # n != n: NaN
        # The request's text goes in as a parameter, never into the message itself: django-filter
        # formats every message with its parameters, and a "%" in the text would break that.
        raise forms.ValidationError(
            _("%(name)s needs %(count)d comma-separated numbers, got %(value)r"),
            params={"name": name, "count": count, "value": value[:80]},
        )
    return numbers


def _check_lonlat(lon: float, lat: float, name: str) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise forms.ValidationError(
            _("%(name)s: longitude must lie in -180..180 and latitude in -90..90") % {"name": name}
        )


class BBoxField(forms.CharField):
    def clean(self, value: Any) -> Polygon | None:
        value = super().clean(value)
        if not value:
            return None
        xmin, ymin, xmax, ymax = _numbers(value, 4, "bbox")
        _check_lonlat(xmin, ymin, "bbox")
        _check_lonlat(xmax, ymax, "bbox")
        if xmin >= xmax or ymin >= ymax:
            raise forms.ValidationError(
                _("bbox: each minimum must be below its maximum (minlon,minlat,maxlon,maxlat)")
            )
        return _with_srid(Polygon.from_bbox((xmin, ymin, xmax, ymax)))


def _with_srid(geom: GEOSGeometry) -> GEOSGeometry:
    geom.srid = 4490
    return geom


class NearField(forms.CharField):
    def clean(self, value: Any) -> tuple[Point, float] | None:
        value = super().clean(value)
        if not value:
            return None
        lon, lat, metres = _numbers(value, 3, "near")
        _check_lonlat(lon, lat, "near")
        if not 0 < metres <= MAX_RADIUS_M:
            raise forms.ValidationError(
                _("near: the radius must be between 0 and %(max)d metres") % {"max": MAX_RADIUS_M}
            )
        return Point(lon, lat, srid=4490), metres


class GeoJSONGeometryField(forms.CharField):
    def clean(self, value: Any) -> GEOSGeometry | None:
        value = super().clean(value)
        if not value:
            return None
        if len(value) > MAX_GEOJSON_CHARS:
            raise forms.ValidationError(
                _("intersects: the geometry is longer than %(max)d characters")
                % {"max": MAX_GEOJSON_CHARS}
            )
        try:
            json.loads(value)
            geom = GEOSGeometry(value)
        except (ValueError, GEOSException, GDALException, TypeError):
            raise forms.ValidationError(_("intersects: not a GeoJSON geometry")) from None
        if geom.empty or not geom.valid:
            raise forms.ValidationError(
                _("intersects: the geometry is empty or not valid (%(reason)s)"),
                params={"reason": geom.valid_reason},
            )
        return _with_srid(geom)


class DivisionField(forms.CharField):
    def clean(self, value: Any) -> AdminDivision | None:
        value = super().clean(value)
        if not value:
            return None
        division = AdminDivision.objects.current().filter(code=value.strip()).first()
        if division is None:
            raise forms.ValidationError(
                _("division: no current division has code %s"), params=(value[:80],)
            )
        return division


class BBoxFilter(django_filters.Filter):
    field_class = BBoxField

    def filter(self, qs: QuerySet[Any], value: Polygon | None) -> QuerySet[Any]:
        return qs if value is None else qs.filter(**{f"{self.field_name}__intersects": value})


class NearFilter(django_filters.Filter):
    field_class = NearField

    def filter(self, qs: QuerySet[Any], value: tuple[Point, float] | None) -> QuerySet[Any]:
        return qs if value is None else qs.filter(**{f"{self.field_name}__dwithin_m": value})


class IntersectsFilter(django_filters.Filter):
    field_class = GeoJSONGeometryField

    def filter(self, qs: QuerySet[Any], value: GEOSGeometry | None) -> QuerySet[Any]:
        return qs if value is None else qs.filter(**{f"{self.field_name}__intersects": value})


# The filter has no model field of its own to infer the OpenAPI type from: a division code.
@extend_schema_field(OpenApiTypes.STR)
class DivisionFilter(django_filters.Filter):
    """Records whose owning unit lies in the division's subtree (the same rule as scoping)."""

    field_class = DivisionField

    def filter(self, qs: QuerySet[Any], value: AdminDivision | None) -> QuerySet[Any]:
        if value is None:
            return qs
        return qs.filter(
            **{_join(unit_path_of(qs.model), "division__code__startswith"): value.prefix}
        )


def _join(path: str, lookup: str) -> str:
    return f"{path}__{lookup}" if path else lookup


class RegistryFilterSet(django_filters.FilterSet):
    """Parameters every registry list understands; subclasses add their own."""

    bbox = BBoxFilter(field_name="geom", label=_("bounding box"))
    near = NearFilter(field_name="geom", label=_("within metres of a point"))
    intersects = IntersectsFilter(field_name="geom", label=_("intersects a GeoJSON geometry"))
    division = DivisionFilter(label=_("division code"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("unit credit code"))
    q = django_filters.CharFilter(method="filter_text", label=_("text"))

    search_fields: tuple[str, ...] = ()

    def filter_unit(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(**{_join(unit_path_of(qs.model), "credit_code"): value.strip().upper()})

    def filter_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return qs.filter(query) if self.search_fields else qs
