"""Reports in the admin, read-only: a report changes only through its services (snapshot and
review), which check the rules and write the history steps.

The snapshot's lines and changes are not shown here: they name buildings, some classified, and
only the report's page withholds those from a reader without clearance. For the same reason the
history of a report (the raw snapshots) is open only to readers cleared for every level."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.core.admin import ScopedAdmin
from portal.core.choices import Confidentiality
from portal.ledgers.models import LedgerStep, SpaceReport
from portal.org.scoping import cleared_levels

# Shown on the report's page, where classified buildings are withheld, never here.
HIDDEN_FIELDS = frozenset({"rows", "changes"})


class StepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LedgerStep
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "by", "comment")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SpaceReport)
class SpaceReportAdmin(ScopedAdmin):
    list_display = ("year", "kind", "unit", "division", "status", "as_of")
    list_filter = ("year", "kind", "status")
    search_fields = ("unit__name", "unit__credit_code")
    inlines = [StepInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.get_readonly_fields(request, obj)]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        names = [f.name for f in SpaceReport._meta.fields if f.name not in HIDDEN_FIELDS]
        return [*names, "page"]

    @admin.display(description=_("report page"))
    def page(self, obj: SpaceReport) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("ledgers:report_detail", args=[obj.pk]), obj
        )

    def get_history_object(self, request: HttpRequest, object_id: str) -> models.Model:
        if set(cleared_levels(request.user)) != set(Confidentiality.values):  # type: ignore[arg-type]
            raise PermissionDenied
        return super().get_history_object(request, object_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
