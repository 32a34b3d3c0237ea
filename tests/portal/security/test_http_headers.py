"""Security headers on every kind of response (a page, the API, a static file, the login page,
an error), the Content Security Policy's content and switches, and ``manage.py check --deploy``
clean for the production settings, run as production runs them: in a process of their own."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client

from portal.core.csp import tile_origins
from portal.org.choices import Role
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]
HOST = "atlas.example.gov.cn"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
TIANDITU = {
    "name": "tianditu-vec",
    "url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
    "labels_url": "https://t{s}.tianditu.gov.cn/cva_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
    "subdomains": "01234567",
    "attribution": "天地图",
}
INTRANET = {
    "name": "intranet",
    "url": "http://tiles.gov.local:8080/{z}/{x}/{y}.png",
    "attribution": "x",
}


def policy_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.fixture
def signed_in(db) -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.PROVINCE_ADMIN))
    return client


@pytest.mark.parametrize(
    ("what", "path"),
    [
        ("page", "/"),
        ("API response", "/api/units/"),
        ("static file", "/static/core/css/site.css"),
        ("login page", "/accounts/login/"),
        ("error page", "/no-such-page/"),
    ],
)
def test_every_kind_of_response_carries_the_headers(signed_in, what, path):
    client = Client() if what == "login page" else signed_in
    response = client.get(path)
    assert response.status_code == (404 if what == "error page" else 200), what
    assert policy_of(response) == POLICY
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    if what != "static file":  # WhiteNoise answers before the clickjacking middleware:
        assert response["X-Frame-Options"] == "DENY"  # frame-ancestors covers it


def test_tile_hosts_are_expanded_per_subdomain_and_paths_need_nothing():
    origins = tile_origins([TIANDITU, INTRANET, {"name": "own", "url": "/tiles/{z}/{x}/{y}.png"}])
    assert origins == [
        *(f"https://t{n}.tianditu.gov.cn" for n in range(8)),
        "http://tiles.gov.local:8080",
    ]
    assert tile_origins([{"url": "https://{s}.tile.example/{z}/{x}/{y}.png"}]) == [
        f"https://{s}.tile.example"
        for s in "abc"  # Leaflet's default subdomains
    ]
    assert tile_origins("not a list") == []


def settings_in_a_process(**env: str) -> dict[str, object]:
    """The CSP settings as a fresh process computes them from ``env`` (TIANFU_MODE=test)."""
    code = (
        "import json; from portal import settings as s; print(json.dumps("
        "[s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "TIANFU_MODE": "test", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    enforced, report_only = json.loads(done.stdout)
    return {"enforced": enforced, "report_only": report_only}


def test_basemap_hosts_join_img_src_and_the_switch_only_reports():
    found = settings_in_a_process(TIANFU_BASEMAPS=json.dumps([TIANDITU, INTRANET]))
    img_src = found["enforced"]["DIRECTIVES"]["img-src"]  # type: ignore[index]
    assert img_src[:3] == ["'self'", "data:", "blob:"]
    assert "https://t7.tianditu.gov.cn" in img_src
    assert "http://tiles.gov.local:8080" in img_src
    assert found["report_only"] is None
    switched = settings_in_a_process(TIANFU_CSP_REPORT_ONLY="true")
    assert switched["enforced"] is None
    assert switched["report_only"]["DIRECTIVES"]["frame-ancestors"] == ["'none'"]  # type: ignore[index]


def test_uploads_may_not_live_among_static_files_or_code(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env={
            **os.environ,
            "TIANFU_MODE": "test",
            "TIANFU_STATIC_ROOT": str(tmp_path / "static"),
            "TIANFU_MEDIA_ROOT": str(tmp_path / "static" / "media"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "TIANFU_MEDIA_ROOT" in done.stderr
    assert "must lie outside" in done.stderr


def production(*args: str) -> subprocess.CompletedProcess[str]:
    """``manage.py`` with the production settings against the test database."""
    db = connection.settings_dict
    url = (
        f"postgresql://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT']}"
        f"/{quote(db['NAME'])}"
    )
    # Nothing of the test run's own: its TIANFU_* settings, and the browser tests' async switch
    # (which the deploy check rightly refuses).
    left_out = ("TIANFU_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(left_out)}
    env.update(
        TIANFU_MODE="production",
        TIANFU_HTTPS="true",
        TIANFU_SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        TIANFU_ALLOWED_HOSTS=HOST,
        DATABASE_URL=url,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_check_deploy_is_clean_for_the_production_settings():
    # A site in production has its three administrators (org.W002 says so otherwise), each a
    # separate account, and no superuser (org.W001).
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        UserFactory(role=role)
    done = production("check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


PROBE = f"""
import json
from django.test import Client
client = Client(HTTP_HOST="{HOST}")
plain = client.get("/api/units/")
secure = client.get("/api/units/", secure=True)
print(json.dumps({{"plain": [plain.status_code, plain.get("Location")],
                   "secure": [secure.status_code, dict(secure.headers)]}}))
"""


@pytest.mark.django_db
def test_production_redirects_to_https_and_sends_hsts():
    done = production("shell", "-c", PROBE)
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers["plain"] == [301, f"https://{HOST}/api/units/"]
    status, headers = answers["secure"]
    assert status == 401  # no credentials: the API says so, with its headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_favicon_redirect_is_resolved_when_asked(db, client):
    # Resolved lazily: with the production storage the URL conf imports before collectstatic
    # (the deploy check above runs without a manifest).
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/core/img/favicon.svg")
