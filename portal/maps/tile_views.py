"""Vector tile endpoints: ``/tiles/<layer>/<z>/<x>/<y>.pbf`` and TileJSON ``/tiles/<layer>.json``.

Both need a signed-in session (or a desktop client's token or Basic credentials) and answer
errors as JSON ``{"detail": ...}`` (plus ``errors`` per filter parameter), never as an HTML
page a tile client would try to decode. Content depends on the user's scope and clearance, so
caches may only keep it privately.
"""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views import View
from rest_framework.exceptions import APIException

from gis.crs import SICHUAN_CHONGQING_BBOX
from portal.accounts.desktop import authenticate_desktop, challenge
from portal.core.exceptions import PortalError
from portal.maps.tiles import MAX_ZOOM, FilterError, Tile, TileSource, render, tile_source

MVT = "application/vnd.mapbox-vector-tile"
MAX_AGE_S = 60
# Chengdu, at a zoom that shows most of Sichuan and Chongqing.
CENTER = (104.07, 30.66, 7)


def _error(exc: PortalError) -> JsonResponse:
    body: dict[str, Any] = {"detail": exc.user_message}
    if isinstance(exc, FilterError):
        body["errors"] = exc.errors
    return JsonResponse(body, status=exc.http_status)


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, max_age=MAX_AGE_S)
    return response


def _refusal(request: HttpRequest, exc: APIException) -> JsonResponse:
    """A refused token or Basic credential, answered as DRF answers it on the API."""
    response = JsonResponse({"detail": str(exc.detail)}, status=exc.status_code)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = challenge(request)
    wait = getattr(exc, "wait", None)
    if wait:
        response["Retry-After"] = str(wait)
    return response


class TileAccessMixin(LoginRequiredMixin):
    """A signed-in session, or a desktop client's token or HTTP Basic credentials (the links
    from OGC API – Features collections lead QGIS here)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            try:
                user = authenticate_desktop(request)
            except APIException as exc:
                return _refusal(request, exc)
            if user is not None:
                request.user = user
        return super().dispatch(request, *args, **kwargs)  # type: ignore[no-any-return]

    def handle_no_permission(self) -> JsonResponse:
        # A tile client cannot follow a redirect to the login page; it gets a plain refusal.
        return JsonResponse({"detail": _("Sign in to see map tiles.")}, status=403)


class TileView(TileAccessMixin, View):
    """One Mapbox Vector Tile of a layer, filtered by the query string like the layer's lists."""

    def get(self, request: HttpRequest, layer: str, z: str, x: str, y: str) -> HttpResponse:
        try:
            etag, body = render(tile_source(layer), Tile.parse(z, x, y), request)
        except PortalError as exc:
            return _error(exc)
        response = HttpResponseNotModified() if body is None else HttpResponse(body, MVT)
        response["ETag"] = f'"{etag}"'
        return _private(response)


def tiles_url(request: HttpRequest, source: TileSource) -> str:
    """The layer's absolute tile URL template, carrying the request's query string."""
    sample = reverse("maps:layer_tile", args=[source.name, 0, 0, 0])
    # Built by hand: build_absolute_uri would percent-encode the template's braces.
    url = request.build_absolute_uri(sample.removesuffix("0/0/0.pbf")) + "{z}/{x}/{y}.pbf"
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


def tilejson(request: HttpRequest, source: TileSource) -> dict[str, Any]:
    """TileJSON 3.0.0 for ``source`` (checks the query string as a tile request would)."""
    source.check(request)
    document = {
        "tilejson": "3.0.0",
        "name": source.label,
        "scheme": "xyz",
        "tiles": [tiles_url(request, source)],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": list(SICHUAN_CHONGQING_BBOX),
        "center": list(CENTER),
        "vector_layers": source.vector_layers(),
    }
    if source.aggregate_below_zoom is not None:
        document["aggregate_below_zoom"] = source.aggregate_below_zoom
    return document


class TileJSONView(TileAccessMixin, View):
    """TileJSON describing a layer's tiles: URL template, zooms, bounds and feature fields."""

    def get(self, request: HttpRequest, layer: str) -> HttpResponse:
        try:
            document = tilejson(request, tile_source(layer))
        except PortalError as exc:
            return _error(exc)
        return _private(JsonResponse(document, json_dumps_params={"ensure_ascii": False}))
