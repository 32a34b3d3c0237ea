"""OGC API – Features endpoints under ``/ogc/``: thin views over the collection registry.

Each answers JSON whatever the ``Accept`` header asks (GDAL and QGIS send several types), reads
the collection through the same ``visible_to`` as every other channel, and answers errors as the
standard's exception object ``{"code": …, "description": …}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts.desktop import AUTHENTICATION_CLASSES, challenge
from portal.audits.services import (
    record_confidential_keys,
    record_confidential_view,
    sees_classified,
)
from portal.core import geojson
from portal.features import documents, items, openapi, params, schemas
from portal.features.collections import COLLECTIONS, Collection
from portal.features.exceptions import CollectionNotFoundError, OGCError


class AlwaysJSON(BaseContentNegotiation):
    """Every resource has one representation; ``f`` is checked by the view."""

    def select_parser(self, request: Any, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: list[Any], format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


_CODES = {
    400: "InvalidParameterValue",
    401: "NotAuthenticated",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    429: "TooManyRequests",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The standard's exception object for every refusal (OGC API – Features Part 1, 7.5.1)."""
    if isinstance(exc, OGCError):
        return Response({"code": exc.code, "description": exc.user_message}, status=exc.http_status)
    if isinstance(exc, exceptions.APIException):
        status = exc.status_code
        code = _CODES.get(status, "ServerError")
        # A 401 must say how to authenticate (RFC 9110): APIView puts the challenge on the
        # exception, and DRF's own handler, which this one replaces, copied it to the answer;
        # a paused sign-in (429) says when to try again.
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        body = {"code": code, "description": str(exc.detail)}
        return Response(body, status=status, headers=headers or None)
    return None


def json_response(document: Any, media: str, status: int = 200) -> HttpResponse:
    body = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    return HttpResponse(
        body, content_type=f"{media}; charset=utf-8" if ";" not in media else media, status=status
    )


class OGCView(APIView):
    # Described by its own OpenAPI document (/ogc/api), not by the REST API's schema.
    schema = None
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJSON
    query_parameters: tuple[str, ...] = params.RESOURCE

    def get_exception_handler(self) -> Any:
        return exception_handler

    def get_authenticate_header(self, request: Any) -> str:
        return challenge(request)

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.check_query(request)

    def check_query(self, request: Any) -> None:
        params.check_names(request.GET, self.query_parameters)
        params.check_format(request.GET)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        # What a response holds depends on who asks: never shared by a cache.
        patch_cache_control(response, private=True)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return response

    def collection(self, collection_id: str) -> Collection:
        found = COLLECTIONS.get(collection_id)
        if found is None:
            raise CollectionNotFoundError(
                _("No collection %(id)s; the collections are %(ids)s.")
                % {"id": collection_id[:40], "ids": ", ".join(COLLECTIONS)}
            )
        return found


class LandingView(OGCView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return json_response(documents.landing(request), documents.JSON)


class ConformanceView(OGCView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return json_response(documents.conformance(), documents.JSON)


class OpenAPIView(OGCView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return json_response(openapi.document(request), documents.OPENAPI)


class CollectionsView(OGCView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return json_response(documents.collections(request), documents.JSON)


class CollectionView(OGCView):
    def get(self, request: HttpRequest, collection_id: str) -> HttpResponse:
        return json_response(
            documents.collection(request, self.collection(collection_id)), documents.JSON
        )


class SchemaView(OGCView):
    def get(self, request: HttpRequest, collection_id: str) -> HttpResponse:
        item = self.collection(collection_id)
        return json_response(schemas.schema(request, item), documents.SCHEMA)


class ItemsView(OGCView):
    def check_query(self, request: Any) -> None:
        """Items take more parameters: read with the collection, in :meth:`get`."""

    def get(self, request: Any, collection_id: str) -> HttpResponse:
        item = self.collection(collection_id)
        query = params.read(request.GET, item)
        records = items.narrowed(item, request.user, query, request)
        features, rows, classified = items.page(item, records, query, request.user)
        returned = min(rows, query.limit)
        links = documents.page_links(request, item, query.limit, query.offset, rows > query.limit)
        body = geojson.feature_collection(
            features,
            timeStamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            numberReturned=returned,
            links=links,
        )
        # The security audit names the page's classified records (picked out by its statement).
        record_confidential_keys(request, item.model, classified, channel="ogc_items")
        response = json_response(body, documents.GEOJSON)
        response["Content-Crs"] = query.crs.header
        return response


class ItemView(OGCView):
    query_parameters = ("f", "crs")

    def get(self, request: Any, collection_id: str, feature_id: str) -> HttpResponse:
        item = self.collection(collection_id)
        out = params.read_crs(request.GET.get("crs", ""))
        feature, records = items.one(item, request.user, feature_id, out)
        if not item.reference and sees_classified(request.user):
            record_confidential_view(request, records.get(), channel="ogc")
        feature["links"] = documents.feature_links(request, item, str(feature["id"]))
        response = json_response(feature, documents.GEOJSON)
        response["Content-Crs"] = out.header
        return response
