"""The report pages: list and take, detail with the moves the reader may make, transitions by
POST, refusals shown with their status, and scoping (another county's report is a 404)."""

import pytest
from django.urls import reverse

from portal.ledgers.choices import LedgerKind, LedgerStatus
from portal.ledgers.models import SpaceReport
from portal.ledgers.services import take_report
from tests.portal.ledgers.world import YEAR, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def as_user(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_officer_takes_his_sub_ledger_from_the_list(client, w):
    client = as_user(client, w.users["officer"])
    page = client.get(reverse("ledgers:report_list"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["unit"].queryset) == [w.bureau]
    data = {"year": YEAR, "kind": LedgerKind.SUB, "unit": w.bureau.pk}
    response = client.post(reverse("ledgers:report_take"), data)
    report = SpaceReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledgers:report_detail", args=[report.pk])
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    content = detail.content.decode()
    assert "一号楼" in content
    assert "156.00" in content
    assert 'id="button-submitted"' in content
    assert 'id="button-accepted"' not in content


def test_a_refused_take_shows_the_message_with_its_status(client, w):
    client = as_user(client, w.users["officer"])
    data = {"year": YEAR + 1, "kind": LedgerKind.SUB, "unit": w.bureau.pk}
    response = client.post(reverse("ledgers:report_take"), data)
    assert response.status_code == 400
    assert f"Year {YEAR + 1} has not begun" in response.content.decode()
    assert not SpaceReport.objects.exists()


def test_submit_then_return_with_a_comment_through_the_pages(client, w):
    report = take_report(YEAR, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    url = reverse("ledgers:report_transition", args=[report.pk])
    as_user(client, w.users["officer"]).post(url, {"action": "submitted"})
    client = as_user(client, w.users["county_admin"])
    refused = client.post(url, {"action": "returned", "comment": ""})
    assert refused.status_code == 400
    assert "the comment is required" in refused.content.decode()
    done = client.post(url, {"action": "returned", "comment": "请核对二号楼"})
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.status == LedgerStatus.RETURNED
    page = client.get(reverse("ledgers:report_detail", args=[report.pk])).content.decode()
    assert "请核对二号楼" in page


def test_a_forbidden_move_answers_403_and_changes_nothing(client, w):
    report = take_report(YEAR, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    url = reverse("ledgers:report_transition", args=[report.pk])
    response = as_user(client, w.users["province_admin"]).post(url, {"action": "submitted"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == LedgerStatus.DRAFT


@pytest.mark.parametrize("who", ["wuhou_admin", "wuhou_officer"])
def test_another_countys_report_is_not_found(client, w, who):
    report = take_report(YEAR, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    client = as_user(client, w.users[who])
    for view in ("report_detail", "report_xlsx", "report_pdf"):
        assert client.get(reverse(f"ledgers:{view}", args=[report.pk])).status_code == 404
    assert (
        client.post(
            reverse("ledgers:report_transition", args=[report.pk]), {"action": "accepted"}
        ).status_code
        == 404
    )
    listed = client.get(reverse("ledgers:report_list")).context["reports"]
    assert report not in listed


@pytest.mark.parametrize("who", ["auditor", "city_admin", "county_admin"])
def test_the_levels_above_and_oversight_read_it(client, w, who):
    report = take_report(YEAR, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    client = as_user(client, w.users[who])
    assert client.get(reverse("ledgers:report_detail", args=[report.pk])).status_code == 200


def test_the_list_filters_by_year(client, w):
    take_report(YEAR, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    last = take_report(YEAR - 1, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    client = as_user(client, w.users["officer"])
    listed = client.get(reverse("ledgers:report_list"), {"year": YEAR - 1}).context["reports"]
    assert list(listed) == [last]


def test_the_list_is_paged_and_the_pages_keep_the_year(client, w, monkeypatch):
    monkeypatch.setattr("portal.ledgers.views.reports.LIST_PAGE", 1)
    take_report(YEAR, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    take_report(YEAR - 1, LedgerKind.SUB, w.bureau, by=w.users["officer"])
    client = as_user(client, w.users["officer"])
    first = client.get(reverse("ledgers:report_list"))
    assert first.context["page_obj"].paginator.count == 2
    assert len(first.context["reports"]) == 1
    assert "page=2" in first.content.decode()
    filtered = client.get(reverse("ledgers:report_list"), {"year": YEAR})
    assert filtered.context["page_obj"].paginator.count == 1
    assert filtered.context["query"] == f"year={YEAR}"
