"""DatabaseUnavailableMiddleware in the test process: the default connection is pointed at a port
where nothing listens (a real refused connection, no stand-in), then back at the database."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from django.db import OperationalError, ProgrammingError, connection, connections
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from portal.core.middleware import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware
from tests.factories import UserFactory
from tests.pgcluster import free_port

# Transactional: the test closes the default connection, which a test transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer(client):
    user = UserFactory()
    client.force_login(user)
    return user


class Outage:
    """Points the default connection at a port where nothing listens, and back."""

    def __init__(self) -> None:
        self.port = connection.settings_dict["PORT"]

    def begin(self) -> None:
        connection.close()
        connection.settings_dict["PORT"] = str(free_port())

    def end(self) -> None:
        connection.close()
        connection.settings_dict["PORT"] = self.port


@pytest.fixture
def database_down() -> Iterator[Outage]:
    """Until the test ends it (or ends), the database refuses connections."""
    outage = Outage()
    outage.begin()
    try:
        yield outage
    finally:
        outage.end()


def test_a_page_answers_503_with_a_page_that_needs_no_database(
    client, officer, database_down, caplog
):
    url = reverse("org:unit_detail", args=[officer.unit_id])
    with caplog.at_level(logging.INFO):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    assert "The database is not reachable at the moment" in page
    assert f'<meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS}">' in page
    assert 'lang="en"' in page
    assert "core/css/site.css" in page
    assert officer.username not in page  # no user menu: the user lives in the database
    request_id = response["X-Request-ID"]
    assert request_id in page
    outage = [r for r in caplog.records if r.name == "portal.core.middleware"]
    assert len(outage) == 1
    assert outage[0].levelno == logging.WARNING
    assert outage[0].request_id == request_id
    assert "Connection refused" in outage[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    chinese = client.get(url).content.decode()  # the portal's default language
    assert 'lang="zh-hans"' in chinese
    assert "天府图集" in chinese


def test_the_api_answers_503_in_json_then_serves_again(client, officer, database_down):
    response = client.get("/api/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["detail"].startswith("The database is not reachable")
    assert body["request_id"] == response["X-Request-ID"]
    polled = client.get(
        reverse("org:unit_detail", args=[officer.unit_id]), HTTP_ACCEPT="application/json"
    )
    assert polled.status_code == 503
    assert json.loads(polled.content)["status"] == "unavailable"  # a script asking for JSON
    database_down.end()
    assert client.get("/api/units/").status_code == 200
    assert client.get(reverse("org:unit_detail", args=[officer.unit_id])).status_code == 200


def test_an_outage_met_while_the_view_runs_becomes_the_503():
    unreachable = connections.create_connection("default")
    unreachable.settings_dict = {**unreachable.settings_dict, "PORT": str(free_port())}
    with pytest.raises(OperationalError) as lost:
        unreachable.ensure_connection()
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    # Raised by a template tag, say: the database error is what it came from.
    try:
        raise RuntimeError("rendering failed") from lost.value
    except RuntimeError as exc:
        response = middleware.process_exception(RequestFactory().get("/units/1/"), exc)
    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.django_db(databases=[])
def test_a_bad_query_stays_a_server_error():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/units/1/")
    assert middleware.process_exception(request, ProgrammingError("syntax error")) is None
    assert middleware.process_exception(request, ValueError("a bug")) is None


class LosesTheDatabase:
    """A middleware after the sessions whose database connection fails, as the session saving
    or the account checks meet an outage that began after the request's health check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        unreachable = connections.create_connection("default")
        unreachable.settings_dict = {**unreachable.settings_dict, "PORT": str(free_port())}
        unreachable.ensure_connection()  # refused: an OperationalError without a SQLSTATE
        return self.get_response(request)


def test_an_outage_met_inside_a_middleware_is_the_503_without_a_traceback(
    officer, settings, caplog
):
    inner = "tests.portal.faults.test_middleware.LosesTheDatabase"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, inner]
    browser = Client(raise_request_exception=False)
    browser.force_login(officer)
    with caplog.at_level(logging.INFO):
        response = browser.get("/api/units/", HTTP_ACCEPT_LANGUAGE="en")
    # The database itself answers: only the error the middleware met says it was lost.
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    outage = [r for r in caplog.records if r.name == "portal.core.middleware"]
    assert len(outage) == 1
    assert "Connection refused" in outage[0].getMessage()


def test_a_bug_inside_a_middleware_keeps_its_traceback(officer, settings, caplog):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.portal.faults.test_middleware.Fails"]
    browser = Client(raise_request_exception=False)
    browser.force_login(officer)
    with caplog.at_level(logging.INFO):
        response = browser.get("/api/units/")
    assert response.status_code == 500
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert logged
    assert logged[0].exc_info is not None


class Fails(LosesTheDatabase):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise ProgrammingError("a bug, not an outage")
