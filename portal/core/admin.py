"""Admin bases: every registry admin reads and writes through the one scoping helper."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from leaflet.admin import LeafletGeoAdminMixin

from portal.audits.services import record_confidential_view
from portal.core.forms import GeometryRepairFormMixin, InlineVersionFormMixin, VersionFormMixin
from portal.core.geometry import polygon_fields
from portal.core.history_admin import HistoryAdminMixin
from portal.core.models import RegistryModel
from portal.core.services import OutOfScopeError, expect_version, save_record
from portal.org.choices import Role
from portal.org.scoping import Reach, edit_scope, read_scope

REFERENCE_EDITORS = {Role.PROVINCE_ADMIN, Role.SYSTEM_ADMIN}


class MapWidgetMixin(LeafletGeoAdminMixin):
    """Leaflet widgets over our offline basemap (division boundaries), never a public tile host.

    Models with polygons get an explicit "repair invalid geometry" choice on their form.
    """

    class Media:
        js = ("core/js/admin-basemap.js",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        names = tuple(polygon_fields(self.model))  # type: ignore[attr-defined]
        if names:
            kwargs["form"] = type(
                "RepairingForm",
                (GeometryRepairFormMixin, kwargs.get("form", self.form)),  # type: ignore[attr-defined]
                {"polygon_field_names": names},
            )
        return super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]


class ScopedAdmin(HistoryAdminMixin, MapWidgetMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Lists, views and edits only what the user's scope allows; foreign keys offer the same."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return super().get_queryset(request).visible_to(request.user)  # type: ignore[attr-defined]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return read_scope(request.user).reach is not Reach.NONE  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return edit_scope(request.user).reach is not Reach.NONE  # type: ignore[arg-type]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def _editable(self, request: HttpRequest, obj: Any) -> bool:
        queryset = self.model._default_manager.editable_by(request.user)  # type: ignore[attr-defined]
        return bool(queryset.filter(pk=obj.pk).exists())

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        manager = db_field.related_model._default_manager
        if hasattr(manager, "editable_by"):
            kwargs.setdefault("queryset", manager.editable_by(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if issubclass(self.model, RegistryModel):
            form = kwargs.get("form", self.form)
            kwargs["form"] = type("VersionedForm", (VersionFormMixin, form), {})
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The choices above already limit the form; the service also guards crafted posts.
        # The form checked the version the editor opened under a row lock this request's
        # transaction still holds; the service compares it again before writing.
        expect_version(obj, form.cleaned_data.get("version"))
        try:
            self.save_service(obj, by=request.user)
        except OutOfScopeError as exc:
            raise PermissionDenied(exc.user_message) from None

    def save_service(self, obj: Any, *, by: Any) -> Any:
        return save_record(obj, by=by)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        # The change page shows the record: a secret or confidential one is audited as on its
        # detail page (the recorder reads no level for users not cleared for those).
        obj = kwargs.get("obj")
        if obj is not None and obj.pk is not None:
            record_confidential_view(request, obj, channel="admin")
        return super().render_change_form(request, context, *args, **kwargs)


class ScopedInline(admin.TabularInline):  # type: ignore[type-arg]
    """An inline that may be edited exactly when its parent record may. Rows of a registry model
    carry their version, checked as on the record's own form: a stale row is refused, not
    written over a newer save made through the API or another page."""

    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if issubclass(self.model, RegistryModel):
            form = kwargs.get("form", self.form)
            kwargs["form"] = type("VersionedInlineForm", (InlineVersionFormMixin, form), {})
        return super().get_formset(request, obj, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return read_scope(request.user).reach is not Reach.NONE  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return edit_scope(request.user).reach is not Reach.NONE  # type: ignore[arg-type]
        manager = type(obj)._default_manager
        return bool(manager.editable_by(request.user).filter(pk=obj.pk).exists())

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)


class ReferenceAdmin(HistoryAdminMixin, MapWidgetMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Code tables and divisions: every role reads them, the province and system admins edit."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_superuser or getattr(user, "role", None) in REFERENCE_EDITORS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request)
