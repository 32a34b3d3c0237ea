import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError, connection, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from portal.core import requestid
from portal.core.exceptions import DatabaseUnavailableError

log = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again; the 503 page reloads itself after them.
RETRY_AFTER_SECONDS = 30
# Errors that may mean "PostgreSQL cannot be reached", as opposed to a bad query (a bug: a 500).
UNREACHABLE = (OperationalError, InterfaceError, DatabaseUnavailableError)
# SQLSTATEs of a server that went away: admin_shutdown, crash_shutdown, cannot_connect_now.
# Class 08 (connection exception) is matched by its prefix.
SERVER_GONE = frozenset({"57P01", "57P02", "57P03"})


class RequestIdMiddleware:
    """Expose the request id (set when the request started) on the request and the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = requestid.get()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


def _lost_connection(exc: BaseException) -> bool:
    """Whether a database error says the connection itself failed. A statement timeout, a
    deadlock, a lock or serialization failure or a full disk is an OperationalError too, but the
    database answered it: that is a server error with its traceback, not an outage."""
    if isinstance(exc, InterfaceError | DatabaseUnavailableError):
        return True
    # Django's error wraps psycopg's, which carries the SQLSTATE; a client-side connection
    # failure (refused, reset, no route) has none.
    sqlstate = getattr(exc.__cause__, "sqlstate", None) or getattr(exc, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in SERVER_GONE


def _first_unreachable(exc: BaseException | None) -> BaseException | None:
    """The first error in ``exc``'s chain that may mean the database cannot be reached."""
    seen = 0
    while exc is not None and seen < 10:  # a chain is short; the bound guards against cycles
        if isinstance(exc, UNREACHABLE):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _database_fault(exc: BaseException | None) -> BaseException | None:
    """The error in ``exc``'s chain that says the database cannot be reached, if any."""
    found = _first_unreachable(exc)
    if found is None:
        return None
    return found if _lost_connection(found) or not _answers() else None


def lost_connection_in(exc: BaseException | None) -> BaseException | None:
    """The error in ``exc``'s chain that says the connection itself failed, judged without
    touching the database (the logging filter asks it)."""
    found = _first_unreachable(exc)
    return found if found is not None and _lost_connection(found) else None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _discard_connections() -> None:
    """Drop every open connection of this thread, so the next request connects afresh instead of
    reusing a persistent connection whose server has gone (CONN_MAX_AGE)."""
    for conn in connections.all(initialized_only=True):
        conn.close()


class DatabaseUnavailableMiddleware:
    """Answer 503 with a clear page (JSON under /api/) while PostgreSQL cannot be reached.

    It sits before the session middleware, which reads the database, and checks the connection
    first: a persistent connection that fails its health check is replaced, and a database that
    refuses a new connection gives the 503 at once. The database may also go away while the view
    runs: the view's error then becomes the same 503. Nothing is kept between requests, so the
    first request after PostgreSQL is back connects and is served, without restarting workers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            # The health check Django runs before the first query of a request, done first.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except UNREACHABLE as exc:
            return self.unavailable(request, exc)
        response = self.get_response(request)
        if response.status_code == 500:
            # An inner middleware (the session saving, the account checks) met the outage.
            # Django answered 500; the logging filter kept the lost connection on the request
            # instead of a traceback (portal.core.logging.DatabaseOutageFilter).
            fault = getattr(request, "database_fault", None)
            if fault is not None or not _answers():
                return self.unavailable(request, fault)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """The view (or the rendering of its template) lost the database."""
        fault = _database_fault(exc)
        return None if fault is None else self.unavailable(request, fault)

    def unavailable(self, request: HttpRequest, exc: BaseException | None) -> HttpResponse:
        _discard_connections()
        reason = _first_line(exc) if exc is not None else "a server error while it was down"
        log.warning(
            "database unavailable, answered 503 to %s %s: %s",
            request.method,
            request.path,
            reason,
            extra={"request_id": requestid.get()},
        )
        with translation.override(translation.get_language_from_request(request)):
            response = _json(request) if _wants_json(request) else _page(request)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        # Logged once above, with the reason: Django's own "Service Unavailable" line would
        # only repeat it.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response


def _answers() -> bool:
    """Whether the default database accepts a connection and a query now."""
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        connection.ensure_connection()
    except UNREACHABLE:
        return False
    return connection.is_usable()


def _wants_json(request: HttpRequest) -> bool:
    """The API, the health check and scripts that ask for JSON only (the progress bars)."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


def _message() -> str:
    return _("The database is not reachable at the moment, so the portal cannot answer.")


def _json(request: HttpRequest) -> HttpResponse:
    body = {
        "status": "unavailable",
        "detail": _message(),
        "retry_after": RETRY_AFTER_SECONDS,
        "request_id": requestid.get(),
    }
    return JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})


def _page(request: HttpRequest) -> HttpResponse:
    """The 503 page: a template of its own that reads neither the session nor the user (no
    context processors), since both live in the database that is gone."""
    context = {
        "portal_name": settings.TIANFU["SITE_NAME"],
        "message": _message(),
        "retry_after": RETRY_AFTER_SECONDS,
        "request_id": requestid.get(),
        "path": _retry_path(request),
        "LANGUAGE_CODE": translation.get_language(),
    }
    return HttpResponse(render_to_string("503.html", context), status=503)


def _retry_path(request: HttpRequest) -> str:
    """The page to try again: the request's own path, unless it would lead elsewhere (a path
    such as ``//evil.example/x`` is a link to another site)."""
    path = request.get_full_path()
    try:
        hosts = {request.get_host()}
    except DisallowedHost:
        hosts = set()
    safe = url_has_allowed_host_and_scheme(path, hosts, require_https=request.is_secure())
    return path if safe and path.startswith("/") and not path.startswith("//") else "/"
