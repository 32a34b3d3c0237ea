"""A county administrator or unit officer cannot reach another county's records through any API
route; records above the user's clearance stay hidden; writes outside the scope are refused."""

import pytest

from portal.assets.models import Asset
from portal.org.choices import Role
from tests.factories import AssetFactory, BuildingFactory
from tests.portal.api.cases import CASES, detail_url, ids, list_url, patch_body

pytestmark = pytest.mark.django_db


@pytest.fixture(params=CASES, ids=str)
def case(request):
    return request.param


@pytest.fixture
def records(units, case):
    return {key: case.make(unit) for key, unit in units.items()}


def test_county_admin_lists_and_opens_only_its_county(api, login, units, case, records):
    login(Role.DIVISION_ADMIN, units["jinjiang"])
    listed = ids(api.get(list_url(case)))
    assert records["jinjiang"].pk in listed
    assert not {records["wuhou"].pk, records["fucheng"].pk} & listed
    assert api.get(detail_url(case, records["jinjiang"])).status_code == 200
    assert api.get(detail_url(case, records["fucheng"])).status_code == 404


def test_county_admin_cannot_change_or_delete_another_county(api, login, units, case, records):
    login(Role.DIVISION_ADMIN, units["jinjiang"])
    other = records["fucheng"]
    assert api.patch_json(detail_url(case, other), patch_body(case)).status_code == 404
    assert api.delete(detail_url(case, other)).status_code == 404
    assert case.model.objects.filter(pk=other.pk).exists()


def test_creating_for_a_unit_outside_the_scope_is_forbidden(api, login, units, case):
    login(Role.DIVISION_ADMIN, units["jinjiang"])
    body = case.foreign_body(units["jinjiang"], units["fucheng"])
    response = api.post_json(list_url(case), body)
    assert response.status_code == 403, response.content
    assert response.json()["detail"].startswith(case.refusal)


def test_a_viewer_reads_but_cannot_write_its_own_records(api, login, units, case, records):
    login(Role.VIEWER, units["jinjiang"])
    own = records["jinjiang"]
    if case.basename == "unit":  # a viewer's scope is its own unit, not the units under it
        own = units["jinjiang"]
    assert api.get(detail_url(case, own)).status_code == 200
    assert api.patch_json(detail_url(case, own), patch_body(case)).status_code == 403
    assert api.delete(detail_url(case, own)).status_code == 403
    assert case.model.objects.filter(pk=own.pk).exists()


def test_unit_officer_sees_only_its_unit(api, login, units):
    login(Role.UNIT_OFFICER, units["jinjiang"])
    own = AssetFactory(holder=units["jinjiang"])
    AssetFactory(holder=units["wuhou"])
    assert ids(api.get("/api/assets/")) == {own.pk}


def test_secret_record_of_own_unit_is_hidden_without_clearance(api, login, units):
    secret = AssetFactory(holder=units["jinjiang"], confidentiality="secret")
    login(Role.UNIT_OFFICER, units["jinjiang"], clearance="internal")
    assert secret.pk not in ids(api.get("/api/assets/"))
    assert api.get(f"/api/assets/{secret.pk}/").status_code == 404
    assert api.patch_json(f"/api/assets/{secret.pk}/", {"name": "x"}).status_code == 404
    assert api.delete(f"/api/assets/{secret.pk}/").status_code == 404
    login(Role.UNIT_OFFICER, units["jinjiang"], clearance="secret")
    assert secret.pk in ids(api.get("/api/assets/"))


def test_moving_a_record_out_of_scope_is_forbidden(api, login, units):
    login(Role.DIVISION_ADMIN, units["jinjiang"])
    asset = AssetFactory(holder=units["jinjiang"])
    body = {"properties": {"holder": units["fucheng"].credit_code}}
    response = api.patch_json(f"/api/assets/{asset.pk}/", body)
    assert response.status_code == 403
    assert Asset.objects.get(pk=asset.pk).holder == units["jinjiang"]


def test_related_records_outside_the_scope_cannot_be_referenced(api, login, units):
    """An asset may sit in a building the user can see, not in another county's."""
    login(Role.DIVISION_ADMIN, units["jinjiang"])
    asset = AssetFactory(holder=units["jinjiang"])
    elsewhere = BuildingFactory(managing_unit=units["fucheng"])
    response = api.patch_json(f"/api/assets/{asset.pk}/", {"building": elsewhere.pk})
    assert response.status_code == 400
    assert "building" in response.json()["errors"]
