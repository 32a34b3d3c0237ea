"""The deploy check of the separation of duties: ``manage.py check --deploy`` in production warns
of an active superuser (org.W001) and of an administrator duty no active account holds
(org.W002), and stays silent, never failing, when the database cannot be reached."""

from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connections

from portal.org.choices import Role
from portal.org.models import User
from tests.factories import PASSWORD, UnitFactory


@pytest.fixture
def unit(db):
    return UnitFactory(division_code="510104")


@pytest.fixture
def production(settings):
    settings.MODE = "production"
    return settings


def create_admins(unit):
    call_command("create_admin_accounts", "--unit", str(unit.pk), stdout=StringIO())


def duty_messages(*, deploy=True):
    found = checks.run_checks(include_deployment_checks=deploy, tags=[checks.Tags.security])
    return sorted((message.id, message.msg) for message in found if message.id.startswith("org."))


def test_warns_of_an_active_superuser_and_every_missing_duty(production, unit):
    User.objects.create_superuser("root", password=PASSWORD, unit=unit)
    messages = duty_messages()
    assert [message_id for message_id, _ in messages] == [
        "org.W001",
        "org.W002",
        "org.W002",
        "org.W002",
    ]
    assert "root" in messages[0][1]


def test_quiet_with_three_administrators_and_no_active_superuser(production, unit):
    create_admins(unit)
    User.objects.create_superuser("root", password=PASSWORD, unit=unit, is_active=False)
    assert duty_messages() == []


def test_names_the_duty_nobody_holds(production, unit):
    create_admins(unit)
    User.objects.filter(role=Role.AUDIT_ADMIN).update(is_active=False)
    [(message_id, text)] = duty_messages()
    assert message_id == "org.W002"
    assert Role.AUDIT_ADMIN.value in text


def test_runs_only_for_deployment_in_production(settings, unit):
    User.objects.create_superuser("root", password=PASSWORD, unit=unit)
    settings.MODE = "production"
    assert duty_messages(deploy=False) == []
    settings.MODE = "test"
    assert duty_messages() == []


@pytest.fixture
def unreachable_database(django_db_blocker):
    """The default connection pointed at a port nothing listens on, for the length of a test."""
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


def test_silent_when_the_database_is_unreachable(production, unreachable_database):
    assert duty_messages() == []
