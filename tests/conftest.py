"""Suite-wide rules: a skipped test fails the run, because a skip here means a missing dependency
(PostGIS, Chromium, GDAL) that CI must not silently paper over."""

from collections.abc import Iterator

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} test(s) skipped: a skip counts as a failure in this project",
            red=True,
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _close_progress_connection(request: pytest.FixtureRequest) -> object:
    """Close the import-progress and audit connections before the test database is dropped.

    They are second connections to the same database (see DATABASES["progress"] and
    DATABASES["audit"]); left open, PostgreSQL refuses to drop the test database at the end of
    the run. Requested by name so that this file also serves runs without the Django plugin
    (tests/test_suite_rules.py).
    """
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from django.db import connections

    configured = connections["default"].settings_dict["NAME"]
    request.getfixturevalue("django_db_setup")
    if connections["default"].settings_dict["NAME"] != configured:  # a test database is in use
        _allow_flushing_the_audit(request.getfixturevalue("django_db_blocker"))
    yield
    connections["progress"].close()
    connections["audit"].close()


def _allow_flushing_the_audit(blocker: object) -> None:
    """Let transactional tests empty the audit table between tests, in the test database only.

    Django flushes the tables after each transactional test with one TRUNCATE of them all,
    which the audit table's trigger refuses; the table owner switches that one trigger off
    here. tests/portal/audits switches it back on inside the test that proves it refuses.
    """
    from django.db import connection

    from portal.audits.sql import TRUNCATE_TRIGGER

    with blocker.unblock(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(f"ALTER TABLE audits_auditevent DISABLE TRIGGER {TRUNCATE_TRIGGER}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest) -> None:
    """Hash test users' passwords with a cheap hasher, as Django advises for tests.

    Real PBKDF2 costs about a quarter of a second per user on the CI machine, and most tests
    make several users: it was a third of the suite's time. What the tests check of passwords
    (login, change, the demo accounts) does not depend on the algorithm. Applied only where the
    Django plugin runs (see above).
    """
    if not request.config.pluginmanager.hasplugin("django"):
        return
    settings = request.getfixturevalue("settings")
    # PBKDF2 stays second, to check passwords hashed before a test began (fixtures of wider
    # scope, such as a demo load shared by a module).
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def empty_queue() -> Iterator[None]:
    """procrastinate's tables are not Django-managed, so transactional tests do not flush them:
    start from an empty queue and leave one, or other tests' jobs would run in a worker test
    (tests/worker.py)."""
    from django.db import connection

    def empty() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs")

    empty()
    yield
    empty()
