"""Admin of the costs app. Energy factors are reference data the administration edits here.
Figures, rounds and returns are read-only in the admin: they change only through the return's
pages and services, which enforce the round's state, who fills at which level, the
monthly/yearly rule and the records taken from the fleet — rules the admin form would skip."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.core.admin import ReferenceAdmin, ScopedAdmin
from portal.costs.models import (
    CostBasis,
    CostBudget,
    CostCampaign,
    CostRecord,
    CostReturn,
    EnergyFactor,
    ReturnStep,
)


@admin.register(EnergyFactor)
class EnergyFactorAdmin(ReferenceAdmin):
    list_display = ["category", "unit", "kgce_per_unit", "needs_check", "source"]
    list_filter = ["needs_check"]


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Lists and shows what the user's scope allows; writes go through the services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CostRecord)
class CostRecordAdmin(ReadOnlyScopedAdmin):
    list_display = ["unit", "building", "year", "month", "category", "amount_yuan", "quantity"]
    list_filter = ["year", "category", "source", "synthetic"]
    search_fields = ["unit__name", "unit__credit_code", "building__name"]
    list_select_related = ["unit", "building"]


@admin.register(CostBudget)
class CostBudgetAdmin(ReadOnlyScopedAdmin):
    list_display = ["unit", "year", "category", "amount_yuan"]
    list_filter = ["year", "category", "synthetic"]
    search_fields = ["unit__name", "unit__credit_code"]
    list_select_related = ["unit"]


@admin.register(CostBasis)
class CostBasisAdmin(ReadOnlyScopedAdmin):
    list_display = ["unit", "year", "usable_area_m2", "staff", "vehicles"]
    list_filter = ["year", "synthetic"]
    search_fields = ["unit__name", "unit__credit_code"]
    list_select_related = ["unit"]


@admin.register(CostCampaign)
class CostCampaignAdmin(ReadOnlyScopedAdmin):
    list_display = ["year", "title", "status", "fill_deadline", "review_deadline"]
    list_filter = ["status"]


class ReturnStepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ReturnStep
    extra = 0
    fields = ["at", "action", "from_status", "to_status", "by", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CostReturn)
class CostReturnAdmin(ReadOnlyScopedAdmin):
    list_display = ["campaign", "division", "status", "submitted_at", "cross_checked_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["division__name", "division__code"]
    list_select_related = ["campaign", "division"]
    inlines = [ReturnStepInline]
