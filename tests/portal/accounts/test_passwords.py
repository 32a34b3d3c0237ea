"""Password policy: length and character classes, history of hashes, forced change (set by an
administrator, or expired) on every page, with API requests answered in JSON."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.accounts.models import PasswordHistory
from portal.accounts.validators import character_classes
from portal.demo.generators.accounts import PASSWORD as DEMO_PASSWORD
from portal.demo.generators.accounts import PROVINCE_OFFICES, ensure_accounts
from portal.org.models import User
from tests.factories import PASSWORD, UnitFactory, UserFactory
from tests.portal.accounts.helpers import sign_in

pytestmark = pytest.mark.django_db

NEW = "Another-Secret-2026"


def refusal(password, user=None) -> list[str]:
    with translation.override("en"):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return exc.messages
    return []


@pytest.mark.parametrize(
    ("password", "classes"),
    [
        ("abcdefghijkl", 1),
        ("abcdefABCDEF", 2),
        ("abcdef123456", 2),
        ("abcDEF123456", 3),
        ("abc-DEF-1234", 4),
        ("成都-锦江-abcd", 2),
        ("成都锦江ABCD1234", 3),
    ],
)
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


def test_a_password_needs_twelve_characters_and_three_classes():
    assert any("at least 12 characters" in m for m in refusal("Ab1-short"))
    assert any("at least 3 of" in m for m in refusal("onlylowercaseletters"))
    assert any("at least 3 of" in m for m in refusal("lowercase123456"))
    assert refusal("Lowercase123456") == []
    assert refusal("lowercase-123456") == []


def test_setting_a_password_records_its_hash_and_date(officer):
    before = timezone.now()
    officer.set_password(NEW)
    officer.save(update_fields=["password"])
    officer.refresh_from_db()
    assert officer.password_changed_at >= before
    stored = list(PasswordHistory.objects.filter(user=officer).values_list("password", flat=True))
    assert stored[0] == officer.password
    assert all(NEW not in value and PASSWORD not in value for value in stored)


def test_the_last_passwords_are_refused(officer, settings):
    settings.TIANFU_PASSWORD_HISTORY = 3
    passwords = [f"Rotation-Pass-{n}-2026" for n in range(4)]
    for password in passwords:
        officer.set_password(password)
        officer.save()
    assert PasswordHistory.objects.filter(user=officer).count() == 3
    assert refusal(passwords[0], officer) == []  # four changes ago: forgotten
    for password in passwords[1:]:
        assert refusal(password, officer) == [
            "Your password must differ from your last 3 passwords."
        ]


def test_the_current_password_is_refused_without_history(officer):
    PasswordHistory.objects.filter(user=officer).delete()
    assert "Your password must differ from your last 5 passwords." in refusal(PASSWORD, officer)


def test_history_zero_turns_the_check_off(officer, settings):
    settings.TIANFU_PASSWORD_HISTORY = 0
    assert refusal(PASSWORD, officer) == []


def test_a_hash_upgrade_at_sign_in_is_not_a_change(client, officer, settings):
    # The factory hashed with MD5; PBKDF2 first makes Django re-hash at the next sign-in.
    settings.PASSWORD_HASHERS = list(reversed(settings.PASSWORD_HASHERS))
    long_ago = timezone.now() - timedelta(days=30)
    User.objects.filter(pk=officer.pk).update(password_changed_at=long_ago)
    sign_in(client, "officer")
    officer.refresh_from_db()
    assert officer.password.startswith("pbkdf2_")
    assert officer.password_changed_at == long_ago


def test_a_forced_change_comes_before_any_page(client):
    user = UserFactory(username="newcomer", must_change_password=True)
    response = sign_in(client, "newcomer", next="/map/")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 302
    assert page["Location"] == f"{reverse('accounts:password_change')}?next=%2Fmap%2F"
    for path in (reverse("core:home"), reverse("admin:index"), reverse("accounts:otp_setup")):
        assert client.get(path)["Location"].startswith(reverse("accounts:password_change"))
    assert client.get(reverse("core:health")).status_code == 200
    changed = client.post(
        f"{reverse('accounts:password_change')}?next=/map/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW, "next": "/map/"},
    )
    assert changed["Location"] == "/map/"
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW)
    assert client.get(reverse("core:home")).status_code == 200


def test_the_change_page_refuses_a_weak_or_reused_password(client):
    UserFactory(username="newcomer", must_change_password=True)
    sign_in(client, "newcomer")
    url = reverse("accounts:password_change")
    for weak in ("alllowercaseletters", PASSWORD):
        data = {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak}
        response = client.post(url, data)
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode()
    assert client.get(reverse("core:home"))["Location"].startswith(url)


def test_an_expired_password_must_be_changed(client, officer, settings):
    settings.TIANFU_PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=officer.pk).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    sign_in(client, "officer")
    response = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Location"].startswith(reverse("accounts:password_change"))
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your password has expired" in page


def test_a_password_younger_than_the_age_or_with_expiry_off_is_kept(client, officer, settings):
    User.objects.filter(pk=officer.pk).update(
        password_changed_at=timezone.now() - timedelta(days=89)
    )
    client.force_login(officer)
    assert client.get(reverse("core:home")).status_code == 200
    User.objects.filter(pk=officer.pk).update(
        password_changed_at=timezone.now() - timedelta(days=900)
    )
    assert client.get(reverse("core:home")).status_code == 302
    settings.TIANFU_PASSWORD_MAX_AGE_DAYS = 0
    assert client.get(reverse("core:home")).status_code == 200


def test_an_account_without_a_date_counts_from_joining(client, officer):
    User.objects.filter(pk=officer.pk).update(
        password_changed_at=None, date_joined=timezone.now() - timedelta(days=100)
    )
    client.force_login(officer)
    assert client.get(reverse("core:home")).status_code == 302


def test_api_requests_of_a_forced_account_get_json(client):
    api = APIClient()
    user = UserFactory(role="province_admin", must_change_password=True)
    client.force_login(user)
    with translation.override("en"):
        response = client.get("/api/assets/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json() == {
        "detail": (
            "The password of this account must be changed: sign in to the portal to change it."
        ),
        "step": "password_change",
    }
    token = Token.objects.create(user=user)
    by_token = api.get("/api/assets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.status_code == 403
    assert by_token.json()["step"] == "password_change"
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    assert api.get("/api/assets/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    assert api.get("/api/assets/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_an_account_without_a_usable_password_is_not_forced(client, officer):
    officer.set_unusable_password()
    User.objects.filter(pk=officer.pk).update(password=officer.password, must_change_password=True)
    client.force_login(User.objects.get(pk=officer.pk))
    assert client.get(reverse("core:home")).status_code == 200


def test_the_admin_forms_hand_over_one_time_passwords(client):
    unit = UnitFactory()
    security = UserFactory(role="security_admin", unit=unit)
    client.force_login(security)
    added = client.post(
        reverse("admin:org_user_add"),
        {
            "username": "handed",
            "usable_password": "true",
            "password1": NEW,
            "password2": NEW,
            "unit": unit.pk,
            "role": "viewer",
            "clearance": "internal",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    handed = User.objects.get(username="handed")
    assert handed.must_change_password
    User.objects.filter(pk=handed.pk).update(must_change_password=False)
    other = "Handed-Over-2027"
    url = reverse("admin:auth_user_password_change", args=[handed.pk])
    changed = client.post(url, {"usable_password": "true", "password1": other, "password2": other})
    assert changed.status_code == 302, changed.content.decode()[:2000]
    handed.refresh_from_db()
    assert handed.must_change_password
    assert handed.check_password(other)


def test_the_admin_password_page_is_the_policy_page(client, officer):
    client.force_login(officer)
    response = client.get("/admin/password_change/")
    assert response["Location"] == reverse("accounts:password_change")


def test_demo_accounts_are_not_forced(client):
    UnitFactory(name=PROVINCE_OFFICES, synthetic=True)
    before = timezone.now()
    accounts = ensure_accounts()
    assert all(account.created for account in accounts)
    for user in User.objects.filter(username__in=[a.username for a in accounts]):
        assert not user.must_change_password
        assert user.password_changed_at >= before
    sign_in(client, "province-admin", DEMO_PASSWORD)
    assert client.get(reverse("core:home")).status_code == 200
