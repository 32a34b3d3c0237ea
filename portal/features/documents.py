"""The JSON documents of OGC API – Features: landing page, conformance, collections, and the
links that tie them together (absolute, so a desktop client can follow them as given)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.utils.urls import remove_query_param, replace_query_param

from portal.features import crs, items
from portal.features.collections import COLLECTIONS, Collection

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
TILEJSON = "application/vnd.mapbox.tile+json"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]


def link(
    request: HttpRequest, view: str, rel: str, media: str, title: str, **kwargs: Any
) -> dict[str, str]:
    href = request.build_absolute_uri(reverse(f"features:{view}", kwargs=kwargs or None))
    return {"href": href, "rel": rel, "type": media, "title": title}


def landing(request: HttpRequest) -> dict[str, Any]:
    return {
        "title": _("Tianfu Atlas: registry features"),
        "description": _(
            "The office buildings, parcels, state assets, depots and units of the registry as "
            "OGC API – Features, each user seeing what the portal shows them."
        ),
        "links": [
            link(request, "landing", "self", JSON, _("This document")),
            link(
                request, "openapi", "service-desc", OPENAPI, _("The API definition (OpenAPI 3.0)")
            ),
            link(request, "conformance", "conformance", JSON, _("Conformance classes")),
            link(request, "collections", "data", JSON, _("The feature collections")),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def collection(request: HttpRequest, item: Collection) -> dict[str, Any]:
    """A collection's description, with the extent of what the request's user may read."""
    links = [
        link(request, "collection", "self", JSON, _("This collection"), collection_id=item.id),
        link(
            request, "items", "items", GEOJSON, _("The features (GeoJSON)"), collection_id=item.id
        ),
        link(
            request,
            "schema",
            "describedby",
            SCHEMA,
            _("The features' schema"),
            collection_id=item.id,
        ),
    ]
    if item.tile_layer:
        href = request.build_absolute_uri(reverse("maps:layer_tilejson", args=[item.tile_layer]))
        links.append(
            {
                "href": href,
                "rel": "tiles",
                "type": TILEJSON,
                "title": _("Vector tiles (TileJSON 3.0)"),
            }
        )
    return {
        "id": item.id,
        "title": str(item.title),
        "description": str(item.description),
        "itemType": "feature",
        "extent": items.extent(item, request.user),
        "crs": crs.uris(),
        "storageCrs": crs.STORAGE.uri,
        "links": links,
    }


def collections(request: HttpRequest) -> dict[str, Any]:
    return {
        "links": [link(request, "collections", "self", JSON, _("The feature collections"))],
        "collections": [collection(request, item) for item in COLLECTIONS.values()],
    }


def page_links(
    request: HttpRequest, item: Collection, limit: int, offset: int, more: bool
) -> list[dict[str, str]]:
    """``self``, ``next`` and ``prev`` of an items page (keeping every other parameter) and the
    collection."""
    here = remove_query_param(request.build_absolute_uri(), "f")
    links = [{"href": here, "rel": "self", "type": GEOJSON, "title": _("This page")}]
    if more:
        href = replace_query_param(
            replace_query_param(here, "limit", limit), "offset", offset + limit
        )
        links.append({"href": href, "rel": "next", "type": GEOJSON, "title": _("Next page")})
    if offset:
        earlier = replace_query_param(here, "offset", max(offset - limit, 0))
        links.append(
            {
                "href": replace_query_param(earlier, "limit", limit),
                "rel": "prev",
                "type": GEOJSON,
                "title": _("Previous page"),
            }
        )
    links.append(
        link(request, "collection", "collection", JSON, _("The collection"), collection_id=item.id)
    )
    return links


def feature_links(request: HttpRequest, item: Collection, feature_id: str) -> list[dict[str, str]]:
    return [
        link(
            request,
            "item",
            "self",
            GEOJSON,
            _("This feature"),
            collection_id=item.id,
            feature_id=feature_id,
        ),
        link(request, "collection", "collection", JSON, _("The collection"), collection_id=item.id),
    ]
