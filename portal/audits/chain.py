"""The integrity chain of the audit trail: appending a row, and checking every row.

``tag_i = crypto.tag(prev_tag || canonical JSON of row_i)``, where ``prev_tag`` is the tag of the
row before. Someone who can write to the database but does not hold the audit key cannot change,
insert or remove a row without breaking the chain from there on. A purge removes the oldest rows
and records the tag of the last one it removed, so the first remaining row still links up.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final

from django.db import transaction

from portal.audits import sql
from portal.audits.addresses import normalised
from portal.audits.choices import AuditAction
from portal.audits.models import AuditEvent
from portal.core import crypto

# A wait on the chain lock longer than this is an error rather than a hang (see lock_chain).
WAIT_LIMIT: Final = "10s"


def canonical(event: AuditEvent) -> bytes:
    """The facts a tag covers, as sorted compact JSON (UTF-8); the same before and after saving."""
    facts = {
        "at": event.at.astimezone(dt.UTC).isoformat(),
        "user_id": event.user_id,  # type: ignore[attr-defined]
        "username": event.username,
        "source_ip": normalised(event.source_ip),
        "action": event.action,
        "result": event.result,
        "target": event.target,
        "detail": event.detail,
        "request_id": event.request_id,
    }
    return json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _signed(event: AuditEvent) -> bytes:
    return event.prev_tag.encode() + canonical(event)


def append(
    alias: str, values: dict[str, Any], *, at: dt.datetime | None = None, wait: bool = True
) -> AuditEvent:
    """Add one event at the end of the chain, on connection ``alias``, in its own transaction
    (or a savepoint of the caller's). ``at`` is the database's clock unless given (tests);
    ``wait=False`` limits the wait for the chain lock to :data:`WAIT_LIMIT`."""
    with transaction.atomic(using=alias):
        now, last_tag = sql.lock_chain(alias, wait_limit=None if wait else WAIT_LIMIT)
        event = AuditEvent(at=at or now, prev_tag=last_tag, **values)
        event.tag = crypto.tag(_signed(event))
        event.save(using=alias, force_insert=True)
    return event


def first_break() -> AuditEvent | None:
    """The first row whose tag or link to the row before does not verify, or None."""
    previous: AuditEvent | None = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if not _linked(previous, event) or not crypto.verify_tag(_signed(event), event.tag):
            return event
        previous = event
    return None


def _linked(previous: AuditEvent | None, event: AuditEvent) -> bool:
    if previous is not None:
        return event.prev_tag == previous.tag
    # The oldest row left: the start of the chain, or the successor of the last purged row.
    return event.prev_tag == "" or (
        AuditEvent.objects.filter(
            action=AuditAction.AUDIT_PURGE, detail__last_tag=event.prev_tag
        ).exists()
    )
