"""Depot stock in headless Chromium: an officer finds the depot on the list, opens it, receives
a batch of tents through the form and sees the receipt among the latest movements and the
capacity use grow; then issues part of the batch to a relief site. The page fixture fails the
test on console errors, failed requests and requests to other hosts."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.depots.models import StockItem, StockMovement
from portal.org.choices import Role
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories import (
    DepotFactory,
    SupplyCategoryFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_receives_stock_and_sees_the_movement(page, live_server):
    category = SupplyCategoryFactory(code="1010102", name="棉帐篷")  # the flush emptied the table
    unit = UnitFactory(division_code="510104", name="锦江区应急管理局")
    depot = DepotFactory(managing_unit=unit, name="锦江区应急物资储备库", capacity_m3=Decimal(100))
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit)

    sign_in(page, live_server, officer, "/depots/")
    page.locator("#depot-table a", has_text="锦江区应急物资储备库").click()
    page.wait_for_url(re.compile(re.escape(depot.get_absolute_url()) + "$"))
    expect(page.locator("#recent-movements")).to_have_count(0)
    page.locator("#receive-link").click()

    form = page.locator("#stock-form")
    form.locator("select[name=category]").select_option(str(category.pk))
    form.locator("input[name=name]").fill("棉帐篷")
    form.locator("input[name=batch_no]").fill("2026-001")
    form.locator("input[name=quantity]").fill("120")
    form.locator("input[name=unit_of_measure]").fill("顶")
    form.locator("input[name=unit_volume_m3]").fill("0.25")
    form.locator("input[name=counterparty]").fill("成都帐篷厂")
    form.locator("input[name=document_no]").fill("RK-2026-001")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "depots_stock_receive_form.png", full_page=True)
    form.locator("button[type=submit]").click()

    page.wait_for_url(re.compile(re.escape(depot.get_absolute_url()) + "$"))
    expect(page.locator(".messages")).to_contain_text("120 顶")
    movements = page.locator("#recent-movements")
    expect(movements).to_contain_text("RK-2026-001")
    expect(movements).to_contain_text("棉帐篷")
    expect(page.locator("#depot-capacity [data-capacity-use]")).to_have_attribute(
        "data-capacity-use", "0.3000"
    )  # 120 × 0.25 m³ of 100 m³
    expect(page.locator("#reserve-table")).to_contain_text("1010102")
    page.screenshot(path=ARTIFACTS / "depots_stock_received.png", full_page=True)

    item = StockItem.objects.get(depot=depot)
    assert (item.quantity, item.unit_volume_m3) == (120, Decimal("0.25"))
    movement = StockMovement.objects.get(stock_item=item)
    assert (movement.kind, movement.change, movement.by) == ("receipt", 120, officer)

    page.locator("#issue-link").click()
    form = page.locator("#stock-form")
    form.locator("select[name=item]").select_option(str(item.pk))
    form.locator("input[name=quantity]").fill("45")
    form.locator("input[name=counterparty]").fill("锦江区安置点")
    form.locator("input[name=document_no]").fill("CK-2026-001")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(depot.get_absolute_url()) + "$"))
    expect(page.locator("#recent-movements tbody tr").first).to_contain_text("CK-2026-001")
    expect(page.locator("#recent-movements tbody tr").first).to_contain_text("75")
    item.refresh_from_db()
    assert item.quantity == 75
    assert StockMovement.objects.filter(stock_item=item).count() == 2
