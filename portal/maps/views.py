"""The map page and its search: thin views over the layer registry, basemaps and search module."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, JsonResponse
from django.views import View
from django.views.generic import TemplateView

from portal.maps import config, search
from portal.maps.strings import JS_STRINGS


class MapView(LoginRequiredMixin, TemplateView):
    """The full-screen map; its data goes to the JavaScript through ``json_script``."""

    template_name = "maps/map.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        map_config = config.map_config()
        return super().get_context_data(
            map_config=map_config,
            map_strings=JS_STRINGS,
            layer_groups=config.layer_groups(map_config["layers"]),
            filter_groups=config.filter_groups(map_config["layers"]),
            division_options=config.division_options(),
            **kwargs,
        )


class SearchView(LoginRequiredMixin, View):
    """``/search.json?q=``: the best matches across layers the user may read, for fly-to."""

    raise_exception = True  # a script asks: answer 403, not a redirect to the login page

    def get(self, request: HttpRequest) -> JsonResponse:
        results = search.search(request.GET.get("q", ""), request.user)
        return JsonResponse({"results": results})
