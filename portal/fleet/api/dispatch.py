"""The dispatch API of the pool managers, under ``/api/vehicle-dispatch/<booking id>/``:

- ``GET suggestions/?limit=`` ranked candidate vehicles with their score components and paired
  driver (limit: 1–500, by default ``TIANFU_FLEET["suggestions"]``);
- ``POST assign/`` ``{"vehicle": id, "driver": id}`` → 201 with the assignment;
- ``POST reassign/`` ``{"vehicle", "driver", "reason"}`` → 200 with the new assignment;
- ``POST release/`` ``{"reason"}`` → 200 with the released assignment.

Bookings of pools the user does not manage are a 404; refusals of the service keep their status
(403, 409 with :class:`~portal.fleet.exceptions.DoubleBookingError`, 400).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.core.api import UTCDateTimeField
from portal.fleet.models import Assignment, Booking, Driver, Vehicle
from portal.fleet.services import dispatch as service
from portal.fleet.views.dispatch import dispatchable

MAX_LIMIT = 500


class DriverRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    licence_class = serializers.CharField()
    booked_hours = serializers.FloatField()


class CandidateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    plate = serializers.CharField()
    vehicle_type = serializers.CharField()
    seats = serializers.IntegerField()
    energy = serializers.CharField()
    range_km = serializers.IntegerField(allow_null=True)
    holder_id = serializers.IntegerField()
    holder_name = serializers.CharField()
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    position_source = serializers.CharField(allow_null=True)
    to_origin_km = serializers.FloatField(allow_null=True)
    trip_km = serializers.FloatField()
    range_left_km = serializers.FloatField(allow_null=True)
    booked_hours = serializers.FloatField()


class SuggestionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rank = serializers.IntegerField()
    vehicle = CandidateSerializer()
    driver = DriverRowSerializer(allow_null=True)
    distance_score = serializers.FloatField()
    fit_score = serializers.FloatField()
    balance_score = serializers.FloatField()
    score = serializers.FloatField()


class AssignmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    vehicle = serializers.SlugRelatedField(slug_field="plate", read_only=True)
    vehicle_id = serializers.IntegerField(read_only=True)
    driver = serializers.StringRelatedField()
    driver_id = serializers.IntegerField(read_only=True)
    starts_at = UTCDateTimeField(source="period.lower", read_only=True)
    ends_at = UTCDateTimeField(source="period.upper", read_only=True)
    assigned_at = UTCDateTimeField(read_only=True)
    released_at = UTCDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "booking",
            "vehicle",
            "vehicle_id",
            "driver",
            "driver_id",
            "starts_at",
            "ends_at",
            "assigned_at",
            "released_at",
            "release_reason",
        ]


class PoolMemberField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A vehicle or driver of a member unit of the booking's pool (the ``booking`` of the
    context), as the page's form offers them. Any other id "does not exist": the service's
    refusal would name another unit's plate or driver, and walking ids would list them all."""

    def __init__(self, *, unit_field: str, **kwargs: Any) -> None:
        self.unit_field = unit_field
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        booking = self.context.get("booking")
        if booking is None:
            return super().get_queryset().none()
        members = booking.pool.members.all()
        return super().get_queryset().filter(**{f"{self.unit_field}__in": members})


class AssignInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    vehicle = PoolMemberField(queryset=Vehicle.objects.all(), unit_field="holder")
    driver = PoolMemberField(queryset=Driver.objects.all(), unit_field="unit")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReleaseInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LimitSerializer(serializers.Serializer):  # type: ignore[type-arg]
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, required=False)


class DispatchViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Suggestions and assignment for the bookings of the pools the user manages."""

    queryset = Booking.objects.none()
    serializer_class = SuggestionSerializer
    lookup_value_regex = r"\d+"
    pagination_class = None

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Booking.objects.none()
        return dispatchable(self.request.user).select_related("pool")

    @extend_schema(parameters=[LimitSerializer], responses=SuggestionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def suggestions(self, request: Request, pk: str | None = None) -> Response:
        query = LimitSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data.get("limit", settings.TIANFU_FLEET["suggestions"])
        found = service.suggest(self.get_object(), by=request.user, limit=limit)
        return Response(SuggestionSerializer(found, many=True).data)

    @extend_schema(request=AssignInputSerializer, responses={201: AssignmentSerializer})
    @action(detail=True, methods=["post"], serializer_class=AssignInputSerializer)
    def assign(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        data = self._input(AssignInputSerializer, booking)
        made = service.assign(booking, data["vehicle"], data["driver"], by=request.user)
        return Response(AssignmentSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignInputSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], serializer_class=AssignInputSerializer)
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        data = self._input(AssignInputSerializer, booking)
        made = service.reassign(
            booking,
            data["vehicle"],
            data["driver"],
            by=request.user,
            reason=data["reason"],
        )
        return Response(AssignmentSerializer(made).data)

    @extend_schema(request=ReleaseInputSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReleaseInputSerializer)
    def release(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        data = self._input(ReleaseInputSerializer, booking)
        old = service.release(booking, by=request.user, reason=data["reason"])
        return Response(AssignmentSerializer(old).data)

    def _input(
        self,
        serializer_class: type[serializers.Serializer],  # type: ignore[type-arg]
        booking: Booking,
    ) -> dict[str, Any]:
        context = {**self.get_serializer_context(), "booking": booking}
        serializer = serializer_class(data=self.request.data, context=context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
