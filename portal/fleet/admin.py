from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.core.admin import ReferenceAdmin, ScopedAdmin
from portal.fleet.models import (
    Booking,
    BookingApproval,
    BookingChange,
    Driver,
    Tariff,
    TripApprovalRule,
    Vehicle,
    VehiclePool,
)
from portal.org.choices import Role


@admin.register(Vehicle)
class VehicleAdmin(ScopedAdmin):
    list_display = ["plate", "vehicle_type", "seats", "energy", "holder", "status", "synthetic"]
    list_filter = ["vehicle_type", "energy", "status", "synthetic"]
    search_fields = ["plate", "holder__name"]
    autocomplete_fields = ["holder", "base_building", "base_depot"]
    list_select_related = ["holder"]


@admin.register(Driver)
class DriverAdmin(ScopedAdmin):
    list_display = ["name", "unit", "licence_class", "phone", "active", "synthetic"]
    list_filter = ["licence_class", "active", "synthetic"]
    search_fields = ["name", "phone", "unit__name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


@admin.register(VehiclePool)
class VehiclePoolAdmin(ScopedAdmin):
    """A pool is edited by whoever edits its operating unit (the offices administration)."""

    list_display = ["name", "operator", "active"]
    list_filter = ["active"]
    search_fields = ["name", "operator__name"]
    autocomplete_fields = ["operator", "members"]
    filter_horizontal = ["managers"]
    list_select_related = ["operator"]


class ProvinceSettingAdmin(ReferenceAdmin):
    """Settings of the pooled dispatch every staff user reads and only the province
    administrators change: they decide what units pay each other and who signs. The system
    administrator, who edits code tables, has no say in them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role == Role.PROVINCE_ADMIN)


@admin.register(Tariff)
class TariffAdmin(ProvinceSettingAdmin):
    """Tariffs: the pool's settlement table, by vehicle type, region class and period."""

    list_display = [
        "pool",
        "vehicle_type",
        "region_class",
        "per_km",
        "per_hour",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["pool", "vehicle_type", "region_class"]
    list_select_related = ["pool"]


@admin.register(TripApprovalRule)
class TripApprovalRuleAdmin(ProvinceSettingAdmin):
    """Who signs a booking, by unit and trip type; the most specific active rule applies."""

    list_display = ["__str__", "steps", "active"]
    list_filter = ["active", "trip_type"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ApprovalInline(ReadOnlyInline):
    model = BookingApproval
    fields = ["step", "decision", "by", "at", "comment", "superseded"]
    readonly_fields = fields


class ChangeInline(ReadOnlyInline):
    model = BookingChange
    fields = ["action", "by", "at", "changes", "note"]
    readonly_fields = fields


@admin.register(Booking)
class BookingAdmin(ScopedAdmin):
    """Bookings are read here: they are submitted, signed, amended and cancelled on the booking
    pages or through the API, whose services keep the chain and the history."""

    list_display = ["pk", "unit", "origin_label", "destination_label", "starts_at", "status"]
    list_filter = ["status", "region_class", "trip_type", "crosses_border"]
    search_fields = ["purpose", "origin_label", "destination_label", "unit__name"]
    list_select_related = ["unit"]
    date_hierarchy = "starts_at"
    inlines = [ApprovalInline, ChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
