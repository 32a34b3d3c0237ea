"""The stock log's read-only API (``/api/stock-movements/``): scoped like the depots, filtered by
depot code, kind and date, never written; and ``/api/stock-items/``, whose batches carry their
volume per unit, come in by receipts that write their movements, and never change quantity or
depot by an update, so that the log still rebuilds every batch."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from portal.depots.models import StockItem, StockMovement
from portal.depots.services.stock import issue_stock
from portal.org.choices import Role
from tests.factories import DepotFactory, SupplyCategoryFactory, UnitFactory, UserFactory
from tests.portal.depots.conftest import (
    PDF,
    assert_log_rebuilds,
    receive_tents,
    upload,
)

TODAY = timezone.localdate()
MOVEMENTS = "/api/stock-movements/"
ITEMS = "/api/stock-items/"


@pytest.fixture
def api(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.officer)
    return client


@pytest.fixture
def theirs(world):
    depot = DepotFactory(managing_unit=world.other_unit, code="YJ-510703-01")
    return receive_tents(depot, world.other_officer, "9").movements.get()


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_log_lists_only_the_depots_in_scope(api, world, theirs):
    own = StockMovement.objects.get(depot=world.depot)
    assert ids(api.get(MOVEMENTS)) == {own.pk}
    assert api.get(f"{MOVEMENTS}{theirs.pk}/").status_code == 404
    row = api.get(f"{MOVEMENTS}{own.pk}/").json()
    assert row["depot"] == world.depot.code
    assert (row["kind"], row["change"], row["balance"]) == ("receipt", 100, 100)
    assert (row["category"], row["batch_no"], row["unit_of_measure"]) == (
        "1010102",
        "2025-001",
        "顶",
    )
    assert row["by"] == world.officer.username
    assert row["document_url"] is None


def test_a_province_administrator_reads_every_depots_log(world, theirs):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(
        UserFactory(role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510000"))
    )
    assert theirs.pk in ids(client.get(MOVEMENTS))


def test_the_log_filters_by_depot_kind_and_date(api, world):
    issue = issue_stock(
        world.tents,
        quantity="10",
        document_no="CK-1",
        counterparty="安置点",
        occurred_on=TODAY - timedelta(days=5),
        by=world.officer,
    )
    receipt = StockMovement.objects.get(kind="receipt")
    assert ids(api.get(MOVEMENTS, {"depot": world.depot.code})) == {receipt.pk, issue.pk}
    assert ids(api.get(MOVEMENTS, {"depot": "YJ-510703-01"})) == set()
    assert ids(api.get(MOVEMENTS, {"kind": "issue"})) == {issue.pk}
    before = (TODAY - timedelta(days=1)).isoformat()
    assert ids(api.get(MOVEMENTS, {"occurred_before": before})) == {issue.pk}
    assert ids(api.get(MOVEMENTS, {"occurred_after": TODAY.isoformat()})) == {receipt.pk}
    wrong = api.get(MOVEMENTS, {"kind": "gift"})
    assert wrong.status_code == 400
    assert "kind" in wrong.json()["errors"]


def test_the_log_cannot_be_written_through_the_api(api, world):
    movement = StockMovement.objects.get()
    body = {"document_no": "X"}
    assert api.post(MOVEMENTS, body, content_type="application/json").status_code == 405
    detail = f"{MOVEMENTS}{movement.pk}/"
    assert api.patch(detail, body, content_type="application/json").status_code == 405
    assert api.delete(detail).status_code == 405
    assert StockMovement.objects.get().document_no == "RK-2025-001"


def test_a_scanned_document_is_linked_for_readers_of_the_log(api, world):
    movement = issue_stock(
        world.tents,
        quantity="1",
        document_no="CK-2",
        counterparty="x",
        document=upload("出库单.pdf", PDF),
        by=world.officer,
    )
    url = api.get(f"{MOVEMENTS}{movement.pk}/").json()["document_url"]
    assert url.endswith(f"/depots/movements/{movement.pk}/document/")
    assert api.get(url).status_code == 200


def test_stock_items_carry_their_volume_per_unit(api, world):
    row = api.get(f"/api/stock-items/{world.tents.pk}/").json()
    assert row["unit_volume_m3"] == 0.25


# -- batches: quantities only through the log -------------------------------------------------


def post(api, body):
    return api.post(ITEMS, body, content_type="application/json")


def patch(api, item, body):
    return api.patch(f"{ITEMS}{item.pk}/", body, content_type="application/json")


def new_batch(world, **changes):
    body = {
        "depot": world.depot.code,
        "category": SupplyCategoryFactory(code="1010201", name="折叠床").code,
        "name": "折叠床",
        "batch_no": "2025-009",
        "quantity": "40",
        "unit_of_measure": "张",
        "document_no": "RK-API-1",
        "counterparty": "绵阳家具厂",
    }
    return body | changes


def test_a_posted_batch_opens_with_its_receipt(api, world):
    response = post(api, new_batch(world))
    assert response.status_code == 201, response.content
    created = StockItem.objects.get(pk=response.json()["id"])
    [opening] = created.movements.all()
    assert (opening.kind, opening.change, opening.document_no) == ("receipt", 40, "RK-API-1")
    assert (opening.counterparty, opening.by, opening.occurred_on) == (
        "绵阳家具厂",
        world.officer,
        TODAY,
    )
    assert "document_no" not in response.json()
    assert_log_rebuilds(created)


def test_a_post_of_a_batch_held_is_a_receipt_into_it(api, world):
    body = new_batch(world, category="1010102", name="棉帐篷", batch_no="2025-001")
    response = post(api, body | {"unit_of_measure": "顶", "document_no": "RK-API-2"})
    assert response.status_code == 201, response.content
    assert response.json()["id"] == world.tents.pk
    assert [m.change for m in world.tents.movements.order_by("pk")] == [100, 40]
    assert_log_rebuilds(world.tents)


def test_a_post_without_its_receipt_document_writes_nothing(api, world):
    body = new_batch(world)
    del body["document_no"]
    response = post(api, body)
    assert response.status_code == 400
    assert response.json()["detail"] == "Document number: this is required."
    assert not StockItem.objects.filter(batch_no="2025-009").exists()


def test_an_update_never_changes_quantity_or_depot(api, world):
    elsewhere = DepotFactory(managing_unit=world.unit, code="YJ-510104-02")
    response = patch(api, world.tents, {"quantity": "55", "depot": elsewhere.code})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "stock movements" in errors["quantity"][0]
    assert "depot's page" in errors["quantity"][0]
    assert errors["depot"] == ["A batch stays in its depot; issue it and receive it there."]
    receipt_only = patch(api, world.tents, {"document_no": "RK-9"})
    assert list(receipt_only.json()["errors"]) == ["document_no"]
    world.tents.refresh_from_db()
    assert (world.tents.quantity, world.tents.depot) == (100, world.depot)


def test_a_batch_read_and_put_back_keeps_its_log(api, world):
    """A client may send the quantity it read: only a change is refused."""
    row = api.get(f"{ITEMS}{world.tents.pk}/").json()
    row["minimum_level"] = 30
    response = api.put(f"{ITEMS}{world.tents.pk}/", row, content_type="application/json")
    assert response.status_code == 200, response.content
    issue_stock(world.tents, quantity="10", document_no="CK-1", counterparty="x", by=world.officer)
    world.tents.refresh_from_db()
    assert (world.tents.minimum_level, world.tents.quantity) == (30, 90)
    assert_log_rebuilds(world.tents)
