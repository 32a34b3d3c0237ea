"""The stock movements of a committed bulk import (``portal.exchange``), written set-wise.

An import of the ``stock`` record type creates batches and may change their quantities; so
that the log still rebuilds every batch, each batch of rows is logged inside the import's
transaction: an opening receipt for a new batch holding stock, a stocktake of the difference
for a batch whose quantity the file changes. The exchange writer calls :func:`log_import`
after a batch's new rows are written and before its changes are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.depots.choices import MovementKind
from portal.depots.models import StockItem, StockMovement

if TYPE_CHECKING:
    from portal.org.models import User

Key = tuple[int, int, str]  # depot, supply category, batch number: a batch's natural key


def log_import(
    created: list[dict[str, Any]],
    changed: list[tuple[int, dict[str, Any]]],
    by: User,
    job_id: int | None,
) -> None:
    """Log ``created`` (the new batches' values) and ``changed`` (a batch's id with the values
    the file changes), with the import job as the movements' document."""
    paper = {
        "document_no": f"IMPORT-{job_id}" if job_id else "IMPORT",
        "occurred_on": timezone.localdate(),
        "reason": _("Bulk import"),
        "by": by,
    }
    counted = {pk: values["quantity"] for pk, values in changed if "quantity" in values}
    # Locked, so that each difference is from the quantity the update then replaces.
    recorded = StockItem.objects.select_for_update().filter(pk__in=counted)
    movements = [
        StockMovement(
            stock_item_id=pk,
            depot_id=depot,
            kind=MovementKind.STOCKTAKE,
            change=counted[pk] - quantity,
            balance=counted[pk],
            **paper,
        )
        for pk, depot, quantity in recorded.values_list("pk", "depot_id", "quantity")
        if counted[pk] != quantity
    ]
    movements += [
        StockMovement(
            stock_item_id=pk,
            depot_id=depot,
            kind=MovementKind.RECEIPT,
            change=quantity,
            balance=quantity,
            **paper,
        )
        for pk, depot, quantity in _new_batches(created)
        if quantity
    ]
    StockMovement.objects.bulk_create(movements)


def _new_batches(created: list[dict[str, Any]]) -> list[tuple[int, int, Decimal]]:
    """(id, depot id, quantity) of the batches just written from ``created``."""
    quantities: dict[Key, Decimal] = {
        (v["depot_id"], v["category_id"], v.get("batch_no") or ""): v["quantity"] for v in created
    }
    written = StockItem.objects.filter(
        depot_id__in={key[0] for key in quantities},
        category_id__in={key[1] for key in quantities},
        batch_no__in={key[2] for key in quantities},
    )
    # The filter may also match older batches of the same depots and classes: keep the new.
    return [
        (pk, depot, quantities[depot, category, batch_no])
        for pk, depot, category, batch_no in written.values_list(
            "pk", "depot_id", "category_id", "batch_no"
        )
        if (depot, category, batch_no) in quantities
    ]
