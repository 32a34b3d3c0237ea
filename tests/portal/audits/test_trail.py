"""The trail itself: append-only in the database, a verifiable chain, purges past retention."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone, translation

from portal.audits import chain, services, sql
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.exceptions import AuditAccessError, RetentionError
from portal.audits.models import AuditEvent
from portal.core import crypto
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.audits.conftest import append_aged, events, make_audit_admin

pytestmark = pytest.mark.django_db


def execute(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def refused(statement: str, *params: object) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute(statement, *params)


def record(action=AuditAction.EXPORT, **kwargs) -> AuditEvent:
    return services.record_event(action, target=kwargs.pop("target", "/x"), **kwargs)


# -- append-only ----------------------------------------------------------------------------------


def test_sql_update_is_refused():
    event = record()
    refused("UPDATE audits_auditevent SET result = 'failure' WHERE id = %s", event.pk)
    refused("UPDATE audits_auditevent SET user_id = NULL WHERE id = %s", event.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(target="/y")
    assert AuditEvent.objects.get(pk=event.pk).target == "/x"


def test_sql_delete_is_refused_even_of_old_events_without_a_purge():
    old = append_aged(400)
    refused("DELETE FROM audits_auditevent WHERE id = %s", old.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=old.pk).delete()
    assert AuditEvent.objects.filter(pk=old.pk).exists()


def delete_as_a_purge(pk: int) -> None:
    """DELETE in a transaction that declared a purge, as the purge service does."""
    with transaction.atomic():
        execute("SELECT set_config('tianfu.audit_purge', 'on', true)")
        execute("DELETE FROM audits_auditevent WHERE id = %s", pk)


def test_a_purge_flag_does_not_delete_events_younger_than_the_floor():
    young = append_aged(sql.RETENTION_FLOOR_DAYS - 1)
    with pytest.raises(DatabaseError, match="append-only"):
        delete_as_a_purge(young.pk)
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_a_purge_flag_deletes_events_older_than_the_floor():
    old = append_aged(sql.RETENTION_FLOOR_DAYS + 1)
    delete_as_a_purge(old.pk)
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_truncate_is_refused():
    record()
    # The test database has this trigger off so that transactional tests can be flushed
    # (tests/conftest.py); on here, inside this test's transaction, as in every real database.
    execute(f"ALTER TABLE audits_auditevent ENABLE TRIGGER {sql.TRUNCATE_TRIGGER}")
    refused("TRUNCATE audits_auditevent")
    assert AuditEvent.objects.exists()


# -- the chain ------------------------------------------------------------------------------------


def test_each_tag_chains_the_previous_one():
    first, second = record(target="/a"), record(target="/b")
    assert second.prev_tag == first.tag
    assert first.tag.startswith("standard:")
    assert services.verify_chain() is None


@pytest.mark.parametrize("address", ["::ffff:10.0.0.1", "2001:DB8:0:0::1", "10.0.0.1"])
def test_what_the_database_gives_back_still_verifies(address):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    detail = {
        "ratio": 0.1,
        "big": 2**60,
        "nested": {"b": [1, "二"], "a": None},
        "when": timezone.now(),
    }
    services.record_event(AuditAction.EXPORT, request=request, detail=detail, target="/导出\x00")
    stored = AuditEvent.objects.get()
    assert stored.target == "/导出\\x00"  # PostgreSQL cannot store NUL: it is spelled out
    assert services.verify_chain() is None


def tamper(statement: str, *params: object) -> None:
    """Change the table as its owner can: with the append-only trigger switched off."""
    execute(f"ALTER TABLE audits_auditevent DISABLE TRIGGER {sql.ROW_TRIGGER}")
    execute(statement, *params)
    execute(f"ALTER TABLE audits_auditevent ENABLE TRIGGER {sql.ROW_TRIGGER}")


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE audits_auditevent SET result = 'success' WHERE id = %s",
        "UPDATE audits_auditevent SET at = at - interval '1 day' WHERE id = %s",
        "UPDATE audits_auditevent SET detail = '{\"status\": 200}' WHERE id = %s",
        "UPDATE audits_auditevent SET source_ip = '10.0.0.9' WHERE id = %s",
        "UPDATE audits_auditevent SET user_id = 42 WHERE id = %s",
        "UPDATE audits_auditevent SET username = 'someone-else' WHERE id = %s",
    ],
)
def test_a_changed_event_breaks_the_chain_there(change):
    events_ = [record(result=AuditResult.FAILURE, target=f"/{n}") for n in range(3)]
    tamper(change, events_[1].pk)
    assert services.verify_chain() == events_[1]


def test_a_removed_event_breaks_the_chain_at_the_next():
    _first, second, third = (record(target=f"/{n}") for n in range(3))
    tamper("DELETE FROM audits_auditevent WHERE id = %s", second.pk)
    assert services.verify_chain() == third


def test_removing_the_oldest_events_without_a_purge_is_detected():
    first, second = record(target="/a"), record(target="/b")
    tamper("DELETE FROM audits_auditevent WHERE id = %s", first.pk)
    assert services.verify_chain() == second


def test_a_tag_recomputed_without_the_key_does_not_verify(settings):
    first, _second = record(target="/a"), record(target="/b")
    key = settings.TIANFU_AUDIT_KEY
    settings.TIANFU_AUDIT_KEY = "an-attacker-key-of-at-least-32-characters"
    forged = crypto.tag(first.prev_tag.encode() + chain.canonical(first))
    settings.TIANFU_AUDIT_KEY = key
    tamper("UPDATE audits_auditevent SET tag = %s WHERE id = %s", forged, first.pk)
    assert services.verify_chain() == first


def test_the_national_suite_works_end_to_end(settings, audit_admin):
    settings.TIANFU_CRYPTO_SUITE = "national"
    national = record(target="/sm3")
    assert national.tag.startswith("national:")
    settings.TIANFU_CRYPTO_SUITE = "standard"
    standard = record(target="/sha")
    assert standard.tag.startswith("standard:")
    assert standard.prev_tag == national.tag
    settings.TIANFU_CRYPTO_SUITE = "national"
    assert services.verify_chain() is None
    tamper("UPDATE audits_auditevent SET target = '/elsewhere' WHERE id = %s", national.pk)
    assert services.verify_chain() == national


def test_verify_audit_command(capsys):
    event = record()
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out
    tamper("UPDATE audits_auditevent SET target = '/y' WHERE id = %s", event.pk)
    with pytest.raises(CommandError, match=f"event {event.pk}"):
        call_command("verify_audit")


# -- purge ----------------------------------------------------------------------------------------


def test_purge_deletes_only_events_past_retention():
    old = [append_aged(days) for days in (400, 300, 200)]
    recent = [append_aged(days) for days in (170, 1)]
    audit_admin = make_audit_admin()
    deleted = services.purge(services.retention_floor(), by=audit_admin)
    assert deleted == 3
    left = set(AuditEvent.objects.values_list("pk", flat=True))
    assert not left & {e.pk for e in old}
    assert {e.pk for e in recent} <= left
    (purge,) = events(AuditAction.AUDIT_PURGE)
    assert (purge.username, purge.result) == ("audit-admin", AuditResult.SUCCESS)
    assert purge.detail["deleted"] == 3
    assert purge.detail["last_tag"] == old[-1].tag
    assert services.verify_chain() is None  # what remains still links up


def test_purge_keeps_what_is_younger_than_the_date_asked():
    append_aged(400)
    kept = append_aged(300)
    audit_admin = make_audit_admin()
    deleted = services.purge(timezone.now() - dt.timedelta(days=350), by=audit_admin)
    assert deleted == 1
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


def test_purge_refuses_a_date_inside_retention(audit_admin):
    young = append_aged(100)
    with translation.override("en"), pytest.raises(RetentionError, match="180 days"):
        services.purge(timezone.now() - dt.timedelta(days=90), by=audit_admin)
    assert AuditEvent.objects.filter(pk=young.pk).exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"role": Role.SECURITY_ADMIN},
        {"role": Role.SYSTEM_ADMIN},
        {"role": Role.PROVINCE_ADMIN, "is_superuser": True},
        {"role": Role.AUDIT_ADMIN, "is_active": False},
    ],
    ids=["security-admin", "system-admin", "superuser", "inactive-audit-admin"],
)
def test_only_the_audit_administrator_purges(extra):
    old = append_aged(400)
    someone = UserFactory(**extra)
    with pytest.raises(AuditAccessError):
        services.purge(services.retention_floor(), by=someone)
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    (denied,) = events(AuditAction.AUDIT_PURGE)
    assert (denied.username, denied.result) == (someone.username, AuditResult.DENIED)


def test_the_trigger_keeps_its_floor_when_the_settings_ask_for_less(settings):
    settings.TIANFU_AUDIT_RETENTION_DAYS = 30  # what the settings module itself refuses
    young = append_aged(60)
    audit_admin = make_audit_admin()
    with pytest.raises(DatabaseError, match="append-only"):
        services.purge(timezone.now() - dt.timedelta(days=45), by=audit_admin)
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_purge_audit_command(capsys):
    append_aged(400)
    make_audit_admin()
    call_command("purge_audit", "--by", "audit-admin")
    assert "1 audit event" in capsys.readouterr().out
    assert events(AuditAction.AUDIT_PURGE)[0].detail["deleted"] == 1


def test_purge_audit_command_refuses_other_accounts():
    UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    with translation.override("en"), pytest.raises(CommandError, match="audit administrator"):
        call_command("purge_audit", "--by", "sysadmin")
    with translation.override("en"), pytest.raises(CommandError, match="No active user"):
        call_command("purge_audit", "--by", "nobody")
