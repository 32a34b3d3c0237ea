"""The bookings API (``/api/vehicle-bookings/``): list and read the bookings the user may see,
submit one, amend it (PATCH), and the actions ``cancel``, ``approve`` and ``reject``.

Every write goes through the booking services, so the API keeps the same rules, scope and
history as the pages; their refusals come back as the portal's errors (403, 409, 400 with a
``detail`` message). Places are GeoJSON Points (RFC 7946: lon/lat, EPSG:4490 ≈ WGS84).
"""

from __future__ import annotations

from typing import Any, NoReturn

import django_filters
from django.contrib.gis.geos import Point
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.core.api import ApiViewMixin, UTCDateTimeField, without_null_characters
from portal.fleet.choices import (
    ApprovalDecision,
    BookingStatus,
    RegionClass,
    TripType,
    VehicleType,
)
from portal.fleet.forms.bookings import LAT_RANGE, LON_RANGE
from portal.fleet.models import Assignment, Booking, VehiclePool
from portal.fleet.services import approvals, bookings
from portal.org.models import Unit

PRECISION = 7  # RFC 7946 advises no more: about 1 cm


POINT_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
    },
    "required": ["type", "coordinates"],
}


ACTIVE_ASSIGNMENTS = Assignment.objects.filter(released_at__isnull=True).select_related(
    "vehicle", "driver"
)


@extend_schema_field(POINT_SCHEMA)
class PointField(serializers.Field):  # type: ignore[type-arg]
    """A GeoJSON Point in lon/lat; ``[lon, lat]`` is accepted on input too."""

    default_error_messages = {
        "invalid": _('Give a GeoJSON Point ({"type": "Point", "coordinates": [lon, lat]}).'),
        "range": _("The point lies outside Sichuan, Chongqing and their surroundings."),
    }

    def to_representation(self, value: Point) -> dict[str, Any]:
        return {
            "type": "Point",
            "coordinates": [round(value.x, PRECISION), round(value.y, PRECISION)],
        }

    def to_internal_value(self, data: Any) -> Point:
        coords = data.get("coordinates") if isinstance(data, dict) else data
        if isinstance(data, dict) and data.get("type") != "Point":
            self.fail("invalid")
        if not (isinstance(coords, list | tuple) and len(coords) == 2):
            self.fail("invalid")
        try:
            lon, lat = float(coords[0]), float(coords[1])
        except (TypeError, ValueError, OverflowError):  # an integer beyond any float
            self.fail("invalid")
        if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
            self.fail("range")
        return Point(lon, lat, srid=4490)

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        # DRF's fail() str.format()s the message, and "invalid" quotes GeoJSON, braces and all
        # (a KeyError, answered 500): this field's messages take no arguments.
        raise serializers.ValidationError(self.error_messages[key], code=key)


class AssignmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    vehicle = serializers.CharField(source="vehicle.plate")
    vehicle_type = serializers.CharField(source="vehicle.vehicle_type")
    driver = serializers.CharField(source="driver.name")
    driver_phone = serializers.CharField(source="driver.phone")

    class Meta:
        model = Assignment
        fields = ["vehicle", "vehicle_type", "driver", "driver_phone", "assigned_at"]


class BookingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A booking as read: its request, classification, chain, awaited step and assignment."""

    unit = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    origin = PointField()
    destination = PointField()
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    region = serializers.StringRelatedField(allow_null=True)  # a trip outside any region
    # Declared: a read-only model field loses allow_blank, and the schema's enum its "" (any).
    vehicle_type = serializers.ChoiceField(
        choices=VehicleType.choices, allow_blank=True, read_only=True
    )
    awaiting_step = serializers.SerializerMethodField()
    assignment = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "unit",
            "pool",
            "requested_by",
            "trip_type",
            "purpose",
            "passengers",
            "passenger_names",
            "origin",
            "origin_label",
            "destination",
            "destination_label",
            "starts_at",
            "ends_at",
            "round_trip",
            "seats_needed",
            "nev_ok",
            "vehicle_type",
            "status",
            "chain",
            "awaiting_step",
            "region_class",
            "crosses_border",
            "region",
            "distance_m",
            "cancel_reason",
            "assignment",
            "updated_at",
        ]
        read_only_fields = fields

    def get_awaiting_step(self, booking: Booking) -> str | None:
        return approvals.awaited_step(booking)

    def get_assignment(self, booking: Booking) -> dict[str, Any] | None:
        # A list prefetches the active assignments; a single booking just written asks.
        active = getattr(booking, "active_assignments", None)
        if active is None:
            active = list(ACTIVE_ASSIGNMENTS.filter(booking=booking))
        return AssignmentSerializer(active[0]).data if active else None


class BookingInputSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A request or (partial) an amendment; scope and rules are the services' to check."""

    # All units and pools: one outside the user's scope or pool is refused by the service.
    unit = serializers.SlugRelatedField(slug_field="credit_code", queryset=Unit.objects.all())
    pool = serializers.PrimaryKeyRelatedField(queryset=VehiclePool.objects.all())
    origin = PointField()
    destination = PointField()
    note = serializers.CharField(required=False, allow_blank=True, write_only=True)

    class Meta:
        model = Booking
        fields = ["unit", "pool", *bookings.AMENDABLE_FIELDS, "note"]
        extra_kwargs = {"passenger_names": {"required": False}, "vehicle_type": {"required": False}}

    def get_validators(self) -> list[Any]:
        return []  # the model's constraints are checked by the service, with its own messages

    def to_internal_value(self, data: Any) -> Any:
        # The unit is looked up by its credit code before any field validator runs.
        return super().to_internal_value(without_null_characters(data))


class ReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500)


class CommentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class BookingFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices)
    region_class = django_filters.MultipleChoiceFilter(choices=RegionClass.choices)
    trip_type = django_filters.MultipleChoiceFilter(choices=TripType.choices)
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Booking
        fields = ["pool", "crosses_border"]


class BookingViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = BookingSerializer
    filterset_class = BookingFilterSet
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Booking.objects.none()
        rows = Booking.objects.visible_to(self.request.user).annotate(signed=approvals.SIGNED)
        active = Prefetch("assignments", ACTIVE_ASSIGNMENTS, to_attr="active_assignments")
        rows = rows.select_related("unit", "requested_by", "region").prefetch_related(active)
        return rows.order_by("pk")

    def _answer(self, booking: Booking, status: int = 200) -> Response:
        """The booking as stored now (read again: the annotations of the request are stale)."""
        stored = self.get_queryset().filter(pk=booking.pk).first() or booking
        context = self.get_serializer_context()
        return Response(BookingSerializer(stored, context=context).data, status)

    @extend_schema(request=BookingInputSerializer, responses={201: BookingSerializer})
    def create(self, request: Request) -> Response:
        given = BookingInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        fields.pop("note", None)
        return self._answer(bookings.create_booking(fields, by=request.user), 201)

    @extend_schema(request=BookingInputSerializer, responses=BookingSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        given = BookingInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        note = changes.pop("note", "")
        changed = bookings.amend_booking(booking, changes, by=request.user, note=note)
        return self._answer(changed)

    @extend_schema(request=ReasonSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        given = ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self._answer(
            bookings.cancel_booking(booking, by=request.user, reason=given.validated_data["reason"])
        )

    @extend_schema(request=CommentSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._sign(ApprovalDecision.APPROVED)

    @extend_schema(request=CommentSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._sign(ApprovalDecision.REJECTED)

    def _sign(self, decision: ApprovalDecision) -> Response:
        booking = self.get_object()
        given = CommentSerializer(data=self.request.data)
        given.is_valid(raise_exception=True)
        comment = given.validated_data.get("comment", "")
        approvals.sign(booking, decision, by=self.request.user, comment=comment)
        return self._answer(booking)
