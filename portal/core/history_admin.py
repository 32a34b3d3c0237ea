"""The admin's "History" page of a tracked object, read from the pghistory trail, and its exports.

Mix :class:`HistoryAdminMixin` into a ``ModelAdmin`` (before it in the bases). The pages reach the
object through ``self.get_queryset(request)``, so they obey the same scoping as the change form:
an object the user cannot see is a 404, never an empty history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from portal.core.history import FORMATS, export_history, load_events, to_entries

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin as _Base
else:
    _Base = object

CONTENT_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/x-ndjson; charset=utf-8",
}
EXTENSIONS: Final = {"csv": "csv", "json": "jsonl"}


class HistoryAdminMixin(_Base):
    """Replace the admin's history view with the pghistory trail, and add CSV/JSON exports.

    URL names: ``admin:<app>_<model>_history`` (Django's, now this trail) and
    ``admin:<app>_<model>_history_export`` (arguments: object id, ``csv`` or ``json``).
    """

    object_history_template = "admin/tianfu/object_history.html"
    history_per_page = 50

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_history_export"
        view = self.admin_site.admin_view(self.history_export_view)
        export = path("<path:object_id>/history/export.<str:fmt>", view, name=name)
        return [export, *super().get_urls()]

    def get_history_object(self, request: HttpRequest, object_id: str) -> models.Model:
        """The object, if this user may see it and its history; 404 or 403 otherwise."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            message = _("No %(verbose_name)s found matching the query")
            raise Http404(message % {"verbose_name": self.opts.verbose_name})
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        obj = self.get_history_object(request, object_id)
        paginator = self.get_paginator(request, load_events(obj), self.history_per_page)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "page_obj": page,
            "entries": to_entries(page.object_list),
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def history_export_view(self, request: HttpRequest, object_id: str, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404(f"unknown export format {fmt!r}")
        obj = self.get_history_object(request, object_id)
        response = HttpResponse(export_history(obj, fmt), content_type=CONTENT_TYPES[fmt])
        filename = (
            f"{self.opts.app_label}_{self.opts.model_name}_{obj.pk}_history.{EXTENSIONS[fmt]}"
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
