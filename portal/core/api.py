"""The REST API's shared base: scoped viewsets, serializer fields, pagination, output CRS, errors.

Every registry viewset reads through ``visible_to(user)`` and writes through the model's service
(``save_record`` or a model-specific one such as ``save_asset``), so the API applies exactly the
scope checks and validation of the admin. An update locks the record's row first and honours
``If-Match`` against the ``ETag`` a detail sends (:mod:`portal.core.etags`). Lists of geometric
models are GeoJSON built by PostGIS (:mod:`portal.core.geojson`); detail, create and update use
the serializers below.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC
from typing import Any, ClassVar

from django.contrib.gis.db import models as gis_models
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gis.crs import GK3_ZONES, STORAGE_SRID, WEB_MERCATOR_SRID, WGS84_SRID, epsg_for_zone
from portal.audits.services import (
    record_confidential_list,
    record_confidential_view,
    sees_classified,
)
from portal.core import geojson
from portal.core.etags import (
    CONDITIONAL_METHODS,
    ETAG_METHODS,
    IF_MATCH_PARAMETER,
    record_etag,
    require_if_match,
)
from portal.core.exceptions import PortalError
from portal.core.pagination import GeoJSONPagination, RegistryPagination
from portal.core.services import RecordInvalidError, delete_record, save_record
from portal.core.withheld import withhold_related

log = logging.getLogger(__name__)

# Longitude/latitude output (RFC 7946): EPSG:4490 and EPSG:4326 agree to well under a metre here.
LONLAT_SRIDS = frozenset({STORAGE_SRID, WGS84_SRID})
OUTPUT_SRIDS = LONLAT_SRIDS | {WEB_MERCATOR_SRID} | {epsg_for_zone(z) for z in GK3_ZONES}
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def precision_for(srid: int) -> int:
    """Decimals written: 7 for degrees (about 1 cm, RFC 7946), 3 for metres (1 mm)."""
    return 7 if srid in LONLAT_SRIDS else 3


def crs_uri(srid: int) -> str:
    """The ``Content-Crs`` of a response: CRS84 for lon/lat, the EPSG code otherwise."""
    return (
        f"<{CRS84}>" if srid in LONLAT_SRIDS else f"<http://www.opengis.net/def/crs/EPSG/0/{srid}>"
    )


def requested_srid(request: Any) -> int:
    """The ``?srid=`` of the request (coordinates in and out), EPSG:4490 lon/lat by default."""
    value = request.query_params.get("srid", "").strip()
    if not value:
        return STORAGE_SRID
    if not value.isdigit() or int(value) not in OUTPUT_SRIDS:
        message = _(
            "srid: %(value)s is not offered; use 4490, 4326, 3857 or a CGCS2000 3-degree "
            "Gauss-Krüger zone 4534–4554"
        ) % {"value": value[:20]}
        raise exceptions.ValidationError({"srid": [message]})
    return int(value)


_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def query_flag(request: Any, name: str, *, default: bool) -> bool:
    """A true/false query parameter; anything else is a 400 naming it."""
    raw = request.query_params.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in _FLAGS:
        message = _("%(name)s must be true or false") % {"name": name}
        raise exceptions.ValidationError({name: [message]})
    return _FLAGS[raw]


SRID_PARAMETER = OpenApiParameter(
    "srid",
    OpenApiTypes.INT,
    description=(
        "Coordinate system of geometries in the response and request body. Default: lon/lat "
        "(EPSG:4490 ≈ WGS84), RFC 7946 GeoJSON. 4326 is the same. 3857 (Web Mercator) and the "
        "CGCS2000 Gauss-Krüger zones 4534–4554 give x/y in metres: such output is NOT RFC 7946 "
        "GeoJSON; the Content-Crs header names the CRS."
    ),
    enum=sorted(OUTPUT_SRIDS),
)


# --- errors ---------------------------------------------------------------------------------


def _flatten(errors: Any) -> list[str]:
    if isinstance(errors, dict):
        return [msg for value in errors.values() for msg in _flatten(value)]
    if isinstance(errors, list):
        return [msg for value in errors for msg in _flatten(value)]
    return [str(errors)]


def _field_errors(errors: dict[str, Any]) -> dict[str, list[str]]:
    """Messages per field; errors of the whole record (Django's ``__all__``) as DRF names them."""
    return {
        field if field not in ("", "__all__") else "non_field_errors": _flatten(value)
        for field, value in errors.items()
    }


def _invalid(errors: dict[str, list[str]]) -> Response:
    """400 with a summary naming each field, and the messages per field."""
    summary = "; ".join(
        msg if msg.startswith(field) else f"{field}: {msg}"
        for field, messages in errors.items()
        for msg in messages
    )
    return Response({"detail": summary, "errors": errors}, status=400)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map the portal's errors once: PortalError → its status and user message; validation
    errors (DRF, Django, the write service) → 400 naming the field or parameter."""
    if isinstance(exc, RecordInvalidError):
        return _invalid(_field_errors(exc.errors))
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return _invalid(_field_errors(errors))
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict | list):
        detail = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
        return _invalid(_field_errors(detail))
    if isinstance(exc, PortalError):
        log.info("API request refused: %s %s", type(exc).__name__, exc.detail or exc.user_message)
        return Response({"detail": exc.user_message}, status=exc.http_status)
    return drf_exception_handler(exc, context)


# --- serializer fields and bases -------------------------------------------------------------


class UTCDateTimeField(serializers.DateTimeField):
    """Timestamps in UTC with microseconds, the same text PostGIS writes in GeoJSON lists."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M:%S.%fZ")
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)


class RegistryGeometryField(GeometryField):
    """A GeoJSON geometry in lon/lat (EPSG:4490), or in the request's ``?srid=``.

    Input in another CRS is transformed to EPSG:4490 before validation; a Polygon is accepted
    where a MultiPolygon is stored.
    """

    def _srid(self) -> int:
        return int(self.context.get("srid", STORAGE_SRID))

    def to_representation(self, value: GEOSGeometry | None) -> dict[str, Any] | None:
        if value is None:
            return None
        srid = self._srid()
        if srid not in LONLAT_SRIDS:
            value = value.transform(srid, clone=True)
        coordinates = self._recursive_round(value.coords, precision_for(srid))
        return {"type": value.geom_type, "coordinates": coordinates}

    def to_internal_value(self, value: Any) -> GEOSGeometry | None:
        geom = super().to_internal_value(value)
        if geom in ("", None):
            return None
        srid = self._srid()
        geom.srid = srid  # GeoJSON carries no CRS: its coordinates are in the request's srid
        try:
            geom = geom if srid in LONLAT_SRIDS else geom.transform(STORAGE_SRID, clone=True)
        except (GEOSException, GDALException) as exc:
            raise serializers.ValidationError(str(exc)) from None
        geom.srid = STORAGE_SRID
        return self._as_stored_type(geom)

    def _as_stored_type(self, geom: GEOSGeometry) -> GEOSGeometry:
        model_field = self.parent.Meta.model._meta.get_field(self.source)
        expected = model_field.geom_type
        if expected == "MULTIPOLYGON" and geom.geom_type == "Polygon":
            geom = MultiPolygon(geom, srid=geom.srid)
        if expected not in ("GEOMETRY", geom.geom_type.upper()):
            raise serializers.ValidationError(
                _("Expected a %(expected)s geometry, got %(got)s.")
                % {"expected": expected.title(), "got": geom.geom_type}
            )
        return geom


class VisibleRelatedMixin:
    """Related records offered to a request: only those the user may see."""

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        return queryset.visible_to(request.user) if request else queryset.none()


class VisiblePrimaryKeyField(VisibleRelatedMixin, serializers.PrimaryKeyRelatedField):
    pass


class VisibleSlugField(VisibleRelatedMixin, serializers.SlugRelatedField):
    pass


_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    gis_models.DateTimeField: UTCDateTimeField,
    **{
        field: RegistryGeometryField
        for field in (gis_models.GeometryField, gis_models.PointField, gis_models.MultiPolygonField)
    },
}
RECORD_FIELDS = ("synthetic", "created_at", "updated_at")


class RegistrySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Base of the API's plain serializers.

    Model-level checks (unique constraints, ``clean``) are left to ``full_clean`` in the write
    service, as in the admin, so they run once and after the scope check.
    """

    serializer_field_mapping = _MAPPING

    def get_validators(self) -> list[Any]:
        return []

    def to_representation(self, instance: Any) -> Any:
        return withhold_related(self, instance, super().to_representation(instance))

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(without_null_characters(data))


class RegistryGeoSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]
    """Base of the API's GeoJSON Feature serializers; see :class:`RegistrySerializer`."""

    serializer_field_mapping = _MAPPING

    def get_validators(self) -> list[Any]:
        return []

    def to_representation(self, instance: Any) -> Any:
        feature = super().to_representation(instance)
        withhold_related(self, instance, feature["properties"])
        return feature

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            # drf-gis would look for "properties" inside a list or a string; DRF's own check
            # answers that a body must be an object.
            return super(GeoFeatureModelSerializer, self).to_internal_value(data)
        # drf-gis unwraps a Feature only when it has "properties"; a PATCH that moves a record
        # sends just the geometry, which would otherwise be silently ignored.
        if data.get("type") == "Feature" or "properties" in data:
            data = {**data, "properties": feature_properties(data.get("properties"))}
            without_null_characters(data["properties"])
        return super().to_internal_value(without_null_characters(data))


def feature_properties(value: Any) -> dict[str, Any]:
    """A Feature's ``properties`` as a dict of fields: absent or null is none, else an object."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        message = _("Expected an object of the record's fields, got %(type)s.")
        raise serializers.ValidationError(
            {"properties": [message % {"type": type(value).__name__}]}
        )
    return dict(value)


def without_null_characters(data: Any) -> Any:
    """``data``, unless a field's text holds a NUL character: then a 400 naming the field.

    PostgreSQL can neither store nor look up such text, and a related record named by a code
    (a unit's credit code, a division's code) is looked up before any field validator runs.
    """
    if isinstance(data, Mapping):
        errors = {
            name: [_("Null characters are not allowed.")]
            for name, value in data.items()
            if isinstance(value, str) and "\x00" in value
        }
        if errors:
            raise serializers.ValidationError(errors)
    return data


class RegistryGeoSerializerExtension(GeoFeatureModelSerializerExtension):  # type: ignore[misc]
    """OpenAPI for our Feature serializers: a request body has no (read-only) ``id``, which
    drf-spectacular's own extension insists on when request and response schemas are split;
    an answer's geometry may be null (RFC 7946), as it is for ``?geometry=false``."""

    target_class = RegistryGeoSerializer
    match_subclasses = True
    priority = 1

    def map_serializer(self, auto_schema: Any, direction: str) -> Any:
        schema = super().map_serializer(auto_schema, direction)
        if direction == "response":
            geometry = schema["properties"]["geometry"]
            schema["properties"]["geometry"] = {**geometry, "nullable": True}
        return schema

    def map_geo_feature_model_serializer(self, serializer: Any, base_schema: Any) -> Any:
        id_field = serializer.Meta.id_field
        missing = id_field not in base_schema["properties"]
        base_schema["properties"].setdefault(id_field, {})
        schema = super().map_geo_feature_model_serializer(serializer, base_schema)
        if missing:
            del schema["properties"]["id"]
        return schema


# --- viewsets --------------------------------------------------------------------------------


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class ApiViewMixin:
    """What every API view shares: the FilterSet backend and pagination."""

    filter_backends = [DjangoFilterBackend]
    pagination_class: Any = RegistryPagination


class GeoListMixin:
    """GeoJSON for a geometric model: the list is built by PostGIS and returned as is, detail
    and writes go through the Feature serializer; both carry the same properties."""

    pagination_class = GeoJSONPagination
    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    with_geometry = True
    srid = STORAGE_SRID

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.srid = requested_srid(request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "srid": self.srid}  # type: ignore[misc]

    def list(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        paginator = self.paginator  # type: ignore[attr-defined]
        limit, offset = paginator.read_window(request)
        feature = geojson.feature_expression(
            self.get_serializer(),  # type: ignore[attr-defined]
            transform_to=None if self.srid in LONLAT_SRIDS else self.srid,  # type: ignore[attr-defined]
            precision=precision_for(self.srid),  # type: ignore[attr-defined]
            with_geometry=self.with_geometry,
        )
        features, rows = geojson.feature_rows(queryset, feature, limit=limit, offset=offset)
        body = paginator.envelope(features, paginator.set_rows(rows))
        response = HttpResponse(body, content_type=GeoJSONRenderer.media_type)
        response["Content-Crs"] = crs_uri(self.srid)  # type: ignore[attr-defined]
        return response

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response) and response.status_code >= 400:
            # An error is plain JSON ({"detail": ...}), not a GeoJSON object.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        elif isinstance(response, Response):
            response["Content-Crs"] = crs_uri(self.srid)  # type: ignore[attr-defined]
        return response


class RegistryViewSet(ApiViewMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    """CRUD on a registry model within the user's scope; ordered by id so pages are stable."""

    queryset: ClassVar[Any]
    save_service = staticmethod(save_record)
    lookup_value_regex = r"\d+"
    etag_record: Any = None  # the record get_object read: the response carries its ETag

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.queryset.none()
        return self.queryset.visible_to(self.request.user).order_by("pk")

    def get_object(self) -> Any:
        record = super().get_object()
        if self.request.method in CONDITIONAL_METHODS:
            require_if_match(self.request, record)
        self.etag_record = record
        return record

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        record_confidential_view(request, record, channel="api")  # the security audit
        return Response(self.get_serializer(record).data)

    @extend_schema(parameters=[IF_MATCH_PARAMETER])
    def update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        """PUT and PATCH in one transaction that first locks the stored row: the record is read,
        compared with If-Match, changed and saved while nobody else can save it, so an update
        never writes back an older value of a field it did not send."""
        with transaction.atomic():
            self.lock_row()
            return super().update(request, *args, **kwargs)

    @extend_schema(parameters=[IF_MATCH_PARAMETER])
    def destroy(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        """DELETE under the same row lock, so the record compared with If-Match is the one
        removed: nobody saves a newer version in between."""
        with transaction.atomic():
            self.lock_row()
            return super().destroy(request, *args, **kwargs)

    def lock_row(self) -> None:
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        rows = self.get_queryset().filter(**{self.lookup_field: lookup})
        list(rows.select_for_update(of=("self",)).values_list("pk", flat=True))

    @extend_schema(parameters=[IF_MATCH_PARAMETER])
    def partial_update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)  # declared for its schema

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.action == "list" and response.status_code == 200:
            self.record_listed(request)  # the security audit
        record = self.etag_record  # after an update, saved: the ETag is of the new version
        if record is not None and request.method in ETAG_METHODS and response.status_code == 200:
            etag = record_etag(record)
            if etag:
                response["ETag"] = etag
        return response

    def record_listed(self, request: Any) -> None:
        """One audit event naming the classified records of the page (both list paths, plain
        and GeoJSON, use the paginator's window); nothing is asked of users not cleared."""
        if sees_classified(request.user):
            paginator = self.paginator
            record_confidential_list(
                request,
                self.filter_queryset(self.get_queryset()),
                limit=paginator.limit,
                offset=paginator.offset,
                channel="api_list",
            )

    def perform_create(self, serializer: Any) -> None:
        record = self.queryset.model(**serializer.validated_data)
        serializer.instance = self.save_service(record, by=self.request.user)

    def perform_update(self, serializer: Any) -> None:
        for name, value in serializer.validated_data.items():
            setattr(serializer.instance, name, value)
        self.save_service(serializer.instance, by=self.request.user)

    def perform_destroy(self, instance: Any) -> None:
        delete_record(instance, by=self.request.user)


@extend_schema(parameters=[SRID_PARAMETER])
class GeoRegistryViewSet(GeoListMixin, RegistryViewSet):
    pass


class ReferenceViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Read-only reference data (divisions, code tables) that every signed-in user reads."""


@extend_schema(parameters=[SRID_PARAMETER])
class GeoReferenceViewSet(GeoListMixin, ReferenceViewSet):
    pass
