"""The case list (filters, scoping, bulk form) and the case page (forms per action, errors
shown with their status, readers without forms)."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from portal.parcels.choices import CaseStatus, LinkStatus, ReconciliationKind
from portal.parcels.models import BuildingParcel, SourceDocument, TitleCase
from tests.factories import BuildingFactory
from tests.portal.titles.case_data import PDF, add_document, put, upload

LIST = reverse("parcels:case_list")
BULK = reverse("parcels:case_bulk")


def listed(client, user, query=""):
    client.force_login(user)
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return {case.pk for case in response.context["cases"]}


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_list_needs_a_login(client, db):  # the portal checks PostgreSQL first
    assert client.get(LIST).status_code == 302


def test_list_is_scoped(client, titles):
    own, other = titles.case.pk, titles.other_case.pk
    assert listed(client, titles["officer"]) == {own}
    assert listed(client, titles["viewer"]) == {own}
    assert listed(client, titles["county_admin"]) == {own}
    assert listed(client, titles["other_officer"]) == {other}
    assert listed(client, titles["province_admin"]) == {own, other}


def test_list_filters(client, titles):
    admin = titles["province_admin"]
    own, other = titles.case.pk, titles.other_case.pk
    put(titles.case, CaseStatus.COLLECTED)
    past = timezone.localdate() - timedelta(days=3)
    TitleCase.objects.filter(pk=own).update(due_date=past, assigned_to=admin)
    TitleCase.objects.filter(pk=other).update(due_date=past)
    put(titles.other_case, CaseStatus.REGISTERED)  # closed: never overdue
    assert listed(client, admin, "status=collected") == {own}
    assert listed(client, admin, "status=collected&status=registered") == {own, other}
    assert listed(client, admin, "division=510100") == {own}  # Chengdu's subtree
    assert listed(client, admin, "division=510703") == {other}
    assert listed(client, admin, "mine=on") == {own}
    assert listed(client, admin, "overdue=on") == {own}
    name = titles.other_case.building.name
    assert listed(client, admin, f"q={name}") == {other}
    assert listed(client, admin, "status=nonsense") == set()


def test_list_marks_overdue_and_offers_the_bulk_form_to_editors(client, titles):
    TitleCase.objects.filter(pk=titles.case.pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(titles["officer"])
    page = client.get(LIST).content.decode()
    assert 'id="bulk-form"' in page
    assert 'name="cases"' in page
    assert "badge-flag" in page
    client.force_login(titles["viewer"])
    page = client.get(LIST).content.decode()
    assert 'id="bulk-form"' not in page
    assert 'name="cases"' not in page
    assert "bulk-action" not in page


def test_bulk_assign_and_due_date_from_the_list(client, titles):
    second = TitleCase.objects.create(building=BuildingFactory(managing_unit=titles.unit))
    officer = titles["officer"]
    client.force_login(titles["county_admin"])
    data = {"action": "assign", "cases": [titles.case.pk, second.pk], "officer": officer.pk}
    response = client.post(BULK, {**data, "next": f"{LIST}?status=not_started"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=not_started"
    assert set(TitleCase.objects.values_list("assigned_to", flat=True)) >= {officer.pk}
    due = timezone.localdate() + timedelta(days=10)
    data = {"action": "due", "cases": [titles.case.pk, second.pk], "due_date": due.isoformat()}
    response = client.post(BULK, data)
    assert response["Location"] == LIST
    assert set(
        TitleCase.objects.filter(building__managing_unit=titles.unit).values_list(
            "due_date", flat=True
        )
    ) == {due}
    assert any("2" in text for text in texts(response))


def test_bulk_refusal_writes_nothing_and_says_why(client, titles):
    second = TitleCase.objects.create(building=BuildingFactory(managing_unit=titles.unit))
    client.force_login(titles["province_admin"])
    selection = [titles.case.pk, second.pk, titles.other_case.pk]
    data = {"action": "assign", "cases": selection, "officer": titles["officer"].pk}
    response = client.post(BULK, data, follow=True)
    assert response.status_code == 200
    assert (
        any(str(titles.other_case) in text for text in texts(response))
        or str(titles.other_case) in response.content.decode()
    )
    assert not TitleCase.objects.filter(assigned_to__isnull=False).exists()
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    client.post(BULK, {"action": "due", "cases": selection[:2], "due_date": past})
    assert not TitleCase.objects.filter(due_date__isnull=False).exists()


def test_bulk_refuses_cases_the_user_cannot_see(client, titles):
    client.force_login(titles["officer"])
    data = {"action": "assign", "cases": [titles.other_case.pk], "officer": titles["officer"].pk}
    response = client.post(BULK, data)
    assert response.status_code == 302
    assert texts(response)  # the form's error, as a message
    assert TitleCase.objects.get(pk=titles.other_case.pk).assigned_to is None


def test_bulk_opens_missing_cases(client, titles):
    building = BuildingFactory(managing_unit=titles.unit)
    client.force_login(titles["officer"])
    client.post(BULK, {"action": "open"})
    assert TitleCase.objects.filter(building=building).exists()


# -- the case page --------------------------------------------------------------------------------


def detail(case):
    return reverse("parcels:case_detail", args=[case.pk])


def test_case_page_is_scoped(client, titles):
    client.force_login(titles["other_officer"])
    assert client.get(detail(titles.case)).status_code == 404
    assert client.post(detail(titles.case), {"action": "comment"}).status_code == 404
    client.force_login(titles["officer"])
    response = client.get(detail(titles.case))
    assert response.status_code == 200
    page = response.content.decode()
    assert titles.case.building.name in page
    assert titles.parcel.registry_no in page
    assert 'id="transition-collect"' in page
    assert 'id="document-form"' in page


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_readers_see_no_forms(client, titles, role):
    add_document(titles.case, titles["officer"])
    client.force_login(titles[role])
    page = client.get(detail(titles.case)).content.decode()
    assert 'method="post" class="case-form"' not in page
    assert 'name="action"' not in page
    assert "link-decision" not in page
    assert "scan.pdf" in page  # the documents are listed, with download links
    response = client.post(detail(titles.case), {"action": "comment", "comment-text": "x"})
    assert response.status_code == 403
    assert 'id="case-error"' in response.content.decode()


def test_upload_then_collect_through_the_page(client, titles):
    client.force_login(titles["officer"])
    url = detail(titles.case)
    data = {"action": "document", "document-kind": "allocation", "document-title": "划拨决定书"}
    response = client.post(url, {**data, "document-file": upload("决定书.pdf", PDF)})
    assert response.status_code == 302
    assert SourceDocument.objects.get(case=titles.case).title == "划拨决定书"
    response = client.post(url, {"action": "collect", "collect-comment": "材料齐全"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert TitleCase.objects.get(pk=titles.case.pk).status == CaseStatus.COLLECTED
    assert str(CaseStatus.COLLECTED.label) in page
    assert "材料齐全" in page


def test_page_shows_service_errors_with_their_status(client, titles):
    client.force_login(titles["officer"])
    url = detail(titles.case)
    response = client.post(url, {"action": "collect"})  # no document yet
    assert response.status_code == 400
    assert 'id="case-error"' in response.content.decode()
    response = client.post(url, {"action": "verify"})  # not offered: wrong state
    assert response.status_code == 409
    put(titles.case, CaseStatus.COLLECTED)
    response = client.post(url, {"action": "verify"})  # a unit officer may not verify
    assert response.status_code == 403
    response = client.post(url, {"action": "nonsense"})
    assert response.status_code == 400
    bad = upload("x.pdf", b"MZ\x90\x00")
    response = client.post(
        url, {"action": "document", "document-kind": "other", "document-file": bad}
    )
    assert response.status_code == 400
    assert "x.pdf" in response.content.decode()


def test_form_errors_are_shown_inline(client, titles):
    put(titles.case, CaseStatus.COLLECTED)
    client.force_login(titles["officer"])
    response = client.post(detail(titles.case), {"action": "dispute", "dispute-comment": ""})
    assert response.status_code == 400
    form = dict(response.context["forms"]["transitions"])
    assert any(f.errors.get("comment") for f in form.values())
    assert TitleCase.objects.get(pk=titles.case.pk).status == CaseStatus.COLLECTED


def test_reconcile_verify_and_register_through_the_page(client, titles):
    put(titles.case, CaseStatus.COLLECTED)
    document = add_document(titles.case, titles["officer"])
    client.force_login(titles["county_admin"])
    url = detail(titles.case)
    for kind in ReconciliationKind:
        data = {
            "action": "reconcile",
            "reconcile-kind": kind.value,
            "reconcile-result": "consistent",
            "reconcile-evidence": [document.pk],
        }
        assert client.post(url, data).status_code == 302
    assert client.post(url, {"action": "verify"}).status_code == 302
    assert client.post(url, {"action": "submit"}).status_code == 302
    data = {
        "action": "register",
        "register-certificate_number": "川(2025)0001号",
        "register-issue_date": "2025-04-01",
        "register-certificate_area_m2": "980.00",
    }
    assert client.post(url, data).status_code == 302
    case = TitleCase.objects.get(pk=titles.case.pk)
    assert case.status == CaseStatus.REGISTERED
    assert case.registered_to == titles.offices
    page = client.get(url).content.decode()
    assert "川(2025)0001号" in page
    assert 'id="transition-' not in page


def test_assign_due_comment_and_link_through_the_page(client, titles):
    client.force_login(titles["county_admin"])
    url = detail(titles.case)
    officer = titles["officer"]
    assert client.post(url, {"action": "assign", "assign-officer": officer.pk}).status_code == 302
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert client.post(url, {"action": "due", "due-due_date": due}).status_code == 302
    assert client.post(url, {"action": "comment", "comment-text": "请尽快"}).status_code == 302
    data = {"action": "link", "link-link": titles.link.pk, "link-decision": "confirmed"}
    assert client.post(url, data).status_code == 302
    case = TitleCase.objects.get(pk=titles.case.pk)
    assert (case.assigned_to, case.due_date.isoformat()) == (officer, due)
    assert BuildingParcel.objects.get(pk=titles.link.pk).status == LinkStatus.CONFIRMED
    assert case.comments.get().text == "请尽快"
    past = (timezone.localdate() - timedelta(days=5)).isoformat()
    response = client.post(url, {"action": "due", "due-due_date": past})
    assert response.status_code == 400
    assert past in response.content.decode()


def test_building_and_parcel_pages_link_to_the_case(client, titles):
    client.force_login(titles["officer"])
    url = detail(titles.case)
    for page in (titles.case.building.get_absolute_url(), titles.parcel.get_absolute_url()):
        assert f'href="{url}"' in client.get(page).content.decode()
    client.force_login(titles["other_officer"])  # another county: the case is not linked
    own_building = titles.other_case.building.get_absolute_url()
    assert f'href="{url}"' not in client.get(own_building).content.decode()


ADMIN_PAGES = [
    "parcels_titlecase",
    "parcels_sourcedocument",
    "parcels_certificate",
    "parcels_right",
    "parcels_buildingparcel",
    "parcels_finding",
]


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_admin_lists_are_scoped(client, titles, model):
    add_document(titles.case, titles["officer"])
    add_document(titles.other_case, titles["other_officer"])
    client.force_login(titles["officer"])
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    assert str(titles.other_case.building) not in response.content.decode()


def test_admin_shows_a_case_read_only_with_its_records(client, titles):
    add_document(titles.case, titles["officer"])
    client.force_login(titles["officer"])
    response = client.get(reverse("admin:parcels_titlecase_change", args=[titles.case.pk]))
    assert response.status_code == 200
    assert "scan.pdf" in response.content.decode()
    assert not response.context["has_change_permission"]
    other = reverse("admin:parcels_titlecase_change", args=[titles.other_case.pk])
    assert client.get(other).status_code == 302  # not found in the user's scope
    client.force_login(titles["province_admin"])
    assert client.get(reverse("admin:parcels_conflictrun_changelist")).status_code == 200
    client.force_login(titles["officer"])
    assert client.get(reverse("admin:parcels_conflictrun_changelist")).status_code == 403
