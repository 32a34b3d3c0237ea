"""Writes of the security audit: recording an event (the only writer), purging old events, and
checking the chain.

Where an event is written
-------------------------
An append holds the chain lock until it commits (see :func:`portal.audits.sql.lock_chain`), so
it is always a short transaction of its own, never part of a long one that others would wait on:

* outside a transaction of the application, on the default connection, at once;
* inside one, a success describes a change not yet made: it is appended when the transaction
  commits, and never if it rolls back, so the trail shows no change that did not happen;
* inside one, a failure or refusal is appended at once on the ``audit`` connection (a second
  connection to the same database), so it survives the rollback that usually follows.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import logging
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.audits import chain, sql
from portal.audits.addresses import client_ip
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.context import current_request
from portal.audits.exceptions import AuditAccessError, RetentionError
from portal.audits.models import AuditEvent
from portal.core import requestid
from portal.core.choices import Confidentiality
from portal.org.choices import Role
from portal.org.scoping import cleared_levels

if TYPE_CHECKING:
    from django.db import models

AUDIT_DB: Final = "audit"
USERNAME_CHARS: Final = 150  # a typed user name is kept, but not a flood of text
TARGET_CHARS: Final = 1000
CLASSIFIED: Final = frozenset({Confidentiality.SECRET, Confidentiality.CONFIDENTIAL})

log = logging.getLogger(__name__)


def record_event(
    action: str,
    *,
    request: Any = None,
    user: Any = None,
    result: str = AuditResult.SUCCESS,
    target: str = "",
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent | None:
    """Append one event; None when a success waits for its transaction to commit.

    ``request`` gives the address and, without ``user``, the actor; without it the request
    being served is used (a model signal carries none). ``username`` overrides the actor's
    name: the name typed at a failed sign-in, which may belong to no account.
    """
    values = event_values(
        AuditAction(action),
        AuditResult(result),
        request=request if request is not None else current_request(),
        user=user,
        target=target,
        detail=detail,
        username=username,
    )
    if not _in_app_transaction(transaction.get_connection()):
        return chain.append(DEFAULT_DB_ALIAS, values)
    if result == AuditResult.SUCCESS:
        # robust: the change has committed and stays; a lost event must not turn its answer
        # into an error, so it is logged (with what it was) for the operator instead.
        transaction.on_commit(functools.partial(_append_committed, values), robust=True)
        return None
    return chain.append(AUDIT_DB, values, wait=False)


def _append_committed(values: dict[str, Any]) -> None:
    try:
        chain.append(DEFAULT_DB_ALIAS, values)
    except Exception:
        log.exception(
            "audit event %s (%s, user %r, target %r) NOT recorded after its transaction committed",
            values["action"],
            values["result"],
            values["username"],
            values["target"],
        )


def event_values(
    action: AuditAction,
    result: AuditResult,
    *,
    request: Any,
    user: Any,
    target: str,
    detail: dict[str, Any] | None,
    username: str,
) -> dict[str, Any]:
    """The columns of an event, cleaned of what PostgreSQL refuses (NUL characters)."""
    actor = _actor(request, user)
    name = username or (actor.get_username() if actor is not None else "")
    request_id = requestid.get()
    return {
        "action": action,
        "result": result,
        "user_id": getattr(actor, "pk", None),
        "username": _clean(str(name))[:USERNAME_CHARS],
        "source_ip": client_ip(request) if request is not None else None,
        "target": _clean(str(target))[:TARGET_CHARS],
        # Through JSON and back, so the tag covers exactly what the jsonb column gives back.
        "detail": _clean(json.loads(json.dumps(detail or {}, default=str))),
        "request_id": "" if request_id == "-" else request_id,
    }


def _actor(request: Any, user: Any) -> Any:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _in_app_transaction(connection: BaseDatabaseWrapper) -> bool:
    """Whether the application has a transaction open on ``connection``.

    A test case's wrapping transaction does not count (Django marks it, and treats it the same
    way for durable blocks): it stands for the autocommit of a real request.
    """
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def may_read_audit(user: Any) -> bool:
    """Only the audit administrator reads the audit; a superuser with another role does not."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "role", None) == Role.AUDIT_ADMIN
    )


def retention_floor() -> dt.datetime:
    """Events at or after this time must be kept."""
    return timezone.now() - dt.timedelta(days=settings.TIANFU_AUDIT_RETENTION_DAYS)


def purge(before: dt.datetime, *, by: Any, via: dict[str, str] | None = None) -> int:
    """Delete the events before ``before`` (past the retention period); the audit admin only.

    The purge is itself recorded, with the tag of the last event it removed, so the chain of
    what remains still verifies. Returns how many events were deleted. ``via`` is added to
    the event's detail (a command's :func:`command_channel`).
    """
    if not may_read_audit(by):
        detail = {"before": before.isoformat(), **(via or {})}
        record_event(AuditAction.AUDIT_PURGE, user=by, result=AuditResult.DENIED, detail=detail)
        raise AuditAccessError()
    floor = retention_floor()
    if before > floor:
        raise RetentionError(
            _("Events of the last %(days)d days are kept: choose %(date)s or earlier.")
            % {
                "days": settings.TIANFU_AUDIT_RETENTION_DAYS,
                "date": date_format(timezone.localdate(floor)),
            }
        )
    with transaction.atomic():
        return _delete_before(before, by, via or {})


def _delete_before(before: dt.datetime, by: Any, via: dict[str, str]) -> int:
    """The purge's deletion and its own event, in the caller's transaction."""
    last = AuditEvent.objects.purgeable(before).order_by("-id").values_list("id", "tag").first()
    last_id, last_tag = last if last else (None, "")
    deleted = sql.delete_through(DEFAULT_DB_ALIAS, last_id) if last_id else 0
    detail = {"before": before.isoformat(), "deleted": deleted}
    detail.update(last_id=last_id, last_tag=last_tag, **via)  # where the chain now starts from
    values = event_values(
        AuditAction.AUDIT_PURGE,
        AuditResult.SUCCESS,
        request=current_request(),
        user=by,
        target="",
        detail=detail,
        username="",
    )
    chain.append(DEFAULT_DB_ALIAS, values)
    return deleted


def verify_chain(*, via: dict[str, str] | None = None) -> AuditEvent | None:
    """The first event whose integrity tag or link does not verify, or None if all do.

    The check is itself recorded (after it, so it never checks its own event), with ``via``.
    """
    broken = chain.first_break()
    result = AuditResult.SUCCESS if broken is None else AuditResult.FAILURE
    detail = {"broken_at": getattr(broken, "pk", None), **(via or {})}
    record_event(AuditAction.AUDIT_VERIFY, result=result, detail=detail)
    return broken


def classification(obj: models.Model) -> str | None:
    """The confidentiality level of ``obj``: its own, or the one its queryset says it takes
    from another record (a title case from its building)."""
    if hasattr(obj, "confidentiality"):
        return str(obj.confidentiality)
    queryset_class = getattr(type(obj)._default_manager, "_queryset_class", None)
    path = getattr(queryset_class, "confidentiality_path", None) or ""
    target: Any = obj
    for part in filter(None, path.split("__")):
        target = getattr(target, part, None)
        if target is None:
            return None
    return None if target is obj else str(target)


def command_channel() -> dict[str, str]:
    """The detail of an event recorded by a management command: who ran it on the server.

    A command names its acting account but proves nothing about it (no password is asked):
    whoever has a shell on the server is the system administrator, and the event says so.
    """
    return {"channel": "command", "os_user": getpass.getuser()}


def sees_classified(user: Any) -> bool:
    """Whether ``user`` is cleared for secret or confidential records (asks no query)."""
    return bool(CLASSIFIED & set(cleared_levels(user)))


def record_confidential_list(
    request: Any, queryset: models.QuerySet[Any], *, limit: int, offset: int, channel: str
) -> None:
    """Record one event naming the secret or confidential records of a page just returned.

    Like :func:`record_confidential_view`, no query for a user not cleared above internal.
    """
    if not sees_classified(request.user):
        return
    path = level_path(queryset.model)
    if path is None:
        return
    rows = queryset.values_list("pk", path)[offset : offset + limit]
    pks = [pk for pk, level in rows if level in CLASSIFIED]
    record_confidential_keys(request, queryset.model, pks, channel=channel)


def record_confidential_keys(
    request: Any, model: type[models.Model], pks: list[Any], *, channel: str
) -> None:
    """Record one event naming the classified records ``pks`` of ``model`` a page returned, for
    channels whose page statement already picked them out (no event when there are none)."""
    if not pks:
        return
    label = model._meta.label
    record_event(
        AuditAction.CONFIDENTIAL_VIEW,
        request=request,
        target=f"{label} {', '.join(map(str, pks))}",
        detail={"model": label, "pks": pks, "channel": channel},
    )


def level_path(model: type[models.Model]) -> str | None:
    """Where a query reads a record's level: its own field or the one its queryset names."""
    if any(field.name == "confidentiality" for field in model._meta.get_fields()):
        return "confidentiality"
    queryset_class = getattr(model._default_manager, "_queryset_class", None)
    path = getattr(queryset_class, "confidentiality_path", None)
    return path or None


def record_confidential_view(request: Any, obj: models.Model, *, channel: str) -> None:
    """Record that ``request.user`` was shown a secret or confidential record.

    Users not cleared for those levels never see such records (they are hidden from them), so
    their views cost no query here.
    """
    if not sees_classified(request.user):
        return
    level = classification(obj)
    if level not in CLASSIFIED:
        return
    label = obj._meta.label
    record_event(
        AuditAction.CONFIDENTIAL_VIEW,
        request=request,
        target=f"{label} {obj.pk}",
        detail={"model": label, "pk": obj.pk, "level": level, "channel": channel},
    )
