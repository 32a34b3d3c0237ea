"""Create, read, update and delete every registry model through the API, as a province admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.assets.services.listings import publish_listing
from portal.org.choices import Role
from tests.factories import BuildingFactory
from tests.portal.api.cases import CASES, detail_url, ids, list_url, patch_body

pytestmark = pytest.mark.django_db


@pytest.fixture(params=CASES, ids=str)
def case(request):
    return request.param


def test_list_and_detail(api, login, units, case):
    login()
    record = case.make(units["jinjiang"])
    listing = api.get(list_url(case))
    assert listing.status_code == 200, listing.content
    assert record.pk in ids(listing)
    detail = api.get(detail_url(case, record))
    assert detail.status_code == 200
    assert detail.json()["id"] == record.pk


def test_create(api, login, units, case):
    login()
    response = api.post_json(list_url(case), case.body(units["jinjiang"]))
    assert response.status_code == 201, response.content
    created = case.model.objects.get(pk=response.json()["id"])
    assert api.get(detail_url(case, created)).json() == response.json()


def test_partial_update(api, login, units, case):
    login()
    record = case.make(units["jinjiang"])
    response = api.patch_json(detail_url(case, record), patch_body(case))
    assert response.status_code == 200, response.content
    record.refresh_from_db()
    for name, value in case.change.items():
        assert str(getattr(record, name)) == str(value)


def test_delete(api, login, units, case):
    login()
    record = case.make(units["jinjiang"])
    assert api.delete(detail_url(case, record)).status_code == 204
    assert not case.model.objects.filter(pk=record.pk).exists()


def test_list_queries_do_not_grow_with_records(
    api, login, units, case, django_assert_max_num_queries
):
    """Session, user, one page query, the idle-timeout session save (UPDATE in a savepoint) and,
    for a list naming related records that carry a level (an occupancy's building), the keys
    of those classified above the reader's clearance: at most seven, however many records. An
    N+1 fails here."""
    login()
    case.make(units["jinjiang"])
    api.get(list_url(case))  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as few:
        api.get(list_url(case))
    for unit in units.values():
        case.make(unit)
        case.make(unit)
    with django_assert_max_num_queries(7) as many:
        response = api.get(list_url(case))
    assert len(ids(response)) >= 7
    assert len(many) == len(few)


def test_put_replaces_an_asset(api, login, units):
    login()
    case = next(c for c in CASES if c.basename == "asset")
    record = case.make(units["jinjiang"])
    body = case.body(units["jinjiang"])
    body["properties"].update(ledger_code=record.ledger_code, name="替换后的名称")
    response = api.put_json(detail_url(case, record), body)
    assert response.status_code == 200, response.content
    record.refresh_from_db()
    assert record.name == "替换后的名称"
    assert record.net_value == 5000


def test_deleting_a_referenced_record_is_a_conflict(api, login, units):
    login()
    case = next(c for c in CASES if c.basename == "unit")
    child = case.make(units["jinjiang"])
    case.make(child)  # a unit whose parent is ``child`` protects it
    response = api.delete(detail_url(case, child))
    assert response.status_code == 409
    assert "cannot be deleted" in response.json()["detail"]


def test_changing_a_listed_asset_s_holder_is_a_conflict(api, login, units):
    """The warehouse holds the asset: the API refuses the change with 409 and its reason."""
    officer = login(Role.UNIT_OFFICER, units["jinjiang"])
    case = next(c for c in CASES if c.basename == "asset")
    record = case.make(units["jinjiang"])
    record.building = BuildingFactory(managing_unit=units["jinjiang"])
    record.save()
    publish_listing(record, reason="idle", explanation="闲置", mode="virtual", by=officer)
    login()  # a province administrator, who may edit every unit's assets
    body = {"properties": {"holder": units["wuhou"].credit_code}}
    response = api.patch_json(detail_url(case, record), body)
    assert response.status_code == 409, response.content
    assert "offered in the public asset warehouse" in response.json()["detail"]
    record.refresh_from_db()
    assert (record.holder, record.status) == (units["jinjiang"], "idle")
