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
from portal.fleet.querysets import POOL_MANAGER_ROLES
from portal.org.choices import Role
from portal.org.models import Unit, User


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


def _province_administrator(user: Any) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role == Role.PROVINCE_ADMIN))


@admin.register(VehiclePool)
class VehiclePoolAdmin(ScopedAdmin):
    """Pools are seen in the operating unit's scope and set up by the province administrators
    only: members settle with each other and managers dispatch every member's vehicles, so a
    unit officer must not be able to enrol other units or make himself a manager."""

    list_display = ["name", "operator", "active"]
    list_filter = ["active"]
    search_fields = ["name", "operator__name"]
    autocomplete_fields = ["operator", "members"]
    filter_horizontal = ["managers"]
    list_select_related = ["operator"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _province_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not _province_administrator(request.user):
            return False
        return obj is None or self._editable(request, obj)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # The choices follow the editor's edit scope even for those allowed to edit pools.
        units = Unit.objects.editable_by(request.user)
        if db_field.name == "members":
            kwargs["queryset"] = units
        elif db_field.name == "managers":
            kwargs["queryset"] = User.objects.filter(
                is_active=True, unit__in=units, role__in=POOL_MANAGER_ROLES
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ProvinceSettingAdmin(ReferenceAdmin):
    """Settings of the pooled dispatch every staff user reads and only the province
    administrators change: they decide what units pay each other and who signs. The system
    administrator, who edits code tables, has no say in them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _province_administrator(request.user)


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
