"""Trips over the API: list and read the trips the user may see, and complete an assigned
booking's trip (``POST /api/trips/`` with the booking and the log sheet).

Completion goes through :func:`portal.fleet.services.trips.complete_trip`, whose refusals are
PortalErrors that the project's exception handler turns into their status and user message.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from portal.core.api import ApiViewMixin, UTCDateTimeField
from portal.fleet.models import Booking, Trip
from portal.fleet.services.trips import TripFigures, complete_trip

MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


class TripSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    vehicle = serializers.SlugRelatedField(slug_field="plate", read_only=True)
    payer = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    payee = serializers.SlugRelatedField(slug_field="credit_code", read_only=True)
    actual_start = UTCDateTimeField(read_only=True)
    actual_end = UTCDateTimeField(read_only=True)

    class Meta:
        model = Trip
        fields = [
            "id", "booking", "vehicle", "driver", "odometer_start", "odometer_end",
            "actual_start", "actual_end", "fuel_litres", "fuel_cost", "charge_kwh",
            "charge_cost", "tolls", "parking", "notes", "distance_km", "billed_hours",
            "tariff", "per_km", "per_hour", "amount", "payer", "payee", "region_class",
            "crosses_border",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class VisibleBookingField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A booking the user may see; any other id is "does not exist", as on the pages (404)."""

    def get_queryset(self) -> Any:
        return Booking.objects.visible_to(self.context["request"].user)


class CompleteTripSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The log sheet of an assigned booking's trip; rules are the service's."""

    booking = VisibleBookingField()
    odometer_start = serializers.DecimalField(max_digits=9, decimal_places=1)
    odometer_end = serializers.DecimalField(max_digits=9, decimal_places=1)
    actual_start = serializers.DateTimeField()
    actual_end = serializers.DateTimeField()
    fuel_litres = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, default=None
    )
    fuel_cost = serializers.DecimalField(**MONEY)
    charge_kwh = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, allow_null=True, default=None
    )
    charge_cost = serializers.DecimalField(**MONEY)
    tolls = serializers.DecimalField(**MONEY)
    parking = serializers.DecimalField(**MONEY)
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def figures(self) -> TripFigures:
        data = dict(self.validated_data)
        data.pop("booking")
        return TripFigures(**data)


class TripViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # type: ignore[type-arg]
    """Trips the user pays, is paid for, or whose pool the user manages; newest first."""

    queryset = Trip.objects.select_related("vehicle", "payer", "payee")
    serializer_class = TripSerializer
    filterset_fields = ["region_class", "crosses_border", "booking"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.queryset.none()
        return self.queryset.visible_to(self.request.user).order_by("-actual_end", "-pk")

    @extend_schema(request=CompleteTripSerializer, responses={201: TripSerializer})
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        """Complete the trip of an assigned booking: 201 with the trip and its settlement."""
        sheet = CompleteTripSerializer(data=request.data, context={"request": request})
        sheet.is_valid(raise_exception=True)
        booking = sheet.validated_data["booking"]
        trip = complete_trip(booking, by=request.user, figures=sheet.figures())
        return Response(TripSerializer(trip).data, status=201)
