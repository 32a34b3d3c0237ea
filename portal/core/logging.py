"""Structured logging: one JSON object per line on stdout, with the request id."""

import json
import logging
from datetime import UTC, datetime

from portal.core import requestid

_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Attach the current request id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = requestid.get()
        return True


class DatabaseOutageFilter(logging.Filter):
    """On ``django.request``: drop the "Internal Server Error" record, traceback and all, of a
    request whose error was the database connection failing inside a middleware (the session
    saving, the account checks). An outage is no bug to trace: the record's request keeps the
    error, and DatabaseUnavailableMiddleware answers 503 and logs one warning with its reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Imported here: logging is configured before the apps are loaded.
        from portal.core.middleware import lost_connection_in

        request = getattr(record, "request", None)
        fault = lost_connection_in(record.exc_info[1]) if record.exc_info else None
        if request is None or fault is None:
            return True
        request.database_fault = fault
        return False


class JsonFormatter(logging.Formatter):
    """Format a record as a JSON line; extra fields passed with ``extra=`` are kept."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
