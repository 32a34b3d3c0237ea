"""The id of the request being served, shared by logs, responses and (later) the history trail.

It is set on ``request_started`` and cleared on ``request_finished`` rather than inside a
middleware, because Django logs 4xx/5xx responses after the middleware chain has returned.
"""

import re
import uuid
from contextvars import ContextVar

_NONE = "-"
_current: ContextVar[str] = ContextVar("tianfu_request_id", default=_NONE)
# An id from a proxy is kept only when it is short and plain, so it cannot forge log lines.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def get() -> str:
    """The current request id, or ``"-"`` outside a request."""
    return _current.get()


def begin(proposed: str | None) -> str:
    """Set the id for this request (the proxy's when acceptable) and return it."""
    request_id = proposed if proposed and _ACCEPTED.match(proposed) else uuid.uuid4().hex
    _current.set(request_id)
    return request_id


def clear() -> None:
    """Forget the id once the response is sent."""
    _current.set(_NONE)


def on_request_started(sender: object, environ: dict[str, str], **kwargs: object) -> None:
    begin(environ.get("HTTP_X_REQUEST_ID"))


def on_request_finished(sender: object, **kwargs: object) -> None:
    clear()
