from typing import Any

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from portal.assets.models import Asset
from portal.buildings.models import Building, Occupancy
from portal.core.detail import RegistryDetailView, Related
from portal.core.display import Column
from portal.depots.models import Depot
from portal.fleet.models import Vehicle
from portal.org import sql
from portal.org.models import AdminDivision, Unit
from portal.parcels.models import Parcel


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


def _owned(name: str, label: Any, model: Any, columns: tuple[Column, ...], **kw: Any) -> Related:
    return Related(name, label, model, "for_unit", columns, **kw)


def _counted(name: str, label: Any, model: Any) -> Related:
    return Related(name, label, model, "in_division", (), limit=0)


class UnitDetailView(RegistryDetailView):
    model = Unit
    select_related = ("division", "parent")
    geometry_paths = ("location",)
    fields = (
        "credit_code",
        "name",
        "short_name",
        "kind",
        "level",
        "division",
        "parent",
        "address",
        "staff_by_rank",
        "updated_at",
    )
    related = (
        _owned(
            "buildings",
            _("Buildings it manages"),
            Building,
            (Column("name"), Column("use_type"), Column("usable_area_m2")),
            map_paths=("footprint", "geom"),
        ),
        _owned(
            "occupancies",
            _("Buildings it occupies"),
            Occupancy,
            (Column("building"), Column("usable_area_m2"), Column("since")),
            select=("building",),
        ),
        _owned(
            "parcels",
            _("Parcels it holds"),
            Parcel,
            (Column("registry_no"), Column("title_status"), Column("area_m2")),
            map_paths=("geom",),
        ),
        _owned(
            "assets",
            _("Assets on its ledger"),
            Asset,
            (Column("ledger_code"), Column("name"), Column("status"), Column("net_value")),
        ),
        _owned("depots", _("Depots"), Depot, (Column("code"), Column("name"), Column("kind"))),
        _owned(
            "vehicles",
            _("Vehicles"),
            Vehicle,
            (Column("plate"), Column("vehicle_type"), Column("status")),
        ),
    )


class DivisionDetailView(RegistryDetailView):
    """Divisions are reference data every signed-in user reads; what they count is scoped."""

    model = AdminDivision
    slug_field = slug_url_kwarg = "code"
    select_related = ("parent",)
    fields = ("code", "name", "name_pinyin", "level", "parent", "valid_from", "valid_to")
    related = (
        Related(
            "children",
            _("Divisions below"),
            AdminDivision,
            "children_of",
            (Column("code"), Column("name"), Column("level")),
            limit=100,
        ),
        Related(
            "units",
            _("Units"),
            Unit,
            "in_division",
            (Column("name"), Column("credit_code"), Column("kind"), Column("division")),
            limit=50,
            select=("division",),
        ),
        _counted("buildings", _("Office buildings"), Building),
        _counted("parcels", _("Parcels"), Parcel),
        _counted("assets", _("Assets"), Asset),
        _counted("depots", _("Depots"), Depot),
        _counted("vehicles", _("Vehicles"), Vehicle),
    )

    def get_queryset(self) -> QuerySet[AdminDivision]:
        return AdminDivision.objects.current().select_related(*self.select_related)
