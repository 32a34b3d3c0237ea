"""Audit receivers: sign-ins, lockouts, account and permission changes, API tokens.

Other apps only send Django's signals (or axes's); nothing there imports the audit. Connected
in :meth:`portal.audits.apps.AuditsConfig.ready`.
"""

from __future__ import annotations

from typing import Any, Final

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from rest_framework.authtoken.models import Token

from portal.audits import factors
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.services import record_event

# Fields of an account whose change is a change of what it may do (unit: what it may see), or
# of whom the trail names (username: its events before and after are the same account's).
GRANTS: Final = (
    "username",
    "role",
    "clearance",
    "is_active",
    "is_staff",
    "is_superuser",
    "unit_id",
)
WATCHED: Final = (*GRANTS, "password")
# The names a save's update_fields may use for them ("unit" or "unit_id").
_NAMES: Final = {name.removesuffix("_id") for name in WATCHED} | set(WATCHED)


def on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(AuditAction.LOGIN, request=request, user=user)


def on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:  # signing out without a session has nobody to record
        record_event(AuditAction.LOGOUT, request=request, user=user)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """The name as typed, whether or not an account has it; the answer to the user is the same."""
    typed = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or ""
    record_event(
        AuditAction.LOGIN_FAILED, request=request, result=AuditResult.FAILURE, username=str(typed)
    )


def on_locked_out(sender: Any, request: Any, username: Any, **kwargs: Any) -> None:
    record_event(
        AuditAction.LOCKED_OUT, request=request, result=AuditResult.DENIED, username=username or ""
    )


def remember_grants(sender: Any, instance: Any, raw: bool, update_fields: Any, **kw: Any) -> None:
    """Read the account's stored grants before a save that may change them (compared after)."""
    instance._audit_before = None
    if raw or instance.pk is None or (update_fields and not set(update_fields) & _NAMES):
        return
    instance._audit_before = sender._base_manager.filter(pk=instance.pk).values(*WATCHED).first()


def on_user_saved(sender: Any, instance: Any, created: bool, raw: bool, **kwargs: Any) -> None:
    if raw:
        return
    target = instance.get_username()
    if created:
        grants = {name: _plain(getattr(instance, name)) for name in GRANTS}
        record_event(AuditAction.ACCOUNT_CREATED, target=target, detail={"grants": grants})
        return
    before = getattr(instance, "_audit_before", None)
    if before is None:
        return
    if before["password"] != instance.password:  # the hashes are compared, never recorded
        record_event(AuditAction.PASSWORD_CHANGED, target=target)
    changes = {
        name: [_plain(before[name]), _plain(getattr(instance, name))]
        for name in GRANTS
        if before[name] != getattr(instance, name)
    }
    if changes:
        record_event(AuditAction.PERMISSION_CHANGED, target=target, detail={"changes": changes})


def on_user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    record_event(AuditAction.ACCOUNT_DELETED, target=instance.get_username())


def on_grants_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kw: Any
) -> None:
    """Groups or permissions added to or removed from accounts, from either side."""
    change = {"post_add": "added", "post_remove": "removed", "pre_clear": "cleared"}.get(action)
    if change is None or (change != "cleared" and not pk_set):
        return
    field = "groups" if sender is get_user_model().groups.through else "user_permissions"
    if reverse:  # group.user_set.add(...): the accounts are the other side
        chosen = {field: instance} if change == "cleared" else {"pk__in": pk_set}
        users, names = list(model._base_manager.filter(**chosen)), [str(instance)]
    else:
        granted = getattr(instance, field).all() if change == "cleared" else None
        found = granted if granted is not None else model._base_manager.filter(pk__in=pk_set)
        users, names = [instance], sorted(str(item) for item in found)
    for user in users:
        detail = {"changes": {field: {change: names}}}
        record_event(AuditAction.PERMISSION_CHANGED, target=user.get_username(), detail=detail)


def on_token_saved(sender: Any, instance: Token, created: bool, raw: bool, **kwargs: Any) -> None:
    if created and not raw:  # the key itself is never recorded
        record_event(AuditAction.TOKEN_ISSUED, target=instance.user.get_username())


def on_token_deleted(sender: Any, instance: Token, **kwargs: Any) -> None:
    try:
        owner = instance.user.get_username()
    except ObjectDoesNotExist:  # removed together with its account, which went first
        owner = f"user {instance.user_id}"
    record_event(AuditAction.TOKEN_REVOKED, target=owner)


def _plain(value: Any) -> Any:
    """A value as JSON keeps it (a role's code, a unit's id)."""
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def connect() -> None:
    """Connect every receiver once (``dispatch_uid``), for :class:`AuditsConfig.ready`."""
    user = get_user_model()
    pairs: tuple[tuple[Any, Any, Any], ...] = (
        (user_logged_in, on_logged_in, None),
        (user_logged_out, on_logged_out, None),
        (user_login_failed, on_login_failed, None),
        (user_locked_out, on_locked_out, None),
        (pre_save, remember_grants, user),
        (post_save, on_user_saved, user),
        (post_delete, on_user_deleted, user),
        (m2m_changed, on_grants_changed, user.groups.through),
        (m2m_changed, on_grants_changed, user.user_permissions.through),
        (post_save, on_token_saved, Token),
        (post_delete, on_token_deleted, Token),
    )
    for signal, receiver, sender in pairs:
        uid = f"audits.{receiver.__name__}.{getattr(sender, '__name__', 'any')}"
        signal.connect(receiver, sender=sender, dispatch_uid=uid)
    factors.connect()
