"""The write path shared by every registry model: scope check, validation, one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pghistory
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError
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


def save_record(obj: models.Model, *, by: User) -> models.Model:
    """Validate and save ``obj`` if ``by`` may edit its unit; nothing is written otherwise."""
    manager = type(obj)._default_manager
    stored_editable = obj.pk is None or manager.editable_by(by).filter(pk=obj.pk).exists()  # type: ignore[attr-defined]
    if not (stored_editable and edit_scope(by).allows(owning_unit(obj))):
        raise OutOfScopeError()
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise RecordInvalidError(exc) from None
    with transaction.atomic():
        obj.save()
    return obj


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
