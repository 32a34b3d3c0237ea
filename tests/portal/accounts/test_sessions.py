"""Idle sessions end after TIANFU_SESSION_IDLE_SECONDS; cookies are HttpOnly and SameSite, and
Secure behind HTTPS (TIANFU_HTTPS)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.portal.accounts.helpers import settings_under, sign_in

pytestmark = pytest.mark.django_db

COOKIES = (
    "SESSION_COOKIE_AGE",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
)


def test_the_idle_timeout_and_the_secure_flag_follow_the_environment():
    plain = settings_under(COOKIES, TIANFU_SESSION_IDLE_SECONDS="600", TIANFU_HTTPS="false")
    assert plain["SESSION_COOKIE_AGE"] == 600
    assert plain["SESSION_SAVE_EVERY_REQUEST"] is True  # the age counts from the last request
    assert plain["SESSION_COOKIE_HTTPONLY"] is True
    assert plain["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert plain["SESSION_COOKIE_SECURE"] is None
    secure = settings_under(COOKIES, TIANFU_HTTPS="true")
    assert secure["SESSION_COOKIE_SECURE"] is True
    assert secure["CSRF_COOKIE_SECURE"] is True


def stored(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_request_pushes_the_end_of_the_session_back(client, officer):
    sign_in(client, "officer")
    Session.objects.filter(pk=stored(client).pk).update(
        expire_date=timezone.now() + timedelta(seconds=5)
    )
    assert client.get(reverse("core:home")).status_code == 200
    left = stored(client).expire_date - timezone.now()
    assert left > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_a_session_idle_longer_than_the_timeout_is_signed_out(client, officer):
    sign_in(client, "officer")
    assert client.get(reverse("core:home")).status_code == 200
    # The last request was TIANFU_SESSION_IDLE_SECONDS + 1 seconds ago.
    Session.objects.filter(pk=stored(client).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_cookies_are_http_only_and_same_site(client, officer, settings):
    response = sign_in(client, "officer")
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["max-age"] == settings.SESSION_COOKIE_AGE
    assert not session["secure"]
    # Signing in rotates the CSRF token, so its cookie comes with the same answer.
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["samesite"] == "Lax"
    assert not csrf["httponly"]  # Django's default: the token is not a credential by itself


def test_cookies_are_secure_behind_https(client, officer, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = sign_in(client, "officer", secure=True)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["secure"] is True
    assert response.cookies[settings.CSRF_COOKIE_NAME]["secure"] is True
