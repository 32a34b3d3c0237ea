"""Versions of records over HTTP: a strong ``ETag`` on reads and updates, ``If-Match`` on updates.

The version is the record's ``updated_at``, which every save changes (the API, the admin and the
services alike); the write service compares it again under a row lock (``save_record``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from portal.core.exceptions import PortalError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UPDATE_METHODS = frozenset({"PUT", "PATCH"})
# The methods that change or remove a stored record: an ``If-Match`` they carry is checked.
CONDITIONAL_METHODS = UPDATE_METHODS | {"DELETE"}
ETAG_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH"})

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description=(
        "The ETag of the record as you read it (a detail GET and every update send it). If the "
        "record has changed since, nothing is saved and the answer is 412. Without it a PATCH "
        "changes only the fields it sends, over the record as stored at that moment; a PUT "
        "writes every field, over whatever another user saved since you read the record."
    ),
)


class RecordPreconditionError(PortalError):
    """The ``If-Match`` of an update names a version the record no longer has."""

    http_status = 412
    default_message = _(
        "The record has changed since you read it: If-Match does not name its current ETag. "
        "Nothing was saved: read the record again, then send your change with its new ETag."
    )


def record_etag(record: Any) -> str | None:
    """A strong ETag of the record's id and version (``updated_at`` to the microsecond); every
    save changes it. None for a model without a version."""
    version = getattr(record, "updated_at", None)
    if version is None:
        return None
    return f'"{record.pk}-{(version - EPOCH) // timedelta(microseconds=1)}"'


def require_if_match(request: Any, record: Any) -> None:
    """Refuse an update whose ``If-Match`` names neither ``*`` nor the record's current ETag
    (strong comparison: a weak tag never matches). Without the header, nothing to check."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = parse_etags(header)
    if tags != ["*"] and record_etag(record) not in tags:
        raise RecordPreconditionError()
