"""The demo's depots at the "tiny" scale: every batch has a volume per unit and the receipt that
stocked it in, so the log rebuilds the stock; a few stocked-in warehouse items are dual use."""

import pytest
from django.db import transaction
from django.db.models import F, Sum
from django.test import override_settings

from portal.assets.models import Listing
from portal.demo.generators.warehouse import DUAL_USE_RESERVES
from portal.demo.services import load_demo
from portal.depots.models import Depot, StockItem, StockMovement

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker, tmp_path_factory):
    """One tiny load for the module, rolled back at its end."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=media),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield load_demo(scale="tiny", allow_outside_demo=True)
        transaction.set_rollback(True)


def test_every_batch_has_a_volume_and_its_opening_receipt(tiny):
    items = StockItem.objects.all()
    assert items.exists()
    assert not items.filter(unit_volume_m3__lte=0).exists()
    assert StockMovement.objects.count() == items.count()
    receipts = StockMovement.objects.filter(
        kind="receipt", change=F("stock_item__quantity"), balance=F("stock_item__quantity")
    )
    assert receipts.count() == items.count()
    assert not StockMovement.objects.exclude(depot=F("stock_item__depot")).exists()
    stage = {s.name: s for s in tiny.stages}["depots"]
    assert stage.rows == Depot.objects.count() + 2 * items.count()


def test_receipts_are_numbered_per_depot(tiny):
    for depot in Depot.objects.all()[:3]:
        numbers = sorted(
            StockMovement.objects.filter(depot=depot).values_list("document_no", flat=True)
        )
        count = len(numbers)
        assert numbers == sorted(f"RK-{depot.code}-{n}" for n in range(1, count + 1))


def test_the_log_rebuilds_every_depots_stock(tiny):
    logged = dict(StockMovement.objects.values_list("stock_item").annotate(total=Sum("change")))
    assert logged == dict(StockItem.objects.values_list("pk", "quantity"))


def test_capacity_use_is_plausible(tiny):
    uses = [d.capacity_use for d in Depot.objects.with_capacity_use()]
    assert all(0 < use < 5 for use in uses), uses


def test_some_stocked_in_items_are_dual_use_reserves(tiny):
    flagged = Listing.objects.filter(reserve_category__isnull=False)
    assert flagged.exists()
    assert not flagged.exclude(mode="physical").exists()
    codes = dict(DUAL_USE_RESERVES)
    for name, code in flagged.values_list("asset__name", "reserve_category__code"):
        assert codes[name] == code
    physical = Listing.objects.filter(mode="physical", asset__name__in=list(codes))
    assert flagged.count() == physical.count()
