"""Pages of API lists: ``limit``/``offset`` validated strictly, no total count.

Kept apart from :mod:`portal.core.api` because DRF imports the default pagination class while
its own viewsets module loads.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from portal.core import geojson


def _window_value(request: Any, name: str, default: int, maximum: int | None) -> int:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or (name == "limit" and int(raw) == 0):
        lowest = 1 if name == "limit" else 0
        raise exceptions.ValidationError(
            {
                name: [
                    _("%(name)s must be a whole number from %(low)d")
                    % {"name": name, "low": lowest}
                ]
            }
        )
    if maximum is not None and int(raw) > maximum:
        raise exceptions.ValidationError(
            {
                name: [
                    _("%(name)s: at most %(max)d records per page; use offset to page on")
                    % {"name": name, "max": maximum}
                ]
            }
        )
    return int(raw)


class RegistryPagination(LimitOffsetPagination):
    """``limit`` (default 100, at most 1000: more is a 400, never silently cut) and ``offset``.

    Pages carry ``next`` and ``previous`` links but no total: the page fetches one row more than
    it returns to know whether a next page exists, instead of counting every match.
    """

    default_limit = 100
    max_limit = 1000

    def read_window(self, request: Any) -> tuple[int, int]:
        self.request = request
        self.limit = _window_value(request, "limit", self.default_limit, self.max_limit)
        self.offset = _window_value(request, "offset", 0, None)
        return self.limit, self.offset

    def set_rows(self, rows: int) -> int:
        """Record how many rows the page query returned (up to limit + 1); the page's size."""
        self.has_more = rows > self.limit
        return min(rows, self.limit)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        limit, offset = self.read_window(request)
        rows = list(queryset[offset : offset + limit + 1])
        return rows[: self.set_rows(len(rows))]

    def get_next_link(self) -> str | None:
        if not self.has_more:
            return None
        url = replace_query_param(self.request.build_absolute_uri(), "limit", self.limit)
        return replace_query_param(url, "offset", self.offset + self.limit)

    def get_paginated_response(self, data: Any) -> Response:
        links = {"next": self.get_next_link(), "previous": self.get_previous_link()}
        return Response({**links, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {**_LINK_SCHEMA, "results": schema},
        }


_LINK_SCHEMA = {
    "next": {"type": "string", "nullable": True, "format": "uri"},
    "previous": {"type": "string", "nullable": True, "format": "uri"},
}


class GeoJSONPagination(RegistryPagination):
    """The same window for FeatureCollections, with ``numberReturned`` and the links as foreign
    members beside ``features``."""

    def envelope(self, features_json: str, returned: int) -> str:
        links = {"next": self.get_next_link(), "previous": self.get_previous_link()}
        return geojson.feature_collection(features_json, numberReturned=returned, **links)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        members = {"numberReturned": {"type": "integer"}, **_LINK_SCHEMA}
        return {"allOf": [schema, {"type": "object", "properties": members}]}
