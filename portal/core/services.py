"""The write path shared by every registry model: scope check, version check, validation, one
transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import pghistory
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError
from portal.core.models import RegistryModel
from portal.org.scoping import edit_scope, owning_unit

if TYPE_CHECKING:
    from portal.org.models import User


@contextmanager
def writing(by: User | None, **context: object) -> Iterator[None]:
    """One transaction whose history rows name ``by`` (and any other ``context``): the frame of
    every service that writes, so that a refusal anywhere inside leaves nothing behind."""
    with transaction.atomic(), pghistory.context(user=by.pk if by else None, **context):
        yield


class OutOfScopeError(PortalError):
    http_status = 403
    default_message = _("You may not change records of this unit.")


class RecordInvalidError(PortalError):
    """Validation failed; ``errors`` maps field names to messages."""

    default_message = _("The record is not valid.")

    def __init__(self, error: ValidationError) -> None:
        self.errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        super().__init__(f"{self.default_message} {detail}", detail=detail)


class RecordChangedError(PortalError):
    """The stored record is no longer the version the editor read: someone saved it since."""

    http_status = 409
    default_message = _(
        "This record was changed by someone else after you opened it. Nothing was saved: "
        "reload it to see that change, then make yours again."
    )


def save_record(
    obj: models.Model, *, by: User, expected_version: datetime | None = None
) -> models.Model:
    """Validate and save ``obj`` if ``by`` may edit its unit and nobody changed the stored record
    since ``expected_version`` (by default the version ``obj`` was read with); nothing is
    written otherwise.

    The stored row stays locked from the check to the commit, so two saves of one record run one
    after the other and the later, which read the record before the earlier was saved, is
    refused with :class:`RecordChangedError` instead of silently writing the old values back.
    """
    with transaction.atomic():
        if obj.pk is not None:
            stored = lock_row(obj, by=by)
            seen = expected_version or getattr(obj, "_loaded_updated_at", None)
            check_unchanged(obj, stored=stored, seen=seen)
        if not edit_scope(by).allows(owning_unit(obj)):
            raise OutOfScopeError()
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise RecordInvalidError(exc) from None
        obj.save()
    return obj


def expect_version(obj: models.Model, version: datetime | None) -> None:
    """Have the next save of ``obj`` compare the stored record with ``version``, the
    ``updated_at`` the editor saw (a form's or request's), rather than the version ``obj`` was
    read with: for save services that take no ``expected_version``. None changes nothing."""
    if version is not None:
        obj._loaded_updated_at = version  # type: ignore[attr-defined]


def lock_row(obj: models.Model, *, by: User | None = None) -> datetime | None:
    """Lock the stored row of ``obj`` until the transaction ends; its version (``updated_at``),
    None for a model that has none.

    A row ``by`` may not edit is refused with :class:`OutOfScopeError` (also when it is gone, as
    before this check existed); without ``by``, a row deleted since is a
    :class:`RecordChangedError`.
    """
    manager = type(obj)._default_manager
    rows = manager.editable_by(by) if by is not None else manager.all()  # type: ignore[attr-defined]
    columns = ("pk", "updated_at") if isinstance(obj, RegistryModel) else ("pk",)
    locked = rows.select_for_update(of=("self",)).filter(pk=obj.pk).values_list(*columns)
    with transaction.atomic():  # a transaction of its own when called outside one
        found = locked.first()
    if found is None and by is not None:
        raise OutOfScopeError()
    if found is None:
        raise RecordChangedError(
            gettext("This record was deleted after you opened it. Nothing was saved.")
        )
    return found[1] if len(found) > 1 else None


def check_unchanged(obj: models.Model, *, stored: datetime | None, seen: datetime | None) -> None:
    """Refuse with :class:`RecordChangedError` if the stored version is not ``seen``, the one
    the editor read (None on either side: unknown, nothing to compare)."""
    if stored is None or seen is None or stored == seen:
        return
    when = timezone.localtime(stored).strftime("%Y-%m-%d %H:%M:%S")
    editor = _last_editor(obj)
    if editor:
        message = gettext(
            "This record was changed by %(user)s at %(time)s, after you opened it. Nothing was "
            "saved: reload it to see that change, then make yours again."
        ) % {"user": editor, "time": when}
    else:
        message = gettext(
            "This record was changed at %(time)s, after you opened it. Nothing was saved: "
            "reload it to see that change, then make yours again."
        ) % {"time": when}
    raise RecordChangedError(message, detail=f"{obj._meta.label} {obj.pk}: stored {stored}")


def _last_editor(obj: models.Model) -> str:
    """Who made the last change of ``obj``, as its history recorded them ("" if it did not)."""
    events = getattr(type(obj), "pgh_event_model", None)
    if events is None:
        return ""
    latest = events.objects.filter(pgh_obj=obj.pk).order_by("-pgh_id")
    user_id = latest.values_list("pgh_context__metadata__user", flat=True).first()
    if user_id is None:
        return ""
    users = get_user_model()._default_manager.filter(pk=user_id)
    return users.values_list(get_user_model().USERNAME_FIELD, flat=True).first() or ""


class RecordInUseError(PortalError):
    http_status = 409
    default_message = _("Other records still refer to this one, so it cannot be deleted.")


def delete_record(obj: models.Model, *, by: User) -> None:
    """Delete ``obj`` if ``by`` may edit it; records other records protect are kept."""
    if not type(obj)._default_manager.editable_by(by).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise OutOfScopeError()
    try:
        with transaction.atomic():
            obj.delete()
    except (models.ProtectedError, models.RestrictedError) as exc:
        raise RecordInUseError(detail=str(exc)) from None
