from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from portal.org import sql


def _divisions_changed(request: HttpRequest) -> str:
    # Every insert, update and delete of a division appends an event: its latest id is a version.
    events = apps.get_model("org", "AdminDivisionEvent").objects
    return f"divisions-{events.order_by('-pgh_id').values_list('pgh_id', flat=True).first()}"


@method_decorator(cache_control(private=True, max_age=3600), name="dispatch")
@method_decorator(condition(etag_func=_divisions_changed), name="dispatch")
class BasemapView(LoginRequiredMixin, View):
    """Division boundaries as GeoJSON: the offline basemap under every map."""

    def get(self, request: HttpRequest) -> HttpResponse:
        body = sql.basemap_geojson(["city", "county"], tolerance_deg=0.002)
        return HttpResponse(body, content_type="application/geo+json")
