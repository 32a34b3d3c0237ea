"""Lockout after repeated failures (django-axes, by user name and client address): the same
answer whether the account exists or not, a page that only says when to retry, API tokens
unaffected."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_login_failed
from django.core import checks
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.portal.accounts.helpers import sign_in

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def fail(client, username: str, times: int) -> list[int]:
    """Sign in with a wrong password ``times`` times; the answers' status codes."""
    return [sign_in(client, username, "Wrong-Password-1").status_code for _ in range(times)]


def test_five_failures_lock_the_user_name_even_with_the_right_password(client, officer, settings):
    assert settings.TIANFU_LOGIN_FAILURE_LIMIT == 5
    # The form again with its error four times; the fifth failure already gets the lockout.
    assert fail(client, "officer", 5) == [200, 200, 200, 200, 429]
    response = sign_in(client, "officer", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Sign-in is paused after too many failed attempts. Try again after" in page
    assert "officer" not in page


def test_four_failures_do_not_lock(client, officer):
    assert fail(client, "officer", 4) == [200] * 4
    response = sign_in(client, "officer")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_an_unknown_user_name_is_locked_alike(client, officer):
    answers = {}
    for username in ("officer", "nobody-here"):
        for _ in range(5):
            sign_in(client, username, "Wrong-Password-1")
        response = sign_in(client, username, PASSWORD)
        body = CSRF.sub("", response.content.decode())
        answers[username] = (response.status_code, body.replace(username, "NAME"))
    assert answers["officer"] == answers["nobody-here"]
    assert answers["officer"][0] == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {
        "officer",
        "nobody-here",
    }


def test_the_lockout_page_says_when_to_retry_and_runs_no_script(client, officer, settings):
    settings.TIANFU_LOGIN_LOCKOUT_MINUTES = 45
    fail(client, "officer", 5)
    before = timezone.localtime()
    page = sign_in(client, "officer", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    retry = re.search(r"Try again after (\d{4}-\d\d-\d\d \d\d:\d\d)", page).group(1)
    expected = {
        (before + timedelta(minutes=45 + extra)).strftime("%Y-%m-%d %H:%M") for extra in (0, 1)
    }
    assert retry in expected
    assert "<script" not in page
    assert " style=" not in page


def test_the_lock_lifts_after_the_cool_off(client, officer, settings):
    fail(client, "officer", 5)
    assert sign_in(client, "officer").status_code == 429
    # As if the cool-off had passed since the last failure.
    past = timezone.now() - timedelta(minutes=settings.TIANFU_LOGIN_LOCKOUT_MINUTES + 1)
    AccessAttempt.objects.update(attempt_time=past)
    assert sign_in(client, "officer").status_code == 302


def test_a_lock_on_one_name_leaves_others_and_api_tokens_alone(client, officer):
    token = Token.objects.create(user=officer)
    fail(client, "officer", 6)
    other = UserFactory(username="colleague")
    assert sign_in(client, other.username).status_code == 302
    api = APIClient()
    assert api.get("/api/assets/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200


def test_failures_are_signalled_for_the_audit(client, officer):
    heard = []

    def listen(sender, credentials, request=None, **kwargs):
        heard.append(credentials.get("username"))

    user_login_failed.connect(listen)
    try:
        fail(client, "nobody-here", 1)
    finally:
        user_login_failed.disconnect(listen)
    assert heard == ["nobody-here"]


def test_the_security_administrator_lifts_a_lock(client, officer):
    fail(client, "officer", 5)
    security = UserFactory(role="security_admin")
    admin_client = type(client)()
    admin_client.force_login(security)
    attempt = AccessAttempt.objects.get(username="officer")
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert sign_in(client, "officer").status_code == 302


def test_other_roles_cannot_see_or_lift_locks(client, officer):
    fail(client, "officer", 5)
    client.force_login(UserFactory(role="system_admin"))
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    attempt = AccessAttempt.objects.get(username="officer")
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


# -- locked by user name and client address together (review finding: lockout as denial of service)


def test_a_lock_from_one_address_leaves_the_owner_signing_in_from_another(client, officer):
    attacker = {"REMOTE_ADDR": "203.0.113.5"}
    codes = [
        sign_in(client, "officer", "Wrong-Password-1", **attacker).status_code for _ in "12345"
    ]
    assert codes[-1] == 429
    assert sign_in(client, "officer", PASSWORD, **attacker).status_code == 429
    assert sign_in(client, "officer", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_the_lock_reads_the_address_as_the_audit_does(client, officer, settings):
    settings.TIANFU_TRUSTED_PROXIES = ["10.0.0.1"]
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(5):
        sign_in(
            client, "officer", "Wrong-Password-1", HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    owner = sign_in(client, "officer", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **via_proxy)
    assert owner.status_code == 302
    # From an untrusted peer the header is ignored: a forged address escapes no lock.
    for _ in range(5):
        sign_in(client, "officer", "Wrong-Password-1", REMOTE_ADDR="203.0.113.9")
    forged = sign_in(
        client, "officer", PASSWORD, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert forged.status_code == 429


def test_typed_passwords_codes_and_csrf_tokens_are_not_stored(client, officer):
    typed = {
        "username": "officer",
        "password": "Typed-Secret-77",
        "code": "482913",
        "otp_token": "582914",
        "csrfmiddlewaretoken": "Csrf0123456789Token",
    }
    client.post("/accounts/login/", typed)
    stored = AccessAttempt.objects.get(username="officer")
    kept = f"{stored.post_data} {stored.get_data}"
    for name in ("password", "code", "otp_token", "csrfmiddlewaretoken"):
        assert typed[name] not in kept, name


def test_the_axes_address_warning_is_not_silenced(settings):
    assert "axes.W006" not in settings.SILENCED_SYSTEM_CHECKS
    assert not [m for m in checks.run_checks() if m.id == "axes.W006"]
