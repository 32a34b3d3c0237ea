"""The fill page, the template download, the upload and "take from the fleet": scoped (another
county's return is a 404, a reader gets the refusal), the service's refusals shown with their
status, downloads audited as attachments."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.audits.choices import AuditAction
from portal.audits.models import AuditEvent
from portal.costs.choices import CostCategory, CostSource, ReturnStatus
from portal.costs.models import CostBasis, CostBudget, CostRecord
from portal.fleet.models import Trip
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.costs.records_world import make_world
from tests.portal.fleet.trip_data import local, trip, world

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def w():
    return make_world()


def url(name, w):
    return reverse(f"costs:{name}", args=[w.cost_return.pk])


def management(total, initial=0):
    return {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "2000",
    }


def post_data(w, **extra):
    data = {
        "unit": str(w.unit.pk),
        "basis-usable_area_m2": "800",
        "basis-staff": "40",
        "basis-vehicles": "2",
        "budget-property": "40000",
        **management(2),
        "lines-0-building": str(w.occupied.pk),
        "lines-0-month": "1",
        "lines-0-category": "electricity",
        "lines-0-amount_yuan": "1200.50",
        "lines-0-quantity": "1500",
        "lines-1-category": "",
        "lines-1-month": "",
        "lines-1-amount_yuan": "",
    }
    return {**data, **extra}


def test_the_fill_page_offers_the_units_the_user_may_change(client, w):
    client.force_login(w.admin)
    page = client.get(url("return_fill", w) + f"?unit={w.unit.pk}", **EN)
    assert page.status_code == 200
    assert {u.pk for u in page.context["units"]} == {w.unit.pk, w.own_unit.pk}
    assert page.context["unit"] == w.unit
    buildings = page.context["forms"].lines.forms[0].fields["building"].queryset
    assert set(buildings) == {w.occupied, w.managed}
    client.force_login(w.officer)
    page = client.get(url("return_fill", w), **EN)
    assert [u.pk for u in page.context["units"]] == [w.unit.pk]


def test_posting_the_form_saves_and_shows_the_figures_again(client, w):
    client.force_login(w.admin)
    response = client.post(url("return_fill", w), post_data(w), **EN)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?unit={w.unit.pk}")
    record = CostRecord.objects.get()
    assert (record.unit, record.building, record.month, record.amount_yuan, record.quantity) == (
        w.unit,
        w.occupied,
        1,
        Decimal("1200.50"),
        Decimal("1500.00"),
    )
    assert CostBudget.objects.get().amount_yuan == Decimal("40000.00")
    assert CostBasis.objects.get().staff == 40
    page = client.get(response["Location"], **EN)
    assert page.context["forms"].lines.initial_form_count() == 1
    assert w.ret().status == ReturnStatus.FILLING


def test_an_unchanged_stored_line_is_kept_and_a_ticked_one_deleted(client, w):
    client.force_login(w.admin)
    client.post(url("return_fill", w), post_data(w), **EN)
    keep = {**post_data(w), **management(1, initial=1)}
    client.post(url("return_fill", w), keep, **EN)
    assert CostRecord.objects.count() == 1
    client.post(url("return_fill", w), {**keep, "lines-0-DELETE": "on"}, **EN)
    assert not CostRecord.objects.exists()


def test_a_refusal_comes_back_on_the_page_with_its_status(client, w):
    client.force_login(w.admin)
    bad = post_data(w, **{"lines-1-amount_yuan": "5", "lines-1-month": "", **management(2)})
    bad["lines-0-month"] = ""
    bad["lines-1-category"] = "electricity"
    bad["lines-1-building"] = str(w.occupied.pk)
    response = client.post(url("return_fill", w), bad, **EN)
    assert response.status_code == 400
    assert "line 2 repeats line 1" in response.context["error"]
    assert not CostRecord.objects.exists()


def test_an_invalid_form_is_a_400(client, w):
    client.force_login(w.admin)
    response = client.post(url("return_fill", w), post_data(w, **{"basis-staff": ""}), **EN)
    assert response.status_code == 400
    assert "Give the area, the staff and the vehicles together." in response.content.decode()


def test_readers_get_the_refusal_and_other_counties_a_404(client, w):
    client.force_login(UserFactory(role=Role.AUDITOR, unit=w.unit))
    assert client.get(url("return_fill", w), **EN).status_code == 403
    client.force_login(w.other_admin)
    assert client.get(url("return_fill", w), **EN).status_code == 404
    assert client.get(url("return_template", w), **EN).status_code == 404


def test_a_submitted_return_cannot_be_filled(client, w):
    w.cost_return.status = ReturnStatus.SUBMITTED
    w.cost_return.save()
    client.force_login(w.admin)
    response = client.post(url("return_fill", w), post_data(w), **EN)
    assert response.status_code == 409
    assert not CostRecord.objects.exists()


def test_the_template_downloads_as_an_audited_attachment_and_uploads_back(client, w):
    client.force_login(w.admin)
    client.post(url("return_fill", w), post_data(w), **EN)
    response = client.get(url("return_template", w), **EN)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    target = url("return_template", w)
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, target=target).exists()
    book = load_workbook(io.BytesIO(response.content))
    book.worksheets[0].append([w.unit.credit_code, "", "", 2, "electricity", "99.9", "", ""])
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "filled.xlsx"
    answer = client.post(url("return_upload", w), {"file": upload, "unit": w.unit.pk}, **EN)
    assert answer.status_code == 302
    # The unchanged line keeps where it was entered; the new one comes from the template.
    assert sorted(CostRecord.objects.values_list("month", "source")) == [
        (1, CostSource.FORM),
        (2, CostSource.TEMPLATE),
    ]


def test_a_wrong_upload_is_shown_on_the_page(client, w):
    client.force_login(w.admin)
    upload = io.BytesIO(b"not a workbook")
    upload.name = "filled.xlsx"
    answer = client.post(url("return_upload", w), {"file": upload}, **EN)
    assert answer.status_code == 400
    assert "not an XLSX workbook" in answer.context["error"]
    missing = client.post(url("return_upload", w), {}, **EN)
    assert "Choose the filled XLSX template" in missing.context["error"]


def test_take_from_the_fleet(client):
    fleet = world()
    ended = local(dt.date(2025, 3, 3), 12)
    own = trip(fleet, payer=fleet.holder, payee_vehicle=fleet.vehicle, amount="0", ended=ended)
    Trip.objects.filter(pk=own.pk).update(fuel_cost=Decimal("60"), tolls=Decimal("15"))
    w = make_world()
    fleet.holder.division = w.unit.division
    fleet.holder.save()
    client.force_login(w.admin)
    response = client.post(url("return_fleet", w), {"unit": fleet.holder.pk}, **EN)
    assert response.status_code == 302
    record = CostRecord.objects.get(source=CostSource.FLEET)
    assert (record.unit, record.month, record.category, record.amount_yuan) == (
        fleet.holder,
        3,
        CostCategory.VEHICLES,
        Decimal("75.00"),
    )
    page = client.get(response["Location"], **EN)
    assert list(page.context["fleet_records"]) == [record]


def test_an_officer_uploading_another_units_figures_is_refused(client, w):
    client.force_login(w.admin)
    book = load_workbook(io.BytesIO(client.get(url("return_template", w)).content))
    book.worksheets[0].append([w.own_unit.credit_code, "", "", "", "rent", "5", "", ""])
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "filled.xlsx"
    client.force_login(w.officer)
    answer = client.post(url("return_upload", w), {"file": upload}, **EN)
    assert answer.status_code == 403
    assert w.own_unit.name in answer.context["error"]
    assert not CostRecord.objects.exists()


def test_a_post_for_a_unit_the_user_may_not_change_is_refused_not_redirected(client, w):
    """An officer posting the form (or "take from the fleet") for another unit of the return
    must not see the figures land on his own unit instead."""
    client.force_login(w.officer)
    foreign = post_data(w, unit=str(w.own_unit.pk))
    response = client.post(url("return_fill", w), foreign, **EN)
    assert response.status_code == 403
    assert not CostRecord.objects.exists()
    assert not CostBasis.objects.exists()
    response = client.post(url("return_fleet", w), {"unit": str(w.own_unit.pk)}, **EN)
    assert response.status_code == 403
    response = client.post(url("return_fill", w), post_data(w, unit="x"), **EN)
    assert response.status_code == 403
    assert not CostRecord.objects.exists()


def test_a_basis_too_large_for_the_register_is_a_form_error_not_a_server_error(client, w):
    client.force_login(w.admin)
    for field, value in (("basis-usable_area_m2", "99999999999"), ("basis-staff", str(2**31))):
        response = client.post(url("return_fill", w), post_data(w, **{field: value}), **EN)
        assert response.status_code == 400
    assert not CostBasis.objects.exists()
