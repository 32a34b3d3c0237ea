from django.contrib import admin

from portal.core.admin import ScopedAdmin
from portal.parcels.models import Parcel


@admin.register(Parcel)
class ParcelAdmin(ScopedAdmin):
    list_display = [
        "registry_no",
        "holder",
        "division",
        "title_status",
        "certificate_no",
        "certificate_area_m2",
        "area_m2",
        "synthetic",
    ]
    list_filter = ["title_status", "right_type", "land_use", "synthetic"]
    search_fields = [
        "registry_no",
        "real_estate_unit_code",
        "certificate_no",
        "holder__name",
        "holder__credit_code",
    ]
    autocomplete_fields = ["holder", "division"]
    list_select_related = ["holder", "division"]
    readonly_fields = ["area_m2"]
