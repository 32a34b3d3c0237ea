"""Each audited account event leaves its row, with the user, the address and the result."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from portal.audits.addresses import client_ip
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.middleware import DownloadAuditMiddleware
from portal.audits.models import AuditEvent
from portal.core.choices import Confidentiality
from portal.org.choices import Role
from tests.factories import PASSWORD, UnitFactory, UserFactory
from tests.portal.audits.conftest import events

pytestmark = pytest.mark.django_db

ADDRESS = "10.20.30.40"


def sign_in(client, username, password=PASSWORD, **headers):
    data = {"username": username, "password": password}
    return client.post("/accounts/login/", data, REMOTE_ADDR=ADDRESS, **headers)


@pytest.fixture
def officer():
    return UserFactory(username="officer", role=Role.UNIT_OFFICER)


def as_request_of(actor, change):
    """Run ``change`` as a view runs: inside the audit middleware, signed in as ``actor``."""
    request = RequestFactory().post("/admin/org/user/1/change/", REMOTE_ADDR=ADDRESS)
    request.user = actor

    def view(request):
        change()
        return HttpResponse()

    DownloadAuditMiddleware(view)(request)


# -- sign-in and sign-out -------------------------------------------------------------------------


def test_a_sign_in_records_user_address_and_success(client, officer):
    assert sign_in(client, "officer").status_code == 302
    (event,) = events(AuditAction.LOGIN)
    assert (event.user_id, event.username) == (officer.pk, "officer")
    assert (event.source_ip, event.result) == (ADDRESS, AuditResult.SUCCESS)
    assert event.request_id  # the request id the logs and the response carry


@pytest.mark.parametrize("username", ["officer", "nobody-here"])
def test_a_failed_sign_in_records_the_name_typed_and_nothing_else(client, officer, username):
    sign_in(client, username, "Wrong-Password-1")
    (event,) = events(AuditAction.LOGIN_FAILED)
    assert (event.username, event.user_id) == (username, None)
    assert (event.source_ip, event.result) == (ADDRESS, AuditResult.FAILURE)
    assert "Wrong-Password-1" not in str(event.detail) + event.target


def test_a_lockout_is_recorded_as_denied(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "officer", "Wrong-Password-1")
    (event,) = events(AuditAction.LOCKED_OUT)
    assert (event.username, event.source_ip, event.result) == (
        "officer",
        ADDRESS,
        AuditResult.DENIED,
    )
    sign_in(client, "officer")  # the right password while locked: refused, and recorded again
    assert len(events(AuditAction.LOCKED_OUT)) == 2
    assert not events(AuditAction.LOGIN)


def test_a_sign_out_is_recorded(client, officer):
    sign_in(client, "officer")
    client.post("/accounts/logout/", REMOTE_ADDR=ADDRESS)
    (event,) = events(AuditAction.LOGOUT)
    assert (event.user_id, event.source_ip, event.result) == (
        officer.pk,
        ADDRESS,
        AuditResult.SUCCESS,
    )


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(client, officer, settings):
    settings.TIANFU_TRUSTED_PROXIES = ["10.0.0.0/8"]
    sign_in(client, "officer", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.9.9.9")
    assert events(AuditAction.LOGIN)[0].source_ip == "203.0.113.7"
    settings.TIANFU_TRUSTED_PROXIES = []
    sign_in(client, "officer", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert events(AuditAction.LOGIN)[1].source_ip == ADDRESS


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("198.51.100.1", "203.0.113.7", "198.51.100.1"),  # not a proxy of ours: header ignored
        ("10.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.1", "1.1.1.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),  # spoofed left part
        ("10.0.0.1", "garbage, 10.0.0.2", "10.0.0.2"),
        ("10.0.0.1", "", "10.0.0.1"),
        ("::ffff:10.0.0.1", "", "::ffff:a00:1"),
        ("fe80::1%eth0", "", "fe80::1"),
        ("not-an-address", "", None),
    ],
)
def test_client_address(settings, remote, forwarded, expected):
    settings.TIANFU_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# -- accounts and grants --------------------------------------------------------------------------


def test_creating_and_deleting_an_account_is_recorded(django_capture_on_commit_callbacks):
    security = UserFactory(role=Role.SECURITY_ADMIN)
    made = []
    as_request_of(security, lambda: made.append(UserFactory(username="newcomer")))
    (created,) = events(AuditAction.ACCOUNT_CREATED, target="newcomer")
    assert (created.username, created.source_ip) == (security.username, ADDRESS)
    assert created.detail["grants"]["role"] == Role.UNIT_OFFICER
    # Django deletes in a transaction of its own: the event is written once that commits.
    with django_capture_on_commit_callbacks(execute=True):
        as_request_of(security, made[0].delete)
    (deleted,) = events(AuditAction.ACCOUNT_DELETED)
    assert (deleted.target, deleted.username) == ("newcomer", security.username)


def test_a_password_change_is_recorded_without_the_hash(officer):
    as_request_of(officer, lambda: (officer.set_password("Another-Pass-2026!"), officer.save()))
    (event,) = events(AuditAction.PASSWORD_CHANGED, username="officer")
    assert (event.target, event.source_ip) == ("officer", ADDRESS)
    stored = AuditEvent.objects.filter(target="officer").values_list("detail", flat=True)
    assert not any(officer.password in str(detail) for detail in stored)
    assert not events(AuditAction.PERMISSION_CHANGED)


def test_a_change_of_role_clearance_or_unit_is_recorded_with_before_and_after(officer):
    security = UserFactory(role=Role.SECURITY_ADMIN)
    old_unit, new_unit = officer.unit, UnitFactory()

    def regrade():
        officer.role, officer.clearance = Role.PROVINCE_ADMIN, Confidentiality.SECRET
        officer.unit, officer.is_staff = new_unit, False
        officer.save()

    as_request_of(security, regrade)
    (event,) = events(AuditAction.PERMISSION_CHANGED)
    assert (event.target, event.username, event.source_ip) == (
        "officer",
        security.username,
        ADDRESS,
    )
    assert event.detail["changes"] == {
        "role": [Role.UNIT_OFFICER, Role.PROVINCE_ADMIN],
        "clearance": [Confidentiality.INTERNAL, Confidentiality.SECRET],
        "unit_id": [old_unit.pk, new_unit.pk],
        "is_staff": [True, False],
    }


def test_saves_that_change_no_grant_record_nothing(officer):
    before = AuditEvent.objects.count()
    officer.first_name = "张"
    officer.save()
    officer.save(update_fields=["last_login"])
    assert AuditEvent.objects.count() == before


def test_groups_and_permissions_from_either_side_are_recorded(
    officer, django_capture_on_commit_callbacks
):
    group = Group.objects.create(name="盘点组")
    permission = Permission.objects.get(codename="view_asset")
    with django_capture_on_commit_callbacks(execute=True):  # m2m writes run in a transaction
        officer.groups.add(group)
        group.user_set.remove(officer)
        officer.user_permissions.add(permission)
        officer.user_permissions.clear()
    changes = [e.detail["changes"] for e in events(AuditAction.PERMISSION_CHANGED)]
    assert changes == [
        {"groups": {"added": ["盘点组"]}},
        {"groups": {"removed": ["盘点组"]}},
        {"user_permissions": {"added": [str(permission)]}},
        {"user_permissions": {"cleared": [str(permission)]}},
    ]
    assert {e.target for e in events(AuditAction.PERMISSION_CHANGED)} == {"officer"}


def test_api_tokens_issued_and_revoked_are_recorded_without_the_key(
    officer, django_capture_on_commit_callbacks
):
    token = Token.objects.create(user=officer)
    key = token.key
    with django_capture_on_commit_callbacks(execute=True):  # a delete runs in a transaction
        token.delete()
    issued, revoked = events(AuditAction.TOKEN_ISSUED), events(AuditAction.TOKEN_REVOKED)
    assert [e.target for e in issued + revoked] == ["officer", "officer"]
    assert not AuditEvent.objects.filter(detail__icontains=key).exists()
    assert not AuditEvent.objects.filter(target__contains=key).exists()


def test_a_change_inside_a_transaction_is_recorded_when_it_commits(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        officer.role = Role.VIEWER
        officer.save()
        assert not events(AuditAction.PERMISSION_CHANGED)  # not before the commit
    assert len(events(AuditAction.PERMISSION_CHANGED)) == 1


def test_a_change_rolled_back_is_not_recorded(officer, django_capture_on_commit_callbacks):
    def change_then_fail():
        with transaction.atomic():
            officer.role = Role.VIEWER
            officer.save()
            raise RuntimeError("the change fails after the save")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        change_then_fail()
    assert not callbacks
    assert not events(AuditAction.PERMISSION_CHANGED)
