"""Imports and exports over the API: the same services as the pages, the same scope.

``POST /api/imports/`` stores a file and queues its check (201); ``GET /api/imports/<id>/`` shows
its state, progress and full report; ``POST /api/imports/<id>/confirm/`` queues the commit (202,
409 when the job is not checked). ``GET /api/exports/<entity>/`` answers a file.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.api import UTCDateTimeField
from portal.core.validators import UploadValidator
from portal.exchange import services
from portal.exchange.access import NOT_AN_IMPORTER, jobs_visible_to, may_import
from portal.exchange.downloads import export_download
from portal.exchange.entities import ENTITIES
from portal.exchange.export import ExportFormat
from portal.exchange.forms import IMPORT_FILES, entity_choices, size_problem
from portal.exchange.models import ImportJob
from portal.exchange.problems import ProblemError
from portal.exchange.readers import declared_crs
from portal.exchange.sources import ReadOptions


class ImportJobSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    running = serializers.BooleanField(read_only=True)
    counts = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()
    created_at = UTCDateTimeField(read_only=True)
    checked_at = UTCDateTimeField(read_only=True, allow_null=True)
    committed_at = UTCDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ImportJob
        fields = [
            "id", "url", "entity", "original_name", "size_bytes", "status", "status_label",
            "running", "rows_done", "rows_total", "progress", "counts", "report_url",
            "declared_crs", "declared_encoding", "layer", "repair",
            "created_at", "checked_at", "committed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_counts(self, job: ImportJob) -> dict[str, int]:
        return dict(job.report.get("counts") or {})

    def get_progress(self, job: ImportJob) -> float | None:
        """Percent of the rows read, when the file says how many it has (CSV does not)."""
        if not job.rows_total:
            return None
        return round(min(100.0, 100.0 * job.rows_done / job.rows_total), 1)

    def get_url(self, job: ImportJob) -> str:
        return self._absolute(reverse("api:import-detail", args=[job.pk]))

    def get_report_url(self, job: ImportJob) -> str | None:
        """The XLSX report, once the check has written one."""
        if not job.report.get("entity"):
            return None
        return self._absolute(reverse("exchange:import_report", args=[job.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ImportJobDetailSerializer(ImportJobSerializer):
    report = serializers.JSONField(read_only=True)

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "report"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """What the upload form declares: the CRS and encoding are checked before anything is stored."""

    entity = serializers.ChoiceField(choices=entity_choices())
    file = serializers.FileField(validators=[UploadValidator(IMPORT_FILES)])
    crs = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    encoding = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    layer = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    repair = serializers.BooleanField(required=False, default=False)

    def validate_file(self, upload: Any) -> Any:
        problem = size_problem(upload.size)
        if problem:
            raise serializers.ValidationError(problem)
        return upload

    def validate_crs(self, value: str) -> str:
        if value.strip():
            try:
                declared_crs(value)
            except ProblemError as exc:
                raise serializers.ValidationError(_text(exc)) from None
        return value.strip()

    def validate_encoding(self, value: str) -> str:
        if value.strip():
            try:
                codecs.lookup(value.strip())
            except LookupError:
                raise serializers.ValidationError(f"unknown encoding {value[:20]!r}") from None
        return value.strip()

    def options(self) -> ReadOptions:
        data = self.validated_data
        return ReadOptions(
            crs=data["crs"] or None, encoding=data["encoding"] or None, layer=data["layer"] or None
        )


def _text(exc: ProblemError) -> str:
    return exc.problem.text(translation.get_language() or "en")


class MayImport(permissions.BasePermission):
    """Uploading needs a role that edits; reading one's own jobs does not."""

    message = NOT_AN_IMPORTER

    def has_permission(self, request: Request, view: Any) -> bool:
        return view.action != "create" or may_import(request.user)


class ImportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Imports the user uploaded (every import for province administrators), newest first."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [permissions.IsAuthenticated, MayImport]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ImportJob.objects.none()
        return jobs_visible_to(self.request.user)  # type: ignore[arg-type]

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return ImportJobDetailSerializer
        if self.action == "create":
            return ImportUploadSerializer
        return ImportJobSerializer

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    def create(self, request: Request) -> Response:
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        job = services.create_import(
            data["file"],
            by=request.user,  # type: ignore[arg-type]
            entity=data["entity"],
            options=upload.options(),
            repair=data["repair"],
        )
        body = ImportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=201, headers={"Location": body["url"]})

    @extend_schema(
        request=None,
        responses={
            202: ImportJobSerializer,
            409: OpenApiResponse(description="The import is not checked and ready."),
        },
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Queue the commit of a checked file; only its uploader may confirm it."""
        job = services.confirm_import(self.get_object(), by=request.user)  # type: ignore[arg-type]
        body = ImportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=202)


class AnyFormat(DefaultContentNegotiation):
    """``?format=gpkg`` names the export's file format here, not a DRF renderer: without this,
    DRF's URL format override would answer 404 for every format it has no renderer for."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


@extend_schema(
    parameters=[
        OpenApiParameter("entity", str, OpenApiParameter.PATH, enum=list(ENTITIES)),
        OpenApiParameter("format", str, enum=ExportFormat.values, default=ExportFormat.GPKG),
        OpenApiParameter(
            "crs",
            str,
            default="EPSG:4490",
            description="EPSG code of the file's coordinates; GeoJSON is always lon/lat.",
        ),
        OpenApiParameter("encoding", str, enum=["utf-8", "gbk"], default="utf-8"),
    ],
    responses={
        (200, "application/octet-stream"): OpenApiTypes.BINARY,
        400: OpenApiResponse(description="A filter, format, CRS or encoding cannot be used."),
    },
    description=(
        "The records of one type that the user may read, as GeoPackage, zipped Shapefile, "
        "GeoJSON, XLSX or CSV, in the layout the import takes back. Any other query parameter "
        "is the record type's filter, as on its list endpoint."
    ),
)
class ExportView(APIView):
    content_negotiation_class = AnyFormat

    def get(self, request: Request, entity: str) -> Any:
        if entity not in ENTITIES:
            raise exceptions.NotFound()
        return export_download(ENTITIES[entity], request.user, request.query_params)
