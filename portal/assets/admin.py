from typing import Any

from django.contrib import admin

from portal.assets.models import Asset, AssetCategory
from portal.assets.services import save_asset
from portal.core.admin import ReferenceAdmin, ScopedAdmin


@admin.register(AssetCategory)
class AssetCategoryAdmin(ReferenceAdmin):
    list_display = ["code", "name", "parent", "edition", "needs_check"]
    search_fields = ["code", "name"]
    list_filter = ["edition", "needs_check"]


@admin.register(Asset)
class AssetAdmin(ScopedAdmin):
    list_display = ["ledger_code", "name", "holder", "category", "status", "net_value", "synthetic"]
    list_filter = ["status", "condition", "confidentiality", "synthetic"]
    search_fields = ["ledger_code", "name", "model_spec", "holder__name", "holder__credit_code"]
    autocomplete_fields = ["category", "holder", "building"]
    list_select_related = ["holder", "category"]
    show_full_result_count = False  # a million rows: counting every page is the slow part

    def save_service(self, obj: Asset, *, by: Any) -> Asset:
        return save_asset(obj, by=by)
