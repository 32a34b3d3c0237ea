"""The depots a user may see and one depot's page: capacity use, reserves by supply class (the
stock, and the dual-use public-warehouse items stocked there), the stock with its alerts and
the latest movements, with the ways to record new ones for those who may.

Reserves are usable stock (expired batches left out) plus the live physical warehouse listings
flagged with a reserve class ("serve in peacetime, respond in disasters"), counted per item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from portal.core.detail import RegistryDetailView, Related
from portal.core.display import Column
from portal.depots.forms.stock import DepotListFilterSet
from portal.depots.models import Depot, StockItem, StockMovement
from portal.depots.querysets import EXPIRY_WARNING_DAYS
from portal.org.scoping import edit_scope

RECENT_MOVEMENTS: Final = 10


@dataclass
class ReserveRow:
    """One supply class's reserves: stock quantities per unit of measure, and how many
    dual-use warehouse items count as that class."""

    code: str
    name: str
    stock: list[tuple[Decimal, str]] = field(default_factory=list)
    batches: int = 0
    dual_use_items: int = 0


def reserve_rows(depots: QuerySet[Depot], user: Any) -> list[ReserveRow]:
    """The reserves held in ``depots`` (already scoped to ``user``), by class in code order:
    two queries whatever the number of depots."""
    rows: dict[str, ReserveRow] = {}
    stock = StockItem.objects.filter(depot__in=depots.order_by().values("pk"))
    for total in stock.usable().by_class():
        row = rows.setdefault(
            total["category__code"], ReserveRow(total["category__code"], total["category__name"])
        )
        row.stock.append((total["quantity"], total["unit_of_measure"]))
        row.batches += total["batches"]
    listings = depots.dual_use_listings(user).order_by()
    classes = listings.values("reserve_category__code", "reserve_category__name")
    for total in classes.annotate(items=Count("pk")):
        code = total["reserve_category__code"]
        row = rows.setdefault(code, ReserveRow(code, total["reserve_category__name"]))
        row.dual_use_items += total["items"]
    return [rows[code] for code in sorted(rows)]


def may_record(depot: Depot, user: Any) -> bool:
    """Whether ``user`` may record stock movements of ``depot`` (the services' own rule;
    ``managing_unit__division`` selected)."""
    return edit_scope(user).allows(depot.managing_unit)


# -- the list ---------------------------------------------------------------------------------


class DepotListView(LoginRequiredMixin, ListView):  # type: ignore[type-arg]
    """``/depots/``: the depots the user may see, filtered by kind, division and text, each with
    its capacity use and alert counts; the reserves held in all of them by class."""

    template_name = "depots/depot_list.html"
    context_object_name = "depots"
    paginate_by = 50

    def get_queryset(self) -> Any:
        base = Depot.objects.visible_to(self.request.user)
        self.filterset = DepotListFilterSet(self.request.GET, queryset=base)
        self.filtered = self.filterset.qs if self.filterset.is_valid() else base.none()
        listed = self.filtered.select_related("managing_unit", "division")
        return listed.with_capacity_use().with_alert_counts().order_by("code")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=self.filterset,
            query=query.urlencode(),
            reserves=reserve_rows(self.filtered, self.request.user),
            expiry_warning_days=EXPIRY_WARNING_DAYS,
            **kwargs,
        )


# -- one depot --------------------------------------------------------------------------------


class DepotDetailView(RegistryDetailView):
    model = Depot
    extra_context = {"expiry_warning_days": EXPIRY_WARNING_DAYS}
    select_related = ("managing_unit__division", "division")
    fields = (
        "code",
        "name",
        "kind",
        "managing_unit",
        "division",
        "address",
        "capacity_m3",
        "updated_at",
    )
    related = (
        Related(
            "stock",
            _("Stock"),
            StockItem,
            "in_depot",
            (
                Column("category"),
                Column("name"),
                Column("batch_no"),
                Column("quantity"),
                Column("unit_of_measure"),
                Column("minimum_level"),
                Column("expires_on"),
                Column("unit_volume_m3"),
                Column("expired", _("expired"), flag=True),
                Column("expiring", _("expires soon"), flag=True),
                Column("below_minimum", _("below minimum level"), flag=True),
            ),
            limit=200,
            select=("category",),
        ),
    )

    def get_queryset(self) -> Any:
        return super().get_queryset().with_capacity_use().with_alert_counts()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        depot, user = self.object, self.request.user
        movements = StockMovement.objects.visible_to(user).filter(depot=depot)
        recent = movements.select_related("stock_item", "by").order_by("-at", "-pk")
        return super().get_context_data(
            reserves=reserve_rows(Depot.objects.filter(pk=depot.pk), user),
            movements=recent[:RECENT_MOVEMENTS],
            may_record=may_record(depot, user),
            **kwargs,
        )


urlpatterns = [
    path("depots/", DepotListView.as_view(), name="depot_list"),
    path("depots/<int:pk>/", DepotDetailView.as_view(), name="depot_detail"),
]
