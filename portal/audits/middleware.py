"""Every file download is an export: record it, whatever app or API view served it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from portal.audits import context
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.services import record_event

# A view that records its download itself (the audit's own export) sets this on the response.
RECORDED: str = "audit_recorded"


class DownloadAuditMiddleware:
    """Record an ``export`` event for each response sent as an attachment (pages and API).

    It also makes the request available to audit receivers of model signals while the view
    runs (:mod:`portal.audits.context`), so they know who acted and from where. Placed after
    the authentication middlewares: the user is known, and the API's token user too once the
    view has run.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.bind(request)
        try:
            response = self.get_response(request)
        finally:
            context.unbind(token)
        disposition = response.get("Content-Disposition", "")
        if disposition.lower().startswith("attachment") and not getattr(response, RECORDED, False):
            record_event(
                AuditAction.EXPORT,
                request=request,
                result=AuditResult.SUCCESS if response.status_code < 400 else AuditResult.FAILURE,
                target=request.path,
                detail={
                    "path": request.path,
                    "query": request.META.get("QUERY_STRING", ""),
                    "status": response.status_code,
                    "content_type": response.get("Content-Type", ""),
                    "disposition": disposition,
                },
            )
        return response
