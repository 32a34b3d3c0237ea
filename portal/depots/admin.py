from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.core.admin import ReferenceAdmin, ScopedAdmin, ScopedInline
from portal.depots.models import Depot, StockItem, StockMovement, SupplyCategory
from portal.org.scoping import Reach, read_scope


@admin.register(SupplyCategory)
class SupplyCategoryAdmin(ReferenceAdmin):
    list_display = ["code", "name", "parent", "needs_check"]
    search_fields = ["code", "name"]


# A batch comes in by a receipt on the depot's page and its quantity changes only by the
# movements recorded there, so that the log rebuilds it: the admin describes batches, and never
# adds one, recounts it or moves it to another depot.
STOCK_LOGGED_FIELDS = ["depot", "quantity"]


class StockInline(ScopedInline):
    model = StockItem
    autocomplete_fields = ["category"]
    readonly_fields = STOCK_LOGGED_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # ScopedInline's edit right is its add right, refused above: ask it for the depot's.
        return super().has_add_permission(request, obj)


@admin.register(Depot)
class DepotAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "managing_unit", "division", "capacity_m3", "synthetic"]
    list_filter = ["kind", "synthetic"]
    search_fields = ["code", "name", "address", "managing_unit__name"]
    autocomplete_fields = ["managing_unit", "division"]
    list_select_related = ["managing_unit", "division"]
    inlines = [StockInline]


@admin.register(StockItem)
class StockItemAdmin(ScopedAdmin):
    list_display = ["name", "depot", "category", "quantity", "minimum_level", "expires_on"]
    list_filter = ["dual_use"]
    search_fields = ["name", "batch_no", "depot__name"]
    autocomplete_fields = ["category"]
    readonly_fields = STOCK_LOGGED_FIELDS
    list_select_related = ["depot", "category"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # ScopedAdmin's "may edit some batch" is its add right, refused above: ask it instead.
        if obj is None:
            return super().has_add_permission(request)
        return super().has_change_permission(request, obj)


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The append-only stock log, read within the user's scope: movements are recorded by the
    stock pages and services, never added, changed or deleted here."""

    list_display = [
        "occurred_on",
        "depot",
        "stock_item",
        "kind",
        "change",
        "balance",
        "document_no",
        "by",
        "at",
    ]
    list_filter = ["kind", "occurred_on"]
    search_fields = ["document_no", "counterparty", "depot__code", "depot__name"]
    list_select_related = ["depot", "stock_item", "by"]
    date_hierarchy = "occurred_on"
    exclude = ["document"]  # served only through the scoped download on the stock pages

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).visible_to(request.user)  # type: ignore[attr-defined,no-any-return]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return read_scope(request.user).reach is not Reach.NONE  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
