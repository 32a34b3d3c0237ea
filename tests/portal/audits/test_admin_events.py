"""Security administration and classified reads that other channels did not record: the second
factor, unlocks, refused looks at the audit, renamed accounts, lists and admin change pages,
and the audit's own commands."""

import datetime as dt
import logging
import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import services as accounts
from portal.audits import services
from portal.audits.choices import AuditAction, AuditResult
from portal.core.choices import Confidentiality
from portal.org.choices import Role
from tests.factories import BuildingFactory, UnitFactory, UserFactory
from tests.portal.audits.conftest import append_aged, events, make_audit_admin

pytestmark = pytest.mark.django_db

ADDRESS = "10.20.30.40"


def code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or ``steps_ahead`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def security_admin():
    return UserFactory(username="secadmin", role=Role.SECURITY_ADMIN, is_staff=True)


@pytest.fixture
def officer():
    return UserFactory(username="officer", role=Role.UNIT_OFFICER)


# -- second factor --------------------------------------------------------------------------------


def test_enrolment_is_recorded_once_the_device_is_confirmed(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        device = accounts.start_enrolment(officer)
    assert not events(AuditAction.OTP_ENROLLED)  # an enrolment begun is not one done
    with django_capture_on_commit_callbacks(execute=True):
        accounts.confirm_enrolment(officer, code(device))
    (event,) = events(AuditAction.OTP_ENROLLED)
    assert event.target == "officer"
    assert not events(AuditAction.OTP_VERIFIED)  # the enrolment's code is not a sign-in


def test_a_second_factor_accepted_at_sign_in_is_recorded(
    client, officer, django_capture_on_commit_callbacks
):
    device = TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    client.force_login(officer)  # the password step passed; the code is still asked
    url = reverse("accounts:otp_verify")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"code": code(device)}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    (event,) = events(AuditAction.OTP_VERIFIED)
    assert (event.user_id, event.target, event.source_ip) == (officer.pk, "officer", ADDRESS)
    assert event.result == AuditResult.SUCCESS


def test_a_second_factor_reset_names_the_account_and_the_administrator(
    officer, security_admin, django_capture_on_commit_callbacks
):
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.reset_second_factor(officer, by=security_admin)
    (event,) = events(AuditAction.OTP_REMOVED)
    assert event.target == "officer"


def test_a_reset_from_the_admin_list_is_recorded(
    client, officer, security_admin, django_capture_on_commit_callbacks
):
    device = TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    client.force_login(security_admin)
    url = reverse("admin:otp_totp_totpdevice_changelist")
    data = {"action": "reset_second_factor", "_selected_action": [device.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    (event,) = events(AuditAction.OTP_REMOVED)
    assert (event.user_id, event.target, event.source_ip) == (security_admin.pk, "officer", ADDRESS)


# -- unlocks --------------------------------------------------------------------------------------


def failures(username: str, *, minutes_ago: float = 0) -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address=ADDRESS,
        user_agent="test",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    when = timezone.now() - dt.timedelta(minutes=minutes_ago)  # the field is auto_now_add
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)
    attempt.refresh_from_db()
    return attempt


def test_an_unlock_on_the_admin_page_is_recorded(
    client, security_admin, django_capture_on_commit_callbacks
):
    attempt = failures("officer")
    client.force_login(security_admin)
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"post": "yes"}).status_code == 302
    (event,) = events(AuditAction.UNLOCKED)
    assert (event.user_id, event.target) == (security_admin.pk, "officer")
    assert event.detail == {"record": "accessattempt", "ip_address": ADDRESS, "failures": 5}


def test_the_axes_reset_commands_are_recorded(django_capture_on_commit_callbacks):
    failures("officer")
    AccessFailureLog.objects.create(username="officer", ip_address=ADDRESS, user_agent="t")
    with django_capture_on_commit_callbacks(execute=True):  # a deletion is a transaction
        call_command("axes_reset_username", "officer")
        call_command("axes_reset_failure_logs", "--age", "0")
    (attempt, log) = events(AuditAction.UNLOCKED)
    assert (attempt.target, attempt.detail["record"]) == ("officer", "accessattempt")
    assert (log.target, log.detail["record"]) == ("officer", "accessfailurelog")


def test_axes_removing_expired_failures_is_not_an_unlock(
    settings, django_capture_on_commit_callbacks
):
    expired = failures("officer", minutes_ago=settings.TIANFU_LOGIN_LOCKOUT_MINUTES + 1)
    failures("other")
    with django_capture_on_commit_callbacks(execute=True):
        AccessAttempt.objects.filter(pk=expired.pk).delete()
    assert not events(AuditAction.UNLOCKED)
    with django_capture_on_commit_callbacks(execute=True):
        AccessAttempt.objects.all().delete()
    (event,) = events(AuditAction.UNLOCKED)  # the one still counting
    assert event.target == "other"


# -- the audit's own doors ------------------------------------------------------------------------


def test_a_refused_look_at_the_audit_is_recorded(client, security_admin):
    client.force_login(security_admin)
    assert client.get("/audit/", REMOTE_ADDR=ADDRESS).status_code == 403
    (event,) = events(AuditAction.AUDIT_ACCESS)
    assert (event.user_id, event.result, event.target) == (
        security_admin.pk,
        AuditResult.DENIED,
        "/audit/",
    )


def test_the_audit_administrator_reading_is_not_a_refusal(client):
    client.force_login(make_audit_admin())
    assert client.get("/audit/").status_code == 200
    assert not events(AuditAction.AUDIT_ACCESS)


def test_the_commands_say_they_ran_on_the_server_and_as_whom(capsys):
    import getpass

    append_aged(400)
    make_audit_admin()
    call_command("purge_audit", "--by", "audit-admin")
    call_command("verify_audit")
    channel = {"channel": "command", "os_user": getpass.getuser()}
    (purge,) = events(AuditAction.AUDIT_PURGE)
    (verify,) = events(AuditAction.AUDIT_VERIFY)
    assert purge.detail.items() >= channel.items()
    assert verify.detail == {"broken_at": None, **channel}
    assert verify.result == AuditResult.SUCCESS


def test_a_refused_command_purge_also_names_the_channel():
    UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    with pytest.raises(CommandError):
        call_command("purge_audit", "--by", "sysadmin")
    (event,) = events(AuditAction.AUDIT_PURGE)
    assert (event.result, event.detail["channel"]) == (AuditResult.DENIED, "command")


# -- renamed accounts -----------------------------------------------------------------------------


def test_a_renamed_account_is_a_recorded_change(officer):
    officer.username = "officer-2"
    officer.save()
    (event,) = events(AuditAction.PERMISSION_CHANGED)
    assert event.target == "officer-2"
    assert event.detail == {"changes": {"username": ["officer", "officer-2"]}}


# -- classified records in lists and on admin pages -----------------------------------------------


@pytest.fixture
def holder():
    return UnitFactory()


@pytest.fixture
def cleared(holder):
    return UserFactory(
        role=Role.PROVINCE_ADMIN,
        clearance=Confidentiality.CONFIDENTIAL,  # the highest level: sees secret records too
        unit=holder,
        is_staff=True,
    )


def test_a_list_naming_classified_records_is_one_event(client, cleared, holder):
    secret = BuildingFactory(managing_unit=holder, confidentiality=Confidentiality.SECRET)
    confidential = BuildingFactory(
        managing_unit=holder, confidentiality=Confidentiality.CONFIDENTIAL
    )
    BuildingFactory(managing_unit=holder)  # internal: not named
    client.force_login(cleared)
    assert client.get("/api/buildings/", REMOTE_ADDR=ADDRESS).status_code == 200
    (event,) = events(AuditAction.CONFIDENTIAL_VIEW)
    assert (event.user_id, event.source_ip) == (cleared.pk, ADDRESS)
    assert event.detail == {
        "model": "buildings.Building",
        "pks": [secret.pk, confidential.pk],
        "channel": "api_list",
    }


def test_a_list_names_only_the_page_returned(client, cleared, holder):
    first = BuildingFactory(managing_unit=holder, confidentiality=Confidentiality.SECRET)
    BuildingFactory(managing_unit=holder, confidentiality=Confidentiality.SECRET)
    client.force_login(cleared)
    assert client.get("/api/buildings/", {"limit": 1}).status_code == 200
    (event,) = events(AuditAction.CONFIDENTIAL_VIEW)
    assert event.detail["pks"] == [first.pk]


def test_a_plain_json_list_is_recorded_too(client, cleared, holder):
    from tests.factories import AssetFactory, CategoryFactory

    CategoryFactory(code="2010100")
    secret = AssetFactory(holder=holder, confidentiality=Confidentiality.SECRET)
    client.force_login(cleared)
    assert client.get("/api/assets/").status_code == 200
    (event,) = events(AuditAction.CONFIDENTIAL_VIEW)
    assert event.detail["pks"] == [secret.pk]


def list_queries(client, user) -> int:
    client.force_login(user)
    client.get("/api/buildings/")  # warm: session, content types
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/buildings/").status_code == 200
    return len(captured.captured_queries)


def test_only_users_cleared_above_internal_pay_a_query_for_the_audit(client, cleared, holder):
    BuildingFactory(managing_unit=holder)  # internal: nothing to record for anyone
    uncleared = UserFactory(role=Role.PROVINCE_ADMIN, unit=holder)
    plain = list_queries(client, uncleared)
    assert list_queries(client, cleared) == plain + 1
    assert not events(AuditAction.CONFIDENTIAL_VIEW)


def test_an_admin_change_page_of_a_secret_record_is_recorded(
    client, cleared, holder, django_capture_on_commit_callbacks
):
    secret = BuildingFactory(managing_unit=holder, confidentiality=Confidentiality.SECRET)
    internal = BuildingFactory(managing_unit=holder)
    client.force_login(cleared)
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("admin:buildings_building_change", args=[internal.pk])
        assert client.get(url).status_code == 200
        url = reverse("admin:buildings_building_change", args=[secret.pk])
        assert client.get(url, REMOTE_ADDR=ADDRESS).status_code == 200
    (event,) = events(AuditAction.CONFIDENTIAL_VIEW)
    assert (event.user_id, event.target) == (cleared.pk, f"buildings.Building {secret.pk}")
    assert event.detail["channel"] == "admin"


# -- a success whose append fails after its commit ------------------------------------------------


def test_a_lost_success_event_is_logged_with_its_action(
    settings, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.ERROR, logger="portal.audits.services"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        services.record_event(AuditAction.TOKEN_ISSUED, target="officer")
        settings.TIANFU_CRYPTO_SUITE = "none-such"  # the tag cannot be computed at commit
    assert not events(AuditAction.TOKEN_ISSUED)
    (logged,) = [r for r in caplog.records if r.name == "portal.audits.services"]
    assert "token_issued" in logged.getMessage()
    assert "NOT recorded" in logged.getMessage()
