import datetime as dt

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-Battery-9"


@pytest.fixture
def officer():
    return UserFactory(username="officer", password=PASSWORD)


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()
    assert "天府图集" in response.content.decode()


def test_home_needs_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_then_home_shows_postgis(client, officer):
    response = client.post(
        reverse("login"), {"username": "officer", "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert "欢迎，officer" in page
    assert "PostGIS" in page
    assert "EPSG:4490" in page


def test_wrong_password_is_refused_without_detail(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "nope"})
    assert unknown.content.decode().count("用户名或密码不正确") == 1


def test_english_can_be_selected(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("core:home")}, follow=True
    )
    assert "Welcome, officer" in response.content.decode()
    assert response["Content-Language"] == "en"


def test_health_reports_database(client):
    response = client.get(reverse("core:health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")


def test_request_id_is_echoed_or_made(client):
    made = client.get(reverse("login"))
    assert len(made["X-Request-ID"]) == 32
    kept = client.get(reverse("login"), headers={"X-Request-ID": "proxy-1234abcd"})
    assert kept["X-Request-ID"] == "proxy-1234abcd"
    forged = client.get(reverse("login"), headers={"X-Request-ID": "bad id\nINFO forged"})
    assert forged["X-Request-ID"] != "bad id\nINFO forged"


@pytest.mark.parametrize("text", ["2024年3月5日", "2024-03-05", "2024/3/5"])
def test_chinese_date_input_parses(text):
    class Form(forms.Form):
        day = forms.DateField()

    with translation.override("zh-hans"):
        form = Form({"day": text})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2024, 3, 5)
