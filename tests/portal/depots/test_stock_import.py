"""A bulk import of depot stock (``portal.exchange``, record type ``stock``) logs what it does to
quantities: an opening receipt for each new batch holding stock, a stocktake of the difference
for each batch whose quantity the file changes, so that the log still rebuilds every batch."""

import csv
from decimal import Decimal

import pytest

from portal.depots.models import StockItem, StockMovement
from portal.exchange import services
from portal.exchange.models import ImportStatus
from tests.portal.depots.conftest import assert_log_rebuilds

pytestmark = pytest.mark.django_db(databases="__all__")

HEADERS = ["depot", "category", "batch_no", "name", "quantity", "uom", "min_level"]


def import_stock(world, tmp_path, rows):
    path = tmp_path / "stock.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows([world.depot.code, "1010102", *row] for row in rows)
    job = services.import_path("stock", path, by=world.officer)
    assert job.status == ImportStatus.COMMITTED, job.report
    return job


def test_an_import_logs_new_batches_and_changed_quantities(world, tmp_path):
    rows = [
        ["2025-001", "棉帐篷", "80", "顶", "10"],  # counted 20 fewer than recorded
        ["2025-002", "棉帐篷", "30", "顶", "0"],  # new, with stock
        ["2025-003", "棉帐篷", "0", "顶", "0"],  # new and empty: nothing to log
    ]
    job = import_stock(world, tmp_path, rows)
    logged = StockMovement.objects.filter(document_no=f"IMPORT-{job.pk}")
    assert sorted((m.stock_item.batch_no, m.kind, m.change) for m in logged) == [
        ("2025-001", "stocktake", Decimal(-20)),
        ("2025-002", "receipt", Decimal(30)),
    ]
    assert {m.by for m in logged} == {world.officer}
    for item in StockItem.objects.all():
        assert_log_rebuilds(item)
    assert StockItem.objects.get(batch_no="2025-001").quantity == 80


def test_an_import_that_leaves_quantities_alone_logs_nothing(world, tmp_path):
    import_stock(world, tmp_path, [["2025-001", "棉帐篷", "100", "顶", "25"]])
    world.tents.refresh_from_db()
    assert world.tents.minimum_level == 25
    assert list(world.tents.movements.values_list("kind", flat=True)) == ["receipt"]
    assert_log_rebuilds(world.tents)
