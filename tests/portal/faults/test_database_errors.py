"""Which database errors are an outage (503) and which are server errors (500, with traceback).

The views are served by this module (``urlpatterns`` below), so they run through the portal's
whole middleware stack against the real test database.
"""

from __future__ import annotations

import logging

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path

from portal.core.middleware import DatabaseUnavailableMiddleware


def slow_query(request: HttpRequest) -> HttpResponse:
    """A query the server cancels: it answered, so this is no outage."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    return HttpResponse("finished")


urlpatterns = [path("slow/", slow_query)]

# Transactional: the view's statement is cancelled on a connection the test does not wrap.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


def test_a_cancelled_statement_is_a_server_error_with_its_traceback(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        response = client.get("/slow/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert not [r for r in caplog.records if r.name == "portal.core.middleware"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert errors, "the 500 is logged with its traceback"
    assert "statement timeout" in str(errors[0].exc_info[1])
    assert connection.is_usable()  # the connection was kept: the database is there


def test_a_cancelled_statement_is_not_treated_as_an_outage():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    with pytest.raises(OperationalError, match="statement timeout") as cancelled:
        slow_query(RequestFactory().get("/slow/"))
    assert cancelled.value.__cause__.sqlstate == "57014"  # query_canceled
    assert middleware.process_exception(RequestFactory().get("/slow/"), cancelled.value) is None


def request_for(raw_path: str) -> WSGIRequest:
    """A request whose path is exactly ``raw_path`` (the test client would read ``//host`` as a
    host name and drop it)."""
    return WSGIRequest(RequestFactory()._base_environ(PATH_INFO=raw_path, QUERY_STRING=""))


@pytest.mark.parametrize(
    ("raw_path", "link"),
    [
        ("//evil.example/x", 'href="/"'),
        ("/units/1/", 'href="/units/1/"'),
        ("/units/?page=2", 'href="/units/?page=2"'),
        # Escaped on the way out, so it stays a path of this site.
        ("/\\evil.example/x", 'href="/%5Cevil.example/x"'),
    ],
)
def test_the_try_again_link_stays_on_this_site(raw_path, link):
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    request = request_for(raw_path.split("?")[0])
    request.META["QUERY_STRING"] = raw_path.partition("?")[2]
    page = middleware.unavailable(request, None).content.decode()
    assert link in page
    assert 'href="//' not in page
