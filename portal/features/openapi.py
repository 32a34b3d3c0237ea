"""The OpenAPI 3.0 definition of the OGC API (the landing page's ``service-desc``).

Built from the collection registry, one items path per collection, so each lists its own
attribute filters: GDAL reads them to send a ``-where`` on such a property to the server.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.features import crs, documents, params
from portal.features.collections import COLLECTIONS, Collection

_GEOJSON = {"application/geo+json": {"schema": {"type": "object"}}}
_ERROR = {
    "description": "Exception",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}},
}
_ERRORS = {"400": _ERROR, "401": _ERROR, "404": _ERROR}


def _parameter(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


def _standard_parameters() -> dict[str, dict[str, Any]]:
    uris = {"type": "string", "format": "uri", "enum": crs.uris()}
    return {
        "f": _parameter(
            "f",
            _("The format: json (GeoJSON for features)."),
            {"type": "string", "enum": list(params.FORMATS)},
        ),
        "limit": _parameter(
            "limit",
            _("Features per page; more than the maximum is cut to it."),
            {
                "type": "integer",
                "minimum": 1,
                "maximum": params.MAX_LIMIT,
                "default": params.DEFAULT_LIMIT,
            },
            style="form",
            explode=False,
        ),
        "offset": _parameter(
            "offset",
            _("Features to skip (the next link sets it)."),
            {"type": "integer", "minimum": 0, "default": 0},
        ),
        "bbox": _parameter(
            "bbox",
            _(
                "Features meeting the box: 4 numbers (or 6 with heights) in the axis order "
                "of bbox-crs."
            ),
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            style="form",
            explode=False,
        ),
        "bbox-crs": _parameter("bbox-crs", _("The CRS of bbox (default CRS84)."), uris),
        "datetime": _parameter(
            "datetime",
            _(
                "An RFC 3339 instant or interval (start/end, .. for an open end) on the "
                "collection's temporal property."
            ),
            {"type": "string"},
        ),
        "crs": _parameter("crs", _("The CRS of the features (default CRS84)."), uris),
    }


def _filter_parameter(name: str, item: Any) -> dict[str, Any]:
    field = item.field
    schema: dict[str, Any] = {"type": "string"}
    choices = getattr(field, "choices", None)
    if choices:
        schema["enum"] = [str(value) for value, _label in choices if value != ""]
    return _parameter(name, str(item.label or name), schema)


def _advertised(collection: Collection) -> dict[str, Any]:
    """The attribute filters the document lists. GDAL sends a ``-where`` equality on a property
    as the listed parameter of the same name, so a filter named like a property but meaning
    something else (``division``: the owning unit's division and below; ``category``: a code
    prefix) is still accepted but not listed: GDAL then filters those rows itself."""
    properties = collection.property_fields
    return {
        name: item
        for name, item in collection.filters().items()
        if name not in properties or _equality_on(item, name)
    }


def _equality_on(item: Any, name: str) -> bool:
    choice = isinstance(item, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter)
    return choice and item.field_name == name and item.lookup_expr == "exact"


def _items_path(collection: Collection) -> dict[str, Any]:
    refs = [{"$ref": f"#/components/parameters/{name}"} for name in params.STANDARD]
    filters = [_filter_parameter(name, item) for name, item in _advertised(collection).items()]
    return {
        "get": {
            "operationId": f"getItems_{collection.id}",
            "summary": str(collection.title),
            "description": str(collection.description),
            "tags": [collection.id],
            "parameters": [*refs, *filters],
            "responses": {"200": {"description": "Features", "content": _GEOJSON}, **_ERRORS},
        }
    }


def _item_path(collection: Collection) -> dict[str, Any]:
    key = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "get": {
            "operationId": f"getItem_{collection.id}",
            "tags": [collection.id],
            "parameters": [
                key,
                {"$ref": "#/components/parameters/crs"},
                {"$ref": "#/components/parameters/f"},
            ],
            "responses": {"200": {"description": "A feature", "content": _GEOJSON}, **_ERRORS},
        }
    }


def _resource(operation: str, summary: str, media: str = documents.JSON) -> dict[str, Any]:
    content = {media: {"schema": {"type": "object"}}}
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "parameters": [{"$ref": "#/components/parameters/f"}],
            "responses": {"200": {"description": summary, "content": content}, **_ERRORS},
        }
    }


def _paths() -> dict[str, Any]:
    paths = {
        "/": _resource("getLandingPage", _("Landing page")),
        "/conformance": _resource("getConformance", _("Conformance classes")),
        "/api": _resource("getOpenAPI", _("This API definition"), documents.OPENAPI),
        "/collections": _resource("getCollections", _("The feature collections")),
    }
    for collection in COLLECTIONS.values():
        base = f"/collections/{collection.id}"
        paths[base] = _resource(f"describeCollection_{collection.id}", str(collection.title))
        paths[f"{base}/schema"] = _resource(
            f"getSchema_{collection.id}", _("The features' schema"), documents.SCHEMA
        )
        paths[f"{base}/items"] = _items_path(collection)
        paths[f"{base}/items/{{featureId}}"] = _item_path(collection)
    return paths


def document(request: HttpRequest) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": _("Tianfu Atlas: registry features"),
            "version": "1.0",
            "description": _(
                "OGC API – Features (Part 1 Core, Part 2 CRS by reference) over the registry."
            ),
        },
        "servers": [{"url": request.build_absolute_uri(reverse("features:landing")).rstrip("/")}],
        "security": [{"token": []}, {"basic": []}],
        "paths": _paths(),
        "components": {
            "parameters": _standard_parameters(),
            "schemas": {
                "exception": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
                }
            },
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Token <key>",
                },
                "basic": {"type": "http", "scheme": "basic", "description": _("HTTPS only")},
            },
        },
    }
