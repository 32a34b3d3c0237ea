from typing import Any

from django import forms
from django.contrib import admin

from portal.assets.exceptions import AssetEngagedError
from portal.assets.models import Asset, AssetCategory
from portal.assets.services import save_asset
from portal.assets.services.ledger import check_engaged_change
from portal.core.admin import ReferenceAdmin, ScopedAdmin


@admin.register(AssetCategory)
class AssetCategoryAdmin(ReferenceAdmin):
    list_display = ["code", "name", "parent", "edition", "needs_check"]
    search_fields = ["code", "name"]
    list_filter = ["edition", "needs_check"]


class AssetAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """Shows on the form what :func:`save_asset` would refuse: a change of a fact the
    warehouse or a transfer holds (the service still decides when saving). The admin gives
    it its model and fields."""

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.instance.pk is None or self.errors:
            return
        try:
            check_engaged_change(self.instance)
        except AssetEngagedError as exc:
            self.add_error(None, exc.user_message)


@admin.register(Asset)
class AssetAdmin(ScopedAdmin):
    form = AssetAdminForm
    list_display = ["ledger_code", "name", "holder", "category", "status", "net_value", "synthetic"]
    list_filter = ["status", "condition", "confidentiality", "synthetic"]
    search_fields = ["ledger_code", "name", "model_spec", "holder__name", "holder__credit_code"]
    autocomplete_fields = ["category", "holder", "building"]
    list_select_related = ["holder", "category"]
    show_full_result_count = False  # a million rows: counting every page is the slow part

    def save_service(self, obj: Asset, *, by: Any) -> Asset:
        return save_asset(obj, by=by)
