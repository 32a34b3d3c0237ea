from django.contrib import admin

from portal.buildings.models import Building, Floor, Occupancy, Room, SpaceStandard
from portal.core.admin import ReferenceAdmin, ScopedAdmin, ScopedInline


class OccupancyInline(ScopedInline):
    model = Occupancy
    autocomplete_fields = ["unit"]


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ["name", "managing_unit", "division", "use_type", "usable_area_m2", "synthetic"]
    list_filter = ["use_type", "confidentiality", "synthetic"]
    search_fields = ["name", "address", "managing_unit__name", "division__name"]
    autocomplete_fields = ["division", "managing_unit"]
    list_select_related = ["managing_unit", "division"]
    inlines = [OccupancyInline]


@admin.register(Floor)
class FloorAdmin(ScopedAdmin):
    list_display = ["building", "number", "gross_area_m2"]
    search_fields = ["building__name"]
    autocomplete_fields = ["building"]


@admin.register(Room)
class RoomAdmin(ScopedAdmin):
    list_display = ["floor", "number", "use_type", "usable_area_m2", "unit"]
    list_filter = ["use_type"]
    search_fields = ["number", "floor__building__name"]
    autocomplete_fields = ["floor", "unit"]


@admin.register(Occupancy)
class OccupancyAdmin(ScopedAdmin):
    list_display = ["unit", "building", "usable_area_m2", "since"]
    search_fields = ["unit__name", "building__name"]
    autocomplete_fields = ["unit", "building"]
    list_select_related = ["unit", "building"]


@admin.register(SpaceStandard)
class SpaceStandardAdmin(ReferenceAdmin):
    list_display = ["edition", "government_level", "post", "rank", "area_m2", "needs_check"]
    list_filter = ["edition", "government_level", "needs_check"]
