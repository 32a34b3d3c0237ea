"""The position feed's endpoint, ``/api/fleet/positions/``.

A tracking server authenticates with its account's token (``Authorization: Token …``) and POSTs
``{"source": "…", "positions": [{"plate": …, "recorded_at": …, "lon": …, "lat": …}, …]}``; the
account may post only for vehicles it may edit (any other plate or id is a 400, as an unknown
one is). GET answers the last known position of each
vehicle the user may see, as GeoJSON built by PostGIS.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.exchange.api import AnyFormat
from portal.fleet import stats_sql
from portal.fleet.exceptions import FleetInputError
from portal.fleet.models import Vehicle
from portal.fleet.services.positions import CRS_NAMES, ingest_positions

GEOJSON = "application/geo+json"


def vehicle_url_prefix() -> str:
    """The detail URL of vehicle 0 without its id, which the SQL appends per vehicle."""
    return reverse("fleet:vehicle_detail", args=[0]).removesuffix("0/")


def fresh_since() -> dt.datetime:
    """Positions recorded since this instant are fresh; older ones are stale."""
    return timezone.now() - dt.timedelta(minutes=int(settings.TIANFU_FLEET["stale_minutes"]))


class PositionSerializer(serializers.Serializer):
    """One fix, as the schema documents it; the service checks the rows and names the wrong one."""

    plate = serializers.CharField(required=False, help_text="The plate, e.g. 川A12345.")
    vehicle = serializers.IntegerField(required=False, help_text="Or the vehicle's id.")
    recorded_at = serializers.DateTimeField(help_text="ISO 8601 with its offset.")
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    crs = serializers.ChoiceField(choices=sorted(set(CRS_NAMES.values())), required=False)
    speed = serializers.FloatField(required=False, allow_null=True, help_text="km/h")
    heading = serializers.FloatField(required=False, allow_null=True, help_text="degrees")


class PositionBatchSerializer(serializers.Serializer):
    source = serializers.CharField(required=False, max_length=60)
    positions = PositionSerializer(many=True)


class FeedResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    moved = serializers.IntegerField()


class PositionFeedView(APIView):
    """POST a batch of positions; GET the last known position of each visible vehicle."""

    # The GeoJSON answer is written as text whatever the Accept header asks for.
    content_negotiation_class = AnyFormat

    @extend_schema(
        responses={(200, GEOJSON): OpenApiTypes.OBJECT},
        description="The last known position of each vehicle the user may see (GeoJSON).",
    )
    def get(self, request: Request) -> HttpResponse:
        vehicles = Vehicle.objects.visible_to(request.user).filter(last_position__isnull=False)
        body = stats_sql.vehicles_geojson(
            vehicles, fresh_since=fresh_since(), url_prefix=vehicle_url_prefix()
        )
        return HttpResponse(body, content_type=GEOJSON)

    @extend_schema(
        request=PositionBatchSerializer,
        responses={
            201: FeedResultSerializer,
            400: OpenApiResponse(
                description="A row is wrong, or names no vehicle the account may edit; the "
                "message names the row."
            ),
        },
        description="A tracking server's batch of fixes, stored all or none.",
    )
    def post(self, request: Request) -> Response:
        data = request.data
        rows = data.get("positions") if isinstance(data, dict) else data
        source = data.get("source") if isinstance(data, dict) else ""
        if rows is None:
            raise FleetInputError(_("Send the positions as a list under “positions”."))
        result = ingest_positions(rows, by=request.user, source=str(source or ""))
        return Response(FeedResultSerializer(result).data, status=status.HTTP_201_CREATED)
