"""The depot and stock pages: the depot list (filters, capacity use, alerts, reserves; its query
count pinned), a depot's page, the four movement forms (redirect with a message, or the error
beside the field with nothing written), the movement log and its exports, the scanned
documents, the alerts page and the admin's read-only log; and who may reach each of them."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.depots.models import StockItem, StockMovement
from portal.depots.services.stock import issue_stock
from portal.org.choices import Role
from tests.factories import (
    DepotFactory,
    StockItemFactory,
    SupplyCategoryFactory,
    UnitFactory,
    UserFactory,
    division,
)
from tests.portal.depots.conftest import (
    PDF,
    TIFF,
    assert_log_rebuilds,
    dual_use_listing,
    receive_tents,
    upload,
)

TODAY = timezone.localdate()


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signed_in(client, user):
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"depots:{name}", args=args)


def receipt(world, **changes):
    data = {
        "category": world.tents.category.pk,
        "name": "棉帐篷",
        "batch_no": "2025-001",
        "quantity": "25",
        "unit_of_measure": "顶",
        "dual_use": "",
        "counterparty": "成都帐篷厂",
        "document_no": "RK-2",
        "occurred_on": TODAY.isoformat(),
    }
    return data | changes


# -- the depot list ---------------------------------------------------------------------------


def test_the_list_shows_the_depots_in_scope_with_capacity_and_alerts(client, world):
    StockItemFactory(depot=world.depot, quantity=1, minimum_level=5, unit_volume_m3=0)
    theirs = DepotFactory(managing_unit=world.other_unit, name="涪城区储备库")
    response = signed_in(client, world.officer).get(url("depot_list"))
    assert response.status_code == 200
    assert list(response.context["depots"]) == [world.depot]
    body = response.content.decode()
    assert theirs.name not in body
    depot = response.context["depots"][0]
    assert (depot.used_m3, depot.below_minimum_count) == (25, 1)  # 100 tents × 0.25 m³
    assert 'data-capacity-use="0.0250"' in body  # 25 of 1,000 m³
    assert [row.code for row in response.context["reserves"]] == ["1010102"]


def test_the_list_filters_by_kind_and_where_the_depot_stands(client, world):
    warehouse = DepotFactory(managing_unit=world.unit, kind="warehouse")
    elsewhere = DepotFactory(managing_unit=world.unit, division=division("510107"))
    officer = signed_in(client, world.officer)
    by_kind = officer.get(url("depot_list"), {"kind": "warehouse"})
    assert list(by_kind.context["depots"]) == [warehouse]
    by_place = officer.get(url("depot_list"), {"division": "510107"})
    assert list(by_place.context["depots"]) == [elsewhere]
    assert by_place.context["reserves"] == []
    wrong = officer.get(url("depot_list"), {"division": "519999"})
    assert wrong.status_code == 200
    assert list(wrong.context["depots"]) == []
    assert "no current division has code 519999" in wrong.content.decode()


def grow(world, count):
    for n in range(count):
        depot = DepotFactory(managing_unit=UnitFactory(division_code="510104"))
        StockItemFactory(depot=depot, expires_on=TODAY - timedelta(days=n + 1))
        dual_use_listing(depot, world.unit)


def queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


# Session, user, the reserves' stock, the user's unit and division (which listings are shared
# with it), the dual-use listings, the page's count, its depots (capacity use and alert counts
# are subqueries), and the session save (savepoint, update, release). More depots add none.
DEPOT_LIST_QUERIES = 11


def test_the_list_query_count_is_pinned(client, world, django_assert_max_num_queries):
    admin = UserFactory(role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510000"))
    signed_in(client, admin)
    before = queries(client, url("depot_list"))
    grow(world, 4)
    with django_assert_max_num_queries(DEPOT_LIST_QUERIES):
        response = client.get(url("depot_list"))
    assert len(response.context["depots"]) == 5
    assert queries(client, url("depot_list")) == before


# -- a depot's page ---------------------------------------------------------------------------


def test_the_depot_page_shows_capacity_reserves_and_the_latest_movements(client, world):
    dual_use_listing(world.depot, world.unit)
    issue_stock(
        world.tents, quantity="30", document_no="CK-7", counterparty="安置点", by=world.officer
    )
    response = signed_in(client, world.officer).get(world.depot.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["object"].used_m3 == Decimal("17.5")
    reserves = {row.code: row for row in response.context["reserves"]}
    assert reserves["2030100"].dual_use_items == 1
    assert reserves["1010102"].stock == [(Decimal("70"), "顶")]
    assert [m.document_no for m in response.context["movements"]] == ["CK-7", "RK-2025-001"]
    assert 'id="recent-movements"' in body
    for action in ("stock_receive", "stock_issue", "stock_adjust", "stock_write_off"):
        assert url(action, world.depot.pk) in body


def test_a_viewer_sees_the_depot_but_no_forms(client, world):
    response = signed_in(client, world.viewer).get(world.depot.get_absolute_url())
    assert response.status_code == 200
    assert url("stock_receive", world.depot.pk) not in response.content.decode()
    assert url("stock_movements", world.depot.pk) in response.content.decode()


def test_another_county_cannot_open_the_depot_or_its_pages(client, world):
    other = signed_in(client, world.other_officer)
    pk = world.depot.pk
    for path in (
        world.depot.get_absolute_url(),
        url("stock_receive", pk),
        url("stock_issue", pk),
        url("stock_movements", pk),
        url("stock_movements_csv", pk),
        url("stock_movements_xlsx", pk),
    ):
        assert other.get(path).status_code == 404, path
    assert other.post(url("stock_receive", pk), receipt(world)).status_code == 404
    assert StockMovement.objects.count() == 1


# -- the forms --------------------------------------------------------------------------------


def test_a_receipt_posted_redirects_with_a_message(client, world):
    officer = signed_in(client, world.officer)
    assert officer.get(url("stock_receive", world.depot.pk)).status_code == 200
    response = officer.post(url("stock_receive", world.depot.pk), receipt(world))
    assert response.status_code == 302
    assert response["Location"] == world.depot.get_absolute_url()
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Received 25 顶 (RK-2): the batch now holds 125 顶."
    world.tents.refresh_from_db()
    assert world.tents.quantity == 125


def test_a_receipt_with_a_scan_keeps_it_for_the_log(client, world):
    officer = signed_in(client, world.officer)
    data = receipt(world, document=upload("入库单.pdf", PDF))
    assert officer.post(url("stock_receive", world.depot.pk), data).status_code == 302
    movement = StockMovement.objects.get(document_no="RK-2")
    response = officer.get(url("stock_movement_document", movement.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert (
        signed_in(client, world.other_officer)
        .get(url("stock_movement_document", movement.pk))
        .status_code
        == 404
    )


def test_a_form_error_is_shown_beside_its_field(client, world):
    response = signed_in(client, world.officer).post(
        url("stock_receive", world.depot.pk), receipt(world, quantity="0")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["quantity"]
    assert StockMovement.objects.count() == 1


def test_a_refused_scan_is_named_beside_the_document_field(client, world):
    data = receipt(world, document=upload("scan.tif", TIFF))
    response = signed_in(client, world.officer).post(url("stock_receive", world.depot.pk), data)
    assert response.status_code == 400
    [error] = response.context["form"].errors["document"]
    assert error.startswith("Scanned document: “scan.tif” is a image/tiff file")
    assert StockMovement.objects.count() == 1


def test_an_issue_beyond_the_stock_comes_back_on_the_form(client, world):
    data = {
        "item": world.tents.pk,
        "quantity": "150",
        "counterparty": "安置点",
        "document_no": "CK-1",
        "occurred_on": TODAY.isoformat(),
    }
    response = signed_in(client, world.officer).post(url("stock_issue", world.depot.pk), data)
    assert response.status_code == 409
    assert "holds 100 顶; 150 asked for" in response.context["error"]
    assert response.context["form"].errors["quantity"]
    world.tents.refresh_from_db()
    assert world.tents.quantity == 100


@pytest.mark.parametrize(
    ("action", "data", "balance"),
    [
        ("stock_issue", {"quantity": "40", "counterparty": "安置点"}, 60),
        ("stock_adjust", {"counted_quantity": "97", "reason": "盘亏"}, 97),
        ("stock_write_off", {"quantity": "4", "reason": "破损"}, 96),
    ],
)
def test_each_out_form_records_its_movement(client, world, action, data, balance):
    post = {"item": world.tents.pk, "document_no": "D-1", "occurred_on": TODAY.isoformat()}
    officer = signed_in(client, world.officer)
    assert officer.get(url(action, world.depot.pk), {"item": world.tents.pk}).status_code == 200
    response = officer.post(url(action, world.depot.pk), post | data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    world.tents.refresh_from_db()
    assert world.tents.quantity == balance
    assert StockMovement.objects.get(document_no="D-1").balance == balance


def test_the_batch_choices_are_the_depots_own(client, world):
    theirs = StockItemFactory(depot=DepotFactory(managing_unit=world.other_unit))
    data = {
        "item": theirs.pk,
        "quantity": "1",
        "counterparty": "x",
        "document_no": "CK",
        "occurred_on": TODAY.isoformat(),
    }
    response = signed_in(client, world.officer).post(url("stock_issue", world.depot.pk), data)
    assert response.status_code == 400
    assert response.context["form"].errors["item"]
    theirs.refresh_from_db()
    assert theirs.quantity == 100


def test_a_viewer_is_refused_the_forms(client, world):
    viewer = signed_in(client, world.viewer)
    assert viewer.get(url("stock_receive", world.depot.pk)).status_code == 403
    assert viewer.post(url("stock_receive", world.depot.pk), receipt(world)).status_code == 403
    assert StockMovement.objects.count() == 1


# -- the movement log -------------------------------------------------------------------------


@pytest.fixture
def logged(world):
    receive_tents(world.depot, world.officer, "20", document_no="=HYPERLINK(1)")
    issue_stock(
        world.tents, quantity="50", document_no="CK-1", counterparty="安置点", by=world.officer
    )
    return world


def test_the_log_lists_and_filters_the_movements(client, logged):
    officer = signed_in(client, logged.officer)
    response = officer.get(url("stock_movements", logged.depot.pk))
    assert response.status_code == 200
    assert [m.document_no for m in response.context["movements"]] == [
        "CK-1",
        "=HYPERLINK(1)",
        "RK-2025-001",
    ]
    issues = officer.get(url("stock_movements", logged.depot.pk), {"kind": "issue"})
    assert [m.document_no for m in issues.context["movements"]] == ["CK-1"]


def test_the_log_exports_as_csv(client, logged):
    response = signed_in(client, logged.officer).get(
        url("stock_movements_csv", logged.depot.pk), {"kind": ["receipt"]}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("\ufeffDate,Kind,Supply class")
    assert len(lines) == 3
    assert "'=HYPERLINK(1)" in text, "a formula-like cell is neutralised"
    assert "RK-2025-001" in text


def test_the_log_exports_as_xlsx(client, logged):
    response = signed_in(client, logged.officer).get(url("stock_movements_xlsx", logged.depot.pk))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Kind", "Supply class")
    assert len(rows) == 4
    changes = sorted(row[5] for row in rows[1:])
    assert changes == [-50, 20, 100]
    assert "=HYPERLINK(1)" in [row[8] for row in rows[1:]], "kept as text, not a formula"
    assert sheet.title == logged.depot.code


# -- the alerts page --------------------------------------------------------------------------


def test_the_alerts_page_lists_and_counts_the_batches_to_act_on(client, world):
    water = SupplyCategoryFactory(code="1030100", name="饮用水")
    expired = StockItemFactory(
        depot=world.depot, category=water, expires_on=TODAY - timedelta(days=2)
    )
    low = StockItemFactory(depot=world.depot, quantity=2, minimum_level=10)
    StockItemFactory(
        depot=DepotFactory(managing_unit=world.other_unit), quantity=0, minimum_level=9
    )
    officer = signed_in(client, world.officer)
    response = officer.get(url("stock_alerts"))
    assert response.status_code == 200
    assert list(response.context["items"]) == [expired, low]
    counts = {name: count for name, _label, count in response.context["counts"]}
    assert counts == {"expired": 1, "expiring": 0, "below_minimum": 1}
    only_low = officer.get(url("stock_alerts"), {"alert": "below_minimum"})
    assert list(only_low.context["items"]) == [low]
    elsewhere = officer.get(url("stock_alerts"), {"division": "510107"})
    assert list(elsewhere.context["items"]) == []


# -- the admin's log --------------------------------------------------------------------------


def test_the_admin_reads_the_log_but_never_changes_it(client, world):
    movement = StockMovement.objects.get()
    officer = signed_in(client, world.officer)
    changelist = officer.get(reverse("admin:depots_stockmovement_changelist"))
    assert changelist.status_code == 200
    assert movement.document_no in changelist.content.decode()
    change = reverse("admin:depots_stockmovement_change", args=[movement.pk])
    page = officer.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert officer.post(change, {"document_no": "X"}).status_code == 403
    assert officer.get(reverse("admin:depots_stockmovement_add")).status_code == 403
    delete = reverse("admin:depots_stockmovement_delete", args=[movement.pk])
    assert officer.post(delete, {"post": "yes"}).status_code == 403
    assert StockMovement.objects.get().document_no == "RK-2025-001"
    other = signed_in(client, world.other_officer)
    assert other.get(change).status_code in {302, 404}
    assert StockItem.objects.get().quantity == 100


def test_the_admin_describes_batches_but_never_adds_recounts_or_moves_them(client, world):
    officer = signed_in(client, world.officer)
    change = reverse("admin:depots_stockitem_change", args=[world.tents.pk])
    form = officer.get(change).context["adminform"].form
    assert not {"quantity", "depot"} & set(form.fields)
    data = {name: form.initial[name] for name in form.fields if form.initial.get(name) is not None}
    elsewhere = DepotFactory(managing_unit=world.unit)
    crafted = {"minimum_level": "30", "quantity": "5", "depot": elsewhere.pk}
    assert officer.post(change, data | crafted).status_code == 302
    world.tents.refresh_from_db()
    assert (world.tents.minimum_level, world.tents.quantity) == (30, 100)
    assert world.tents.depot == world.depot
    assert_log_rebuilds(world.tents)
    assert officer.get(reverse("admin:depots_stockitem_add")).status_code == 403
    depot_page = officer.get(reverse("admin:depots_depot_change", args=[world.depot.pk]))
    [stock] = [i for i in depot_page.context["inline_admin_formsets"] if i.opts.model is StockItem]
    assert (stock.has_add_permission, stock.has_change_permission) == (False, True)
    assert "quantity" not in stock.formset.forms[0].fields


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for path in (
        url("depot_list"),
        url("stock_alerts"),
        url("stock_receive", world.depot.pk),
        url("stock_movements", world.depot.pk),
        url("stock_movements_csv", world.depot.pk),
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path


def test_a_receipt_may_flag_the_batch_dual_use_and_set_its_figures(client, world):
    data = receipt(world, dual_use="yes", minimum_level="80", unit_volume_m3="0.3")
    response = signed_in(client, world.officer).post(url("stock_receive", world.depot.pk), data)
    assert response.status_code == 302
    world.tents.refresh_from_db()
    assert (world.tents.dual_use, world.tents.minimum_level) == (True, 80)
    assert world.tents.unit_volume_m3 == Decimal("0.3")
