"""The stock services: each movement's arithmetic, the log that rebuilds the stock, refusals that
write nothing (too little stock, bad input naming the field, a wrong document, another county),
and concurrent issues from one batch served one after the other."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.utils import timezone

from portal.depots.exceptions import DepotForbiddenError, InsufficientStockError
from portal.depots.models import StockItem, StockMovement
from portal.depots.services.stock import (
    StockInputError,
    adjust_stock,
    issue_stock,
    receive_stock,
    write_off,
)
from portal.org.choices import Role
from tests.concurrency import race, split
from tests.factories import DepotFactory, UserFactory
from tests.portal.depots.conftest import (
    JPEG,
    PDF,
    PNG,
    TIFF,
    assert_log_rebuilds,
    receive_tents,
    upload,
)

pytestmark = pytest.mark.usefixtures("english")


def issue(world, quantity="30", *, by=None, **extra):
    terms = {"quantity": quantity, "document_no": "CK-1", "counterparty": "锦江区安置点"}
    return issue_stock(world.tents, **{**terms, **extra}, by=by or world.officer)


def movements(item):
    return list(StockMovement.objects.filter(stock_item=item).order_by("at", "pk"))


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- arithmetic -------------------------------------------------------------------------------


def test_a_receipt_of_a_new_batch_creates_it_with_its_opening_movement(world):
    [opening] = movements(world.tents)
    assert (world.tents.quantity, world.tents.unit_volume_m3) == (Decimal(100), Decimal("0.25"))
    assert (opening.kind, opening.change, opening.balance) == ("receipt", 100, 100)
    assert (opening.depot, opening.by, opening.counterparty) == (
        world.depot,
        world.officer,
        "成都帐篷厂",
    )
    assert opening.occurred_on == timezone.localdate()


def test_a_receipt_adds_to_the_batch_of_the_same_class_and_number(world):
    movement = receive_stock(
        world.depot,
        category=world.tents.category,
        name="另一个名字",
        batch_no="2025-001",
        quantity="20.5",
        unit_of_measure="顶",
        minimum_level="50",
        document_no="RK-2",
        occurred_on=timezone.localdate() - timedelta(days=3),
        by=world.officer,
    )
    item = StockItem.objects.get(pk=world.tents.pk)
    assert movement.stock_item == item
    assert (item.quantity, item.name, item.minimum_level) == (Decimal("120.5"), "棉帐篷", 50)
    assert item.unit_volume_m3 == Decimal("0.25"), "not given: kept"
    assert (movement.change, movement.balance) == (Decimal("20.5"), Decimal("120.5"))
    assert StockItem.objects.filter(depot=world.depot).count() == 1


def test_another_batch_number_is_another_batch(world):
    other = receive_tents(world.depot, world.officer, "7", batch_no="2026-002")
    assert other.pk != world.tents.pk
    assert (other.quantity, other.minimum_level, other.dual_use) == (7, 0, False)


def test_an_issue_takes_out_and_logs_the_balance(world):
    movement = issue(world, "30")
    world.tents.refresh_from_db()
    assert world.tents.quantity == 70
    assert (movement.kind, movement.change, movement.balance) == ("issue", -30, 70)
    assert movement.counterparty == "锦江区安置点"


def test_everything_may_be_issued_down_to_zero(world):
    issue(world, "100")
    world.tents.refresh_from_db()
    assert world.tents.quantity == 0


def test_a_stocktake_writes_the_difference_either_way(world):
    fewer = adjust_stock(
        world.tents, counted_quantity="96", document_no="PD-1", reason="盘亏", by=world.officer
    )
    assert (fewer.kind, fewer.change, fewer.balance) == ("stocktake", -4, 96)
    more = adjust_stock(
        world.tents, counted_quantity="99.5", document_no="PD-2", reason="盘盈", by=world.officer
    )
    assert (more.change, more.balance) == (Decimal("3.5"), Decimal("99.5"))
    gone = adjust_stock(
        world.tents, counted_quantity="0", document_no="PD-3", reason="全部损毁", by=world.officer
    )
    assert (gone.change, gone.balance) == (Decimal("-99.5"), 0)


def test_a_write_off_takes_out_with_its_reason(world):
    movement = write_off(
        world.tents, quantity="5", reason="受潮霉变", document_no="BF-1", by=world.officer
    )
    assert (movement.kind, movement.change, movement.balance, movement.reason) == (
        "write_off",
        -5,
        95,
        "受潮霉变",
    )


def test_the_log_rebuilds_the_stock(world):
    receive_tents(world.depot, world.officer, "40")
    issue(world, "55")
    adjust_stock(
        world.tents, counted_quantity="80", document_no="PD", reason="盘点", by=world.officer
    )
    write_off(world.tents, quantity="12.25", reason="破损", document_no="BF", by=world.officer)
    receive_tents(world.depot, world.officer, "3")
    kinds = ["receipt", "receipt", "issue", "stocktake", "write_off", "receipt"]
    assert [m.kind for m in movements(world.tents)] == kinds
    assert_log_rebuilds(world.tents)
    assert world.tents.quantity == Decimal("70.75")
    total = StockMovement.objects.filter(stock_item=world.tents).aggregate(total=Sum("change"))
    assert total["total"] == world.tents.quantity


# -- refusals ---------------------------------------------------------------------------------


def test_an_issue_beyond_the_quantity_names_the_batch_and_writes_nothing(world):
    with pytest.raises(InsufficientStockError) as refused:
        issue(world, "100.01")
    message = refused.value.user_message
    for part in ("棉帐篷", "2025-001", world.depot.name, "holds 100 顶", "100.01 asked for"):
        assert part in message
    assert refused.value.http_status == 409
    world.tents.refresh_from_db()
    assert world.tents.quantity == 100
    assert len(movements(world.tents)) == 1


def test_a_write_off_beyond_the_quantity_is_refused(world):
    with pytest.raises(InsufficientStockError, match="2025-001"):
        write_off(world.tents, quantity="101", reason="过期", document_no="BF", by=world.officer)
    assert len(movements(world.tents)) == 1


def test_a_stocktake_that_finds_what_is_recorded_is_refused(world):
    with pytest.raises(StockInputError, match="Counted quantity: it equals the recorded 100 顶"):
        adjust_stock(
            world.tents, counted_quantity="100", document_no="PD", reason="盘点", by=world.officer
        )
    assert len(movements(world.tents)) == 1


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"quantity": "0"}, "quantity", "Quantity: give a number above zero."),
        ({"quantity": "-3"}, "quantity", "Quantity: give a number from 0"),
        ({"quantity": "1.005"}, "quantity", "Quantity: at most 2 decimals."),
        ({"quantity": "many"}, "quantity", "Quantity: give a number."),
        ({"document_no": " "}, "document_no", "Document number: this is required."),
        ({"document_no": "x" * 41}, "document_no", "Document number: at most 40 characters."),
        ({"name": ""}, "name", "Name: this is required."),
        ({"unit_of_measure": "件"}, "unit_of_measure", "Unit of measure: batch 2025-001"),
        ({"expires_on": timezone.localdate()}, "expires_on", "Expires on: batch 2025-001"),
        ({"category": None}, "category", "Supply category: choose a supply class."),
        ({"unit_volume_m3": "0.00001"}, "unit_volume_m3", "Volume per unit (m³): at most 4"),
        ({"minimum_level": "-1"}, "minimum_level", "Minimum level: give a number from 0"),
        (
            {"occurred_on": timezone.localdate() + timedelta(days=1)},
            "occurred_on",
            "Date: a movement cannot be dated in the future.",
        ),
    ],
)
def test_bad_receipts_name_the_field_and_write_nothing(world, change, field, says):
    with pytest.raises(StockInputError) as refused:
        receive_tents(world.depot, world.officer, **{"quantity": "10", **change})
    assert refused.value.field == field
    assert refused.value.user_message.startswith(says), refused.value.user_message
    assert refused.value.http_status == 400
    world.tents.refresh_from_db()
    assert world.tents.quantity == 100
    assert StockMovement.objects.count() == 1


def test_an_issue_needs_a_recipient_and_a_write_off_a_reason(world):
    with pytest.raises(StockInputError, match="Supplier or recipient: this is required"):
        issue(world, counterparty="")
    with pytest.raises(StockInputError, match="Reason: this is required"):
        write_off(world.tents, quantity="1", reason=" ", document_no="BF", by=world.officer)
    assert StockMovement.objects.count() == 1


# -- documents --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [("出库单.pdf", PDF, ".pdf"), ("scan.JPG", JPEG, ".jpg"), ("scan.png", PNG, ".png")],
)
def test_a_scanned_document_is_stored_under_its_hash(world, settings, name, content, extension):
    movement = issue(world, document=upload(name, content))
    stored = Path(movement.document.path)
    assert stored.read_bytes() == content
    assert stored.suffix == extension
    assert movement.document.name.startswith("depots/movements/")


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.pdf", b"just some text", "is not a PDF, JPEG, PNG or TIFF file"),
        ("scan.pdf", PNG, "is a image/png file but its name ends in “.pdf”"),
        ("scan.tif", TIFF, "is a image/tiff file; give a PDF, JPEG or PNG scan."),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_a_wrong_document_is_refused_and_nothing_kept(world, settings, name, content, says):
    with pytest.raises(StockInputError) as refused:
        issue(world, document=upload(name, content))
    assert refused.value.field == "document"
    assert refused.value.user_message.startswith("Scanned document: ")
    assert says in refused.value.user_message
    assert StockMovement.objects.count() == 1
    assert media_files(settings) == []


def test_a_document_over_the_size_limit_is_refused(world, settings):
    settings.TIANFU_TITLE_DOCUMENT_MAX_MB = 1
    big = PDF + bytes(1024 * 1024)
    with pytest.raises(StockInputError, match="larger than 1 MB"):
        issue(world, document=upload("big.pdf", big))
    assert StockMovement.objects.count() == 1


def test_a_refused_movement_keeps_no_document(world, settings):
    with pytest.raises(InsufficientStockError):
        issue(world, "500", document=upload("出库单.pdf", PDF))
    assert media_files(settings) == []


# -- scope ------------------------------------------------------------------------------------


def test_another_countys_officer_changes_nothing(world):
    with pytest.raises(DepotForbiddenError) as refused:
        issue(world, by=world.other_officer)
    assert refused.value.http_status == 403
    with pytest.raises(DepotForbiddenError):
        receive_tents(world.depot, world.other_officer, "5")
    with pytest.raises(DepotForbiddenError):
        adjust_stock(
            world.tents, counted_quantity="1", document_no="x", reason="x", by=world.other_officer
        )
    with pytest.raises(DepotForbiddenError):
        write_off(world.tents, quantity="1", reason="x", document_no="x", by=world.other_officer)
    world.tents.refresh_from_db()
    assert world.tents.quantity == 100
    assert StockMovement.objects.count() == 1


def test_a_viewer_reads_but_records_nothing(world):
    with pytest.raises(DepotForbiddenError):
        issue(world, by=world.viewer)


def test_a_county_administrator_records_for_its_units_depots(world):
    admin = UserFactory(role=Role.DIVISION_ADMIN, unit=world.unit)
    other_depot = DepotFactory(managing_unit__division_code="510104")
    item = receive_tents(other_depot, admin, "8")
    assert item.depot == other_depot


# -- concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_from_one_batch_never_overdraw_it(english):
    from tests.factories import UnitFactory

    unit = UnitFactory(division_code="510104")
    depot = DepotFactory(managing_unit=unit)
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit)
    item = receive_tents(depot, officer, "100")

    def issuing(index: int) -> Callable[[], object]:
        terms = {"quantity": "60", "document_no": f"CK-{index}", "counterparty": "x"}
        return lambda: issue_stock(item, **terms, by=officer)

    _, lost = split(race(issuing(1), issuing(2)), StockMovement)
    assert isinstance(lost, InsufficientStockError), lost
    assert "holds 40 顶; 60 asked for" in lost.user_message
    item.refresh_from_db()
    assert item.quantity == 40
    assert StockMovement.objects.filter(stock_item=item).count() == 2
