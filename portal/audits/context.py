"""The request being served, for audit receivers of signals that do not carry it.

A model's ``post_save`` says what changed but not who changed it or from where; the
:class:`~portal.audits.middleware.DownloadAuditMiddleware` binds the request here for the
duration of the view, so a permission change records the administrator and their address.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from django.http import HttpRequest

_current: ContextVar[HttpRequest | None] = ContextVar("tianfu_audit_request", default=None)


def current_request() -> HttpRequest | None:
    """The request being served on this thread or task, or None (a command, the worker)."""
    return _current.get()


def bind(request: HttpRequest) -> Token[HttpRequest | None]:
    return _current.set(request)


def unbind(token: Token[HttpRequest | None]) -> None:
    _current.reset(token)
