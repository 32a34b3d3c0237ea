"""A need in headless Chromium: an officer posts it through the form, finds its candidates in a
table and on the map (one line from each to the delivery building), declines one with a
reason, requests another, is refused a purchase while the rest are unreviewed, declines them
and then submits the purchase. The page fixture fails the test on console errors, failed
requests and other hosts."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.assets.choices import NeedStatus
from portal.assets.models import MatchReview, Need, PurchaseRequest, Reservation
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD
from tests.portal.assets.matching_data import market
from tests.portal.assets.transfer_data import ensure_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error}"))


def sign_in(page: Page, live_server, user, path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{path}")


def post_need(page: Page, m) -> None:
    page.locator("#need-new-link").click()
    page.wait_for_url(re.compile(r"/warehouse/needs/new/$"))
    form = page.locator("#need-form")
    form.locator("#id_description").fill("台式计算机 (测试)")
    form.locator("#id_category").select_option(str(m.computers.pk))
    form.locator("#id_quantity").fill("2")
    form.locator("#id_min_condition").select_option("poor")
    needed_by = timezone.localdate() + dt.timedelta(days=30)
    form.locator("#id_needed_by").fill(needed_by.isoformat())
    form.locator("#id_delivery_building").select_option(str(m.building.pk))
    form.locator("#id_max_distance_km").fill("10")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/warehouse/needs/\d+/$"))


def row(page: Page, listing) -> object:
    return page.locator(f"#candidate-table tr[data-listing='{listing.pk}']")


def decline(page: Page, listing, reason: str) -> None:
    form = row(page, listing).locator("form[data-review='decline']")
    form.locator("input[name='reason']").fill(reason)
    form.locator("button[type=submit]").click()


def test_an_officer_checks_the_warehouse_before_buying(page, live_server):
    ensure_default_rules()  # a transactional test starts from a flushed rule table
    m = market()
    offered = [m.offer(m.site(m.neighbour, 400 + 1200 * n, bearing=70 * n)) for n in range(3)]
    far = m.offer(m.site(m.mianyang, 60_000))  # beyond the need's 10 km

    sign_in(page, live_server, m["officer"], "/warehouse/needs/")
    post_need(page, m)
    need = Need.objects.get()
    assert need.max_distance_m == 10_000
    at_page = re.compile(re.escape(need.get_absolute_url()) + "$")

    expect(page.locator("#candidate-table tbody tr")).to_have_count(3)
    expect(row(page, far)).to_have_count(0)
    expect(page.locator(".needs-map path.needs-line")).to_have_count(3)
    expect(page.locator(".needs-map path.leaflet-interactive")).to_have_count(3 + 3 + 1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "need_candidates.png", full_page=True)

    decline(page, offered[0], "型号不符")
    page.wait_for_url(at_page)
    expect(row(page, offered[0]).locator(".needs-review")).to_contain_text("型号不符")

    row(page, offered[1]).locator("form[data-review='request'] button").click()
    page.wait_for_url(at_page)
    expect(row(page, offered[1])).to_have_count(0)  # reserved for the unit now
    expect(page.locator("#review-table tbody tr")).to_have_count(2)
    assert Reservation.objects.get().listing_id == offered[1].pk

    purchase = page.locator("#purchase-form")
    purchase.locator("textarea[name='justification']").fill("仓内无合适资产")
    purchase.locator("input[name='estimated_value']").fill("9000")
    with page.expect_console_message(lambda message: "409" in message.text):
        purchase.locator("button[type=submit]").click()
    expect(page.locator("#action-error")).to_be_visible()
    # "1 of the top 2 … not reviewed", in whichever order the language puts them.
    assert sorted(re.findall(r"\d+", page.locator("#action-error").inner_text())) == ["1", "2"]
    assert not PurchaseRequest.objects.exists()
    # The refusal is the page's own 409, which Chromium reports on the console: expected here,
    # so it is taken off the watch's list (any other problem still fails the test).
    expected = "console: Failed to load resource: the server responded with a status of 409"
    assert [p for p in page.watch.problems if p.startswith(expected)] != []
    page.watch.problems[:] = [p for p in page.watch.problems if not p.startswith(expected)]

    decline(page, offered[2], "距离太远")
    page.wait_for_url(at_page)
    expect(page.locator("#gate-state.needs-gate-open")).to_be_visible()
    purchase.locator("textarea[name='justification']").fill("仓内无合适资产")
    purchase.locator("input[name='estimated_value']").fill("9000")
    purchase.locator("button[type=submit]").click()
    page.wait_for_url(at_page)
    expect(page.locator("#purchase")).to_contain_text("9000.00")
    expect(page.locator("#purchase-form")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "need_purchase_requested.png", full_page=True)

    assert Need.objects.get().status == NeedStatus.PURCHASE
    assert MatchReview.objects.count() == 3
