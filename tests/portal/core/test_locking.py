"""Two editors of one record never silently overwrite each other (no lost update).

The write service locks the stored row and compares its version (``updated_at``) with the one the
editor read: the admin carries it in a hidden field, the API as ``ETag``/``If-Match``, and a
service caller gets the version its object was loaded with. The concurrent tests do not leave the
timing to chance: the test holds the row's lock, starts both requests and waits until PostgreSQL
reports each blocked, then lets them go. Without the lock both would read the record before
either saved.
"""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.buildings.models import Building, Occupancy
from portal.core.etags import record_etag
from portal.core.services import RecordChangedError, save_record, writing
from portal.org.choices import Role
from tests.concurrency import Request, split
from tests.factories import BuildingFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
# The tests of two requests at once run them in threads with connections of their own, which
# must see each other's commits.
concurrent = pytest.mark.django_db(transaction=True)


@pytest.fixture
def building():
    return BuildingFactory(
        managing_unit=UnitFactory(division_code="510104"), name="锦江办公楼", address="红星路"
    )


def officer_of(building):
    return UserFactory(role=Role.UNIT_OFFICER, unit=building.managing_unit)


def client_of(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@contextmanager
def row_held(record):
    """Hold the record's row lock while the block starts requests that must wait for it."""
    with transaction.atomic():
        type(record).objects.select_for_update().get(pk=record.pk)
        yield


def run_blocked(record, *calls):
    """Start each call while the row is held, wait until PostgreSQL reports it blocked, then
    release the row; the outcomes, in order."""
    requests = [Request(call) for call in calls]
    with row_held(record):
        for request in requests:
            request.start()
            assert request.blocked(), request.outcome
    for request in requests:
        request.join()
    return [request.outcome for request in requests]


# -- the service -------------------------------------------------------------------------------


def test_saving_a_stale_object_is_refused_and_writes_nothing(building):
    officer = officer_of(building)
    first, second = Building.objects.get(pk=building.pk), Building.objects.get(pk=building.pk)
    first.name = "新名称"
    with writing(officer):
        save_record(first, by=officer)
    second.address = "东大街"
    with translation.override("en"), pytest.raises(RecordChangedError) as caught:
        save_record(second, by=officer)
    assert caught.value.http_status == 409
    assert f"changed by {officer.username} at " in caught.value.user_message
    assert "Nothing was saved" in caught.value.user_message
    stored = Building.objects.get(pk=building.pk)
    assert (stored.name, stored.address) == ("新名称", "红星路")
    # Reloaded, the same change saves, and the object may be saved again after its own save.
    second.refresh_from_db()
    second.address = "东大街"
    save_record(second, by=officer)
    second.floors_above = 9
    save_record(second, by=officer)
    stored.refresh_from_db()
    assert (stored.name, stored.address, stored.floors_above) == ("新名称", "东大街", 9)


def test_a_version_given_by_the_caller_wins_over_the_loaded_one(building):
    officer = officer_of(building)
    seen = building.updated_at
    Building.objects.get(pk=building.pk).save()  # someone else saves in between
    fresh = Building.objects.get(pk=building.pk)
    fresh.name = "新名称"
    with pytest.raises(RecordChangedError):
        save_record(fresh, by=officer, expected_version=seen)
    assert Building.objects.get(pk=building.pk).name == "锦江办公楼"


@concurrent
def test_two_saves_of_one_loaded_version_at_once_one_is_refused(building):
    officer = officer_of(building)
    first, second = Building.objects.get(pk=building.pk), Building.objects.get(pk=building.pk)
    first.name, second.address = "新名称", "东大街"
    outcomes = run_blocked(
        building,
        lambda: save_record(first, by=officer),
        lambda: save_record(second, by=officer),
    )
    winner, loser = split(outcomes, Building)
    assert type(loser) is RecordChangedError
    stored = Building.objects.get(pk=building.pk)
    assert (stored.name, stored.address) == (winner.name, winner.address)


# -- the API -----------------------------------------------------------------------------------


def api_url(record):
    return f"/api/buildings/{record.pk}/"


def patch(client, record, properties, if_match=None):
    headers = {"If-Match": if_match} if if_match else {}
    body = {"properties": properties}
    return client.patch(api_url(record), body, content_type="application/json", headers=headers)


@concurrent
def test_two_patches_of_different_fields_at_once_both_survive(building):
    officer = officer_of(building)
    one, other = client_of(officer), client_of(officer)
    outcomes = run_blocked(
        building,
        lambda: patch(one, building, {"name": "新名称"}),
        lambda: patch(other, building, {"address": "东大街"}),
    )
    assert [response.status_code for response in outcomes] == [200, 200], outcomes
    stored = Building.objects.get(pk=building.pk)
    assert (stored.name, stored.address) == ("新名称", "东大街")


def test_detail_sends_an_etag_that_if_match_must_name(building):
    client = client_of(officer_of(building))
    detail = client.get(api_url(building))
    etag = detail["ETag"]
    assert etag == record_etag(Building.objects.get(pk=building.pk))
    assert etag.startswith(f'"{building.pk}-')

    fresh = patch(client, building, {"name": "新名称"}, if_match=etag)
    assert fresh.status_code == 200, fresh.content
    assert fresh["ETag"] not in (etag, None)
    assert fresh["ETag"] == client.get(api_url(building))["ETag"]

    stale = patch(client, building, {"address": "东大街"}, if_match=etag)
    assert stale.status_code == 412
    assert stale.json() == {"detail": stale.json()["detail"]}
    assert stale.json()["detail"].startswith("The record has changed since you read it")
    weak = patch(client, building, {"address": "东大街"}, if_match=f"W/{fresh['ETag']}")
    assert weak.status_code == 412
    assert Building.objects.get(pk=building.pk).address == "红星路"

    listed = patch(client, building, {"address": "东大街"}, if_match=f'"0-0", {fresh["ETag"]}')
    assert listed.status_code == 200, listed.content
    assert patch(client, building, {"floors_above": 7}, if_match="*").status_code == 200
    stored = Building.objects.get(pk=building.pk)
    assert (stored.name, stored.address, stored.floors_above) == ("新名称", "东大街", 7)


def test_a_stale_put_is_refused(building):
    client = client_of(officer_of(building))
    detail = client.get(api_url(building))
    meanwhile = Building.objects.get(pk=building.pk)
    meanwhile.address = "东大街"
    meanwhile.save()
    body = detail.json()
    body["properties"]["name"] = "新名称"
    headers = {"If-Match": detail["ETag"]}
    response = client.put(api_url(building), body, content_type="application/json", headers=headers)
    assert response.status_code == 412
    stored = Building.objects.get(pk=building.pk)
    assert (stored.name, stored.address) == ("锦江办公楼", "东大街")


# -- the admin ---------------------------------------------------------------------------------


def change_url(record):
    return reverse("admin:buildings_building_change", args=[record.pk])


def posted(page, **changes):
    """What the browser posts back from an admin change page: the form as shown (with its
    hidden version), the inlines' management forms, and ``changes``."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {
            management.add_prefix(name): management[name].value() for name in management.fields
        }
    # A geometry goes as text, as the map widget posts it (the client would post its coordinates).
    shown = {name: getattr(value, "ewkt", value) for name, value in data.items()}
    return {name: value for name, value in shown.items() if value is not None} | changes


def test_the_change_form_carries_the_version_it_shows(building):
    page = client_of(officer_of(building)).get(change_url(building))
    form = page.context["adminform"].form
    assert form["version"].value() == Building.objects.get(pk=building.pk).updated_at.isoformat()
    assert form.fields["version"].widget.is_hidden


@concurrent
def test_two_admin_saves_of_one_loaded_version_one_gets_the_conflict(building):
    officer = officer_of(building)
    one, other = client_of(officer), client_of(officer)
    changes = [{"name": "新名称"}, {"address": "东大街"}]
    data = [
        posted(client.get(change_url(building)), **change)
        for client, change in zip((one, other), changes, strict=True)
    ]
    outcomes = run_blocked(
        building,
        lambda: one.post(change_url(building), data[0]),
        lambda: other.post(change_url(building), data[1]),
    )
    statuses = [response.status_code for response in outcomes]
    assert sorted(statuses) == [200, 302], outcomes
    winner, loser = statuses.index(302), statuses.index(200)
    errors = outcomes[loser].context["adminform"].form.non_field_errors()
    assert f"This record was changed by {officer.username} at " in errors[0]
    assert "Nothing was saved" in errors[0]
    stored = Building.objects.get(pk=building.pk)
    assert {"name": stored.name, "address": stored.address} == {
        "name": "锦江办公楼",
        "address": "红星路",
    } | changes[winner]


def test_a_save_after_someone_elses_is_refused_on_the_form(building):
    client = client_of(officer_of(building))
    data = posted(client.get(change_url(building)), floors_above=5)
    meanwhile = Building.objects.get(pk=building.pk)
    meanwhile.name = "别人改的"
    meanwhile.save()
    response = client.post(change_url(building), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert "This record was changed at " in errors[0]  # no user in that save's history
    forged = client.post(change_url(building), data | {"version": "not a time"})
    assert "after you opened it" in forged.context["adminform"].form.non_field_errors()[0]
    stored = Building.objects.get(pk=building.pk)
    assert (stored.name, stored.floors_above) == ("别人改的", 1)
    # A post without a version (a script's) cannot tell what its sender saw: it is checked
    # against the record as read when posted, and so saved.
    unversioned = {name: value for name, value in data.items() if name != "version"}
    assert client.post(change_url(building), unversioned).status_code == 302


# -- admin inline rows and API deletion ----------------------------------------------------------


@pytest.fixture
def occupancy(building):
    return Occupancy.objects.create(
        unit=building.managing_unit, building=building, usable_area_m2=Decimal("100.00")
    )


def occupancy_url(record):
    return f"/api/occupancies/{record.pk}/"


def posted_with_rows(page, **changes):
    """``posted`` plus every inline row as shown (each with its hidden version)."""
    data = posted(page)
    for inline in page.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            shown = {form.add_prefix(name): form[name].value() for name in form.fields}
            data |= {name: value for name, value in shown.items() if value is not None}
    return data | changes


def area_field(page):
    return page.context["inline_admin_formsets"][0].formset.forms[0].add_prefix("usable_area_m2")


def api_changes_the_area(client, occupancy):
    etag = client.get(occupancy_url(occupancy))["ETag"]
    headers = {"If-Match": etag}
    body = {"usable_area_m2": "120.00"}
    response = client.patch(
        occupancy_url(occupancy), body, content_type="application/json", headers=headers
    )
    assert response.status_code == 200, response.content


def test_an_inline_row_carries_its_version_and_saves_when_current(building, occupancy):
    client = client_of(officer_of(building))
    page = client.get(change_url(building))
    row = page.context["inline_admin_formsets"][0].formset.forms[0]
    stored = Occupancy.objects.get(pk=occupancy.pk)
    assert row["version"].value() == stored.updated_at.isoformat()
    response = client.post(change_url(building), posted_with_rows(page, **{area_field(page): "90"}))
    assert response.status_code == 302
    assert Occupancy.objects.get(pk=occupancy.pk).usable_area_m2 == Decimal("90.00")


def test_a_stale_inline_row_does_not_revert_an_api_write(building, occupancy):
    client = client_of(officer_of(building))
    page = client.get(change_url(building))
    api_changes_the_area(client, occupancy)
    response = client.post(change_url(building), posted_with_rows(page, **{area_field(page): "90"}))
    assert response.status_code == 200
    row = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert "This record was changed by " in row.non_field_errors()[0]
    assert Occupancy.objects.get(pk=occupancy.pk).usable_area_m2 == Decimal("120.00")


def test_an_untouched_row_someone_else_changed_is_not_written_back(building, occupancy):
    client = client_of(officer_of(building))
    page = client.get(change_url(building))
    api_changes_the_area(client, occupancy)
    # The editor changed only the building; the row as shown differs from the stored one, so
    # the admin would save it, and with it the old area.
    response = client.post(change_url(building), posted_with_rows(page, floors_above=5))
    assert response.status_code == 200
    row = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert "This record was changed by " in row.non_field_errors()[0]
    assert Occupancy.objects.get(pk=occupancy.pk).usable_area_m2 == Decimal("120.00")
    assert Building.objects.get(pk=building.pk).floors_above == 1


def test_rows_nobody_changed_do_not_hold_up_the_record(building, occupancy):
    client = client_of(officer_of(building))
    page = client.get(change_url(building))
    response = client.post(change_url(building), posted_with_rows(page, floors_above=5))
    assert response.status_code == 302
    assert Building.objects.get(pk=building.pk).floors_above == 5


def test_a_delete_naming_an_old_version_is_refused(building):
    client = client_of(officer_of(building))
    etag = client.get(api_url(building))["ETag"]
    assert patch(client, building, {"name": "新名称"}, if_match=etag).status_code == 200
    stale = client.delete(api_url(building), headers={"If-Match": etag})
    assert stale.status_code == 412
    assert Building.objects.filter(pk=building.pk).exists()
    current = client.get(api_url(building))["ETag"]
    assert client.delete(api_url(building), headers={"If-Match": current}).status_code == 204
    assert not Building.objects.filter(pk=building.pk).exists()
