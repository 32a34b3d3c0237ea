"""Reads of the stock: alerts across the depots a user may see, capacity use, alert counts per
depot, and reserves by supply class, dual-use public-warehouse items included."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.depots.models import Depot, StockItem
from portal.depots.querysets import EXPIRY_WARNING_DAYS
from portal.depots.views.depots import reserve_rows
from portal.org.choices import Role
from tests.factories import (
    DepotFactory,
    StockItemFactory,
    SupplyCategoryFactory,
    UnitFactory,
    UserFactory,
)
from tests.portal.depots.conftest import dual_use_listing

TODAY = timezone.localdate()


@pytest.fixture
def batches(world):
    """Beside the 100 tents (no expiry, no minimum): water expired, masks expiring, beds low."""
    depot = world.depot
    return {
        "tents": world.tents,
        "water": StockItemFactory(
            depot=depot,
            category=SupplyCategoryFactory(code="1030100", name="饮用水"),
            name="瓶装饮用水",
            quantity=Decimal("200"),
            unit_of_measure="箱",
            unit_volume_m3=Decimal("0.02"),
            expires_on=TODAY - timedelta(days=1),
        ),
        "masks": StockItemFactory(
            depot=depot,
            category=SupplyCategoryFactory(code="1040200", name="医用口罩"),
            name="医用外科口罩",
            quantity=Decimal("1000"),
            unit_of_measure="盒",
            unit_volume_m3=Decimal("0.003"),
            expires_on=TODAY + timedelta(days=EXPIRY_WARNING_DAYS),
        ),
        "beds": StockItemFactory(
            depot=depot,
            category=SupplyCategoryFactory(code="1010200", name="折叠床"),
            name="折叠床",
            quantity=Decimal("10"),
            minimum_level=Decimal("50"),
            unit_of_measure="张",
            unit_volume_m3=Decimal("0.08"),
            expires_on=TODAY + timedelta(days=EXPIRY_WARNING_DAYS + 1),
        ),
    }


def test_alerts_flag_expired_expiring_and_low_batches_soonest_first(world, batches):
    alerting = list(StockItem.objects.visible_to(world.officer).alerting())
    assert alerting == [batches["water"], batches["masks"], batches["beds"]]
    flags = {item.name: (item.expired, item.expiring, item.below_minimum) for item in alerting}
    assert flags == {
        "瓶装饮用水": (True, False, False),
        "医用外科口罩": (False, True, False),
        "折叠床": (False, False, True),
    }


def test_alerts_span_the_visible_depots_only(world, batches):
    other = DepotFactory(managing_unit=world.other_unit)
    theirs = StockItemFactory(depot=other, quantity=1, minimum_level=5)
    assert theirs not in StockItem.objects.visible_to(world.officer).alerting()
    province = UserFactory(role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510000"))
    assert theirs in StockItem.objects.visible_to(province).alerting()


def test_capacity_use_is_the_stock_volume_over_the_capacity(world, batches):
    depot = Depot.objects.with_capacity_use().get(pk=world.depot.pk)
    # 100 × 0.25 + 200 × 0.02 + 1000 × 0.003 + 10 × 0.08 = 25 + 4 + 3 + 0.8 m³ of 1,000 m³
    assert depot.used_m3 == Decimal("32.8")
    assert depot.capacity_use == pytest.approx(0.0328)


def test_an_empty_depot_uses_nothing_and_one_without_capacity_has_no_share(world):
    empty = DepotFactory(managing_unit=world.unit)
    unsized = DepotFactory(managing_unit=world.unit, capacity_m3=0)
    StockItemFactory(depot=unsized)
    depots = {d.pk: d for d in Depot.objects.with_capacity_use()}
    assert (depots[empty.pk].used_m3, depots[empty.pk].capacity_use) == (0, 0)
    assert depots[unsized.pk].capacity_use is None


def test_capacity_and_alert_counts_do_not_multiply_each_other(world, batches):
    depot = Depot.objects.with_capacity_use().with_alert_counts().get(pk=world.depot.pk)
    assert depot.used_m3 == Decimal("32.8")
    counts = (depot.expired_count, depot.expiring_count, depot.below_minimum_count)
    assert counts == (1, 1, 1)


def test_reserves_count_usable_stock_and_dual_use_listings(world, batches):
    dual_use_listing(world.depot, world.unit)
    dual_use_listing(world.depot, world.unit)
    dual_use_listing(world.depot, world.unit, status="withdrawn")  # no longer there
    dual_use_listing(world.depot, world.unit, reserve_category=None)  # not dual use
    elsewhere = DepotFactory(managing_unit=world.unit, kind="warehouse")
    dual_use_listing(elsewhere, world.unit)
    depot = Depot.objects.filter(pk=world.depot.pk)
    rows = {row.code: row for row in reserve_rows(depot, world.officer)}
    assert list(rows) == ["1010102", "1010200", "1040200", "2030100"], "expired water left out"
    assert rows["1010102"].stock == [(Decimal("100"), "顶")]
    assert rows["1010200"].batches == 1
    assert (rows["2030100"].stock, rows["2030100"].dual_use_items) == ([], 2)


def test_reserves_of_a_division_add_up_its_depots(world, batches):
    second = DepotFactory(managing_unit=world.unit)
    StockItemFactory(depot=second, batch_no="X", quantity=Decimal("20"))
    StockItemFactory(
        depot=second,
        batch_no="Y",
        quantity=Decimal("3"),
        unit_of_measure="套",
    )
    dual_use_listing(second, world.unit)
    in_jinjiang = Depot.objects.visible_to(world.officer).filter(division__code="510104")
    rows = {row.code: row for row in reserve_rows(in_jinjiang, world.officer)}
    assert set(rows["1010102"].stock) == {(Decimal("3"), "套"), (Decimal("120"), "顶")}
    assert rows["1010102"].batches == 3
    assert rows["2030100"].dual_use_items == 1


def test_reserves_show_nothing_of_another_county(world, batches):
    theirs = DepotFactory(managing_unit=world.other_unit)
    StockItemFactory(depot=theirs, category=SupplyCategoryFactory(code="3010100", name="编织袋"))
    dual_use_listing(theirs, world.other_unit)
    # Another county's item stocked here, shared only within its own city, stays unseen.
    dual_use_listing(world.depot, world.other_unit, share_prefix="5107")
    rows = reserve_rows(Depot.objects.visible_to(world.officer), world.officer)
    assert {row.code for row in rows} == {"1010102", "1010200", "1040200"}
