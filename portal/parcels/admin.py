from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.core.admin import ScopedAdmin, ScopedInline
from portal.org.scoping import Reach, read_scope
from portal.parcels.models import (
    BuildingParcel,
    CaseComment,
    Certificate,
    ConflictRun,
    Finding,
    Parcel,
    Reconciliation,
    Right,
    SourceDocument,
    TitleCase,
)


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


class WritesNothing:
    """Admin permissions of records written only by their services (the workflow, uploads, the
    conflict run): the admin lists and shows them, and changes nothing."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyScopedAdmin(WritesNothing, ScopedAdmin):
    """Within the user's scope, with their history."""


class ReadOnlyInline(WritesNothing, ScopedInline):
    can_delete = False


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    list_display = ["number", "kind", "holder", "parcel", "building", "issue_date"]
    list_filter = ["kind", "synthetic"]
    search_fields = ["number", "real_estate_unit_code", "holder__name", "parcel__registry_no"]
    autocomplete_fields = ["holder", "parcel", "building"]
    list_select_related = ["holder", "parcel", "building"]


@admin.register(Right)
class RightAdmin(ScopedAdmin):
    list_display = ["kind", "holder", "parcel", "building", "share", "start_date", "end_date"]
    list_filter = ["kind", "synthetic"]
    search_fields = ["holder__name", "parcel__registry_no", "building__name"]
    autocomplete_fields = ["holder", "parcel", "building", "certificate"]
    list_select_related = ["holder", "parcel", "building"]


@admin.register(BuildingParcel)
class BuildingParcelAdmin(ReadOnlyScopedAdmin):
    """Derived from the geometry; confirmed or rejected on the case page (which keeps the
    case's parcel in step), so the admin only shows them."""

    list_display = ["building", "parcel", "share_on_parcel", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["building__name", "parcel__registry_no"]
    list_select_related = ["building", "parcel", "decided_by"]


class CommentInline(ReadOnlyInline):
    model = CaseComment
    fields = ["created_at", "author", "from_status", "to_status", "text"]
    readonly_fields = fields


class ReconciliationInline(ReadOnlyInline):
    model = Reconciliation
    fields = ["kind", "result", "note", "recorded_by", "recorded_at"]
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = SourceDocument
    fields = ["title", "kind", "document_date", "original_name", "size_bytes", "uploaded_by"]
    readonly_fields = fields


@admin.register(TitleCase)
class TitleCaseAdmin(ReadOnlyScopedAdmin):
    """Cases move only through the workflow on the case page, which checks roles and states."""

    list_display = ["building", "status", "parcel", "assigned_to", "due_date", "registered_to"]
    list_filter = ["status"]
    search_fields = ["building__name", "building__managing_unit__name", "parcel__registry_no"]
    list_select_related = ["building", "parcel", "assigned_to", "registered_to"]
    inlines = [CommentInline, ReconciliationInline, DocumentInline]


@admin.register(SourceDocument)
class SourceDocumentAdmin(ReadOnlyScopedAdmin):
    """Uploads are checked (size, type from the bytes) by the case page's service."""

    list_display = ["title", "kind", "case", "document_date", "content_type", "size_bytes"]
    list_filter = ["kind", "content_type"]
    search_fields = ["title", "original_name", "case__building__name", "sha256"]
    list_select_related = ["case__building"]
    exclude = ["file"]  # served only through the scoped download view


@admin.register(ConflictRun)
class ConflictRunAdmin(WritesNothing, admin.ModelAdmin):  # type: ignore[type-arg]
    """Runs span the whole registry: shown to those who read everything."""

    list_display = ["__str__", "finished_at", "started_by"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return read_scope(request.user).reach is Reach.ALL  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


@admin.register(Finding)
class FindingAdmin(ReadOnlyScopedAdmin):
    """Findings are resolved on the conflict register's page, which writes the decision."""

    list_display = ["kind", "key", "status", "unit", "division", "opened_at", "closed_run"]
    list_filter = ["kind", "status"]
    search_fields = ["key", "unit__name", "parcel__registry_no", "building__name"]
    list_select_related = ["unit", "division", "closed_run"]
