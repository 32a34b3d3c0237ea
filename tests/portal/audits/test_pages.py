"""The audit administrator's pages: who may read them, filters, paging, exports, the purge."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from portal.audits import services
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.models import AuditEvent
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.audits.conftest import append_aged, events, make_audit_admin

pytestmark = pytest.mark.django_db

LIST = reverse("audits:event_list")
CSV = reverse("audits:export_csv")
XLSX = reverse("audits:export_xlsx")
PURGE = reverse("audits:purge")


def english(client, url, data=None, method="get"):
    return getattr(client, method)(url, data or {}, HTTP_ACCEPT_LANGUAGE="en")


def listed(response) -> list[int]:
    return [event.pk for event in response.context["events"]]


# -- who may read ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [role for role in Role if role != Role.AUDIT_ADMIN])
def test_every_other_role_is_refused(client, role):
    client.force_login(UserFactory(role=role))
    for url in (LIST, CSV, XLSX, PURGE):
        assert client.get(url).status_code == 403
    assert client.post(PURGE, {"before": "2000-01-01"}).status_code == 403
    assert not events(AuditAction.AUDIT_EXPORT)


def test_a_superuser_without_the_role_is_refused(client):
    client.force_login(UserFactory(role=Role.SYSTEM_ADMIN, is_superuser=True))
    assert english(client, LIST).status_code == 403
    assert "Only the audit administrator" in english(client, LIST).content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_audit_administrator_reads_and_the_header_links_only_for_them(client, audit_admin):
    client.force_login(audit_admin)
    response = client.get(LIST)
    assert response.status_code == 200
    assert 'id="nav-audit"' in response.content.decode()
    client.force_login(UserFactory(role=Role.SECURITY_ADMIN))
    assert 'id="nav-audit"' not in client.get(reverse("core:home")).content.decode()


def test_the_django_admin_offers_no_audit_rows(client):
    assert not admin.site.is_registered(AuditEvent)
    client.force_login(UserFactory(role=Role.SYSTEM_ADMIN, is_superuser=True, is_staff=True))
    assert client.get("/admin/audits/auditevent/").status_code == 404


# -- the list -------------------------------------------------------------------------------------


@pytest.fixture
def trail(audit_admin):
    """Three events of different kinds, users, addresses and ages."""
    return {
        "old": append_aged(10, username="alice"),
        "failed": services.record_event(
            AuditAction.LOGIN_FAILED, result=AuditResult.FAILURE, username="bob"
        ),
        "export": services.record_event(AuditAction.EXPORT, username="alice", target="/x.csv"),
    }


def test_filters_select_by_user_action_result_and_date(client, audit_admin, trail):
    client.force_login(audit_admin)
    assert listed(client.get(LIST, {"username": "alice"})) == [
        trail["export"].pk,
        trail["old"].pk,
    ]
    assert listed(client.get(LIST, {"action": "login_failed"})) == [trail["failed"].pk]
    assert listed(client.get(LIST, {"result": "failure"})) == [trail["failed"].pk]
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    old_day = timezone.localdate(trail["old"].at)
    recent = listed(client.get(LIST, {"start": week_ago.isoformat(), "username": "alice"}))
    assert recent == [trail["export"].pk]
    that_day = {"start": old_day.isoformat(), "end": old_day.isoformat()}
    assert listed(client.get(LIST, that_day)) == [trail["old"].pk]


def test_filter_by_address_exact_or_prefix(client, audit_admin):
    client.force_login(audit_admin)
    client.get(LIST, REMOTE_ADDR="10.1.2.3")  # a page view records nothing
    sign_in = client.post
    sign_in("/accounts/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="10.1.2.3")
    sign_in("/accounts/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="192.168.0.9")
    client.force_login(audit_admin)
    near = listed(client.get(LIST, {"ip": "10.1."}))
    exact = listed(client.get(LIST, {"ip": "192.168.0.9"}))
    assert [AuditEvent.objects.get(pk=pk).source_ip for pk in near] == ["10.1.2.3"]
    assert [AuditEvent.objects.get(pk=pk).source_ip for pk in exact] == ["192.168.0.9"]


def test_a_bad_filter_says_why_and_lists_nothing(client, audit_admin, trail):
    client.force_login(audit_admin)
    response = english(client, LIST, {"start": "2026-02-01", "end": "2026-01-01"})
    assert response.status_code == 200
    assert listed(response) == []
    assert "The first date is after the last one." in response.content.decode()


def test_the_list_pages_and_keeps_its_filter(client, audit_admin):
    for n in range(51):
        services.record_event(AuditAction.EXPORT, username="pager", target=f"/{n}")
    client.force_login(audit_admin)
    first = client.get(LIST, {"username": "pager"})
    assert len(listed(first)) == 50
    assert "username=pager&amp;page=2" in first.content.decode()
    assert len(listed(client.get(LIST, {"username": "pager", "page": 2}))) == 1


# -- exports --------------------------------------------------------------------------------------


def test_csv_export_has_a_bom_every_filtered_event_and_is_itself_audited(
    client, audit_admin, trail
):
    client.force_login(audit_admin)
    response = client.get(CSV, {"username": "alice"}, REMOTE_ADDR="10.7.7.7")
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert [int(row[0]) for row in rows[1:]] == [trail["old"].pk, trail["export"].pk]
    assert rows[1][-1] == trail["old"].tag
    (event,) = events(AuditAction.AUDIT_EXPORT)
    assert (event.user_id, event.source_ip) == (audit_admin.pk, "10.7.7.7")
    assert event.detail == {"format": "csv", "rows": 2, "filter": {"username": "alice"}}
    assert not events(AuditAction.EXPORT, username="audit-admin")  # recorded once, not twice


def test_csv_export_neutralises_formulas_typed_at_sign_in(client, audit_admin):
    services.record_event(
        AuditAction.LOGIN_FAILED, result=AuditResult.FAILURE, username="=HYPERLINK(1)"
    )
    client.force_login(audit_admin)
    body = b"".join(client.get(CSV, {"action": "login_failed"}).streaming_content).decode()
    assert "'=HYPERLINK(1)" in body


def test_xlsx_export_opens_and_is_audited(client, audit_admin, trail):
    client.force_login(audit_admin)
    response = client.get(XLSX, {"action": "export"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [trail["export"].pk]
    assert events(AuditAction.AUDIT_EXPORT)[0].detail["format"] == "xlsx"


# -- the purge ------------------------------------------------------------------------------------


def test_purge_counts_then_deletes_what_was_confirmed(client):
    old = [append_aged(days) for days in (400, 300)]
    kept = append_aged(10)
    audit_admin = make_audit_admin()
    client.force_login(audit_admin)
    assert client.get(PURGE).status_code == 200
    before = (timezone.localdate() - dt.timedelta(days=200)).isoformat()
    confirm = english(client, PURGE, {"before": before}, method="post")
    assert "2 events before" in confirm.content.decode()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in old]).count() == 2
    done = client.post(PURGE, {"before": before, "expected": 2})
    assert done.status_code == 302
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert events(AuditAction.AUDIT_PURGE)[0].detail["deleted"] == 2


def test_purge_asks_again_when_the_count_changed(client):
    append_aged(400)
    client.force_login(make_audit_admin())
    before = (timezone.localdate() - dt.timedelta(days=200)).isoformat()
    response = english(client, PURGE, {"before": before, "expected": 5}, method="post")
    assert "1 event before" in response.content.decode()
    assert not events(AuditAction.AUDIT_PURGE)


def test_purge_refuses_a_date_inside_retention(client, audit_admin):
    client.force_login(audit_admin)
    inside = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    response = english(client, PURGE, {"before": inside, "expected": 0}, method="post")
    assert response.status_code == 400
    assert "Events of the retention period are kept" in response.content.decode()
    assert not events(AuditAction.AUDIT_PURGE)
