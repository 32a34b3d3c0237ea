from django.contrib import admin

from portal.core.admin import ReferenceAdmin, ScopedAdmin, ScopedInline
from portal.depots.models import Depot, StockItem, SupplyCategory


@admin.register(SupplyCategory)
class SupplyCategoryAdmin(ReferenceAdmin):
    list_display = ["code", "name", "parent", "needs_check"]
    search_fields = ["code", "name"]


class StockInline(ScopedInline):
    model = StockItem
    autocomplete_fields = ["category"]


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
    autocomplete_fields = ["depot", "category"]
    list_select_related = ["depot", "category"]
