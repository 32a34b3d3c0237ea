"""Shared set-up of the audit tests: accounts, events of any age, and reading the trail."""

import datetime as dt

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from portal.audits import chain
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.models import AuditEvent
from portal.audits.services import event_values
from portal.org.choices import Role
from tests.factories import UserFactory


def make_audit_admin():
    return UserFactory(role=Role.AUDIT_ADMIN, username="audit-admin", is_staff=False)


@pytest.fixture
def audit_admin(db):
    return make_audit_admin()


def append_aged(days: float, *, username: str = "old-timer") -> AuditEvent:
    """An event appended to the chain as if it happened ``days`` ago (the database's clock is
    only bypassed here, to have events past the retention period)."""
    values = event_values(
        AuditAction.LOGIN,
        AuditResult.SUCCESS,
        request=None,
        user=None,
        target="",
        detail={"aged": days},
        username=username,
    )
    at = timezone.now() - dt.timedelta(days=days)
    return chain.append(DEFAULT_DB_ALIAS, values, at=at)


def events(action: str, **filters) -> list[AuditEvent]:
    """The events of ``action``, oldest first."""
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))
