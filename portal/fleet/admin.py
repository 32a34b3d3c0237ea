from django.contrib import admin

from portal.core.admin import ScopedAdmin
from portal.fleet.models import Vehicle


@admin.register(Vehicle)
class VehicleAdmin(ScopedAdmin):
    list_display = ["plate", "vehicle_type", "seats", "energy", "holder", "status", "synthetic"]
    list_filter = ["vehicle_type", "energy", "status", "synthetic"]
    search_fields = ["plate", "holder__name"]
    autocomplete_fields = ["holder", "base_building", "base_depot"]
    list_select_related = ["holder"]
