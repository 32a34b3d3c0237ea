"""Session and token sign-in, anonymous refusal, the OpenAPI schema and its offline docs page,
and who may issue API tokens."""

import re

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from portal.org.choices import Role
from tests.factories import AssetFactory, UserFactory
from tests.portal.api.cases import ids

pytestmark = pytest.mark.django_db

ROUTES = [
    "/api/units/",
    "/api/buildings/",
    "/api/occupancies/",
    "/api/parcels/",
    "/api/assets/",
    "/api/depots/",
    "/api/stock-items/",
    "/api/vehicles/",
    "/api/divisions/",
    "/api/cooperation-regions/",
    "/api/asset-categories/",
    "/api/supply-categories/",
    "/api/space-standards/",
    "/api/schema/",
    "/api/docs/",
]
LOADS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", re.I)


@pytest.mark.parametrize("url", ROUTES)
def test_anonymous_gets_401(api, url):
    response = api.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_authentication(api, units):
    user = UserFactory(role=Role.UNIT_OFFICER, unit=units["jinjiang"])
    own = AssetFactory(holder=units["jinjiang"])
    AssetFactory(holder=units["fucheng"])
    token = Token.objects.create(user=user)
    response = api.get("/api/assets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert ids(response) == {own.pk}
    assert api.get("/api/assets/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_inactive_accounts_token_is_refused(api, units):
    user = UserFactory(role=Role.PROVINCE_ADMIN, unit=units["jinjiang"], is_active=False)
    token = Token.objects.create(user=user)
    assert api.get("/api/assets/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    # --fail-on-warn raises on any warning; --validate checks against the OpenAPI 3 schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    schema = (tmp_path / "s.yml").read_text()
    assert "openapi: 3" in schema
    assert "/api/assets/{id}/:" in schema


def test_schema_endpoint(api, login):
    login()
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "/api/divisions/{code}/" in response.json()["paths"]


def test_docs_page_loads_nothing_from_another_host(api, login):
    login()
    response = api.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    loads = LOADS.findall(page)
    assert len(loads) >= 4  # stylesheet, favicon, two bundles, the start-up script
    for url in loads:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        assert api.get(url).status_code == 200, url
    assert "<script>" not in page  # no inline script: the start-up code is a file


def test_only_the_security_admin_issues_tokens(client, units):
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=units["jinjiang"])
    security = UserFactory(role=Role.SECURITY_ADMIN, unit=units["jinjiang"])
    province = UserFactory(role=Role.PROVINCE_ADMIN, unit=units["jinjiang"])
    client.force_login(province)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 403
    client.force_login(security)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 200
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": officer.pk}, follow=True)
    assert response.status_code == 200
    token = Token.objects.get(user=officer)
    assert token.key in response.content.decode()  # shown once, to hand over
    assert token.key not in client.get("/admin/authtoken/tokenproxy/").content.decode()
    own = client.post("/admin/authtoken/tokenproxy/add/", {"user": security.pk})
    assert own.status_code == 200  # the form refuses: no token for one's own account
    assert not Token.objects.filter(user=security).exists()
