"""A transfer in headless Chromium: the holding unit's officer finds the reservation awaiting
their signature and signs it, the receiving unit's officer signs the next step, the holder hands
the asset over with a document number; the asset's page then names the receiver as its holder.
The page fixture fails the test on console errors, failed requests and other hosts."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from portal.assets.choices import ReservationStatus
from portal.assets.models import Asset
from portal.assets.services.transfers import reserve_listing
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD
from tests.portal.assets.transfer_data import ensure_default_rules, listing, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh_label(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error}"))


def sign_in(page: Page, live_server, user, path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{path}")


def sign_step(page: Page, note: str) -> None:
    form = page.locator("#sign-form")
    form.locator("input[value='approved']").check()
    form.locator("textarea").fill(note)
    form.locator("button[type=submit]").click()


def test_both_officers_sign_and_the_holder_hands_over(page, live_server):
    ensure_default_rules()  # a transactional test starts from a flushed rule table
    w = world()
    reservation = reserve_listing(
        listing(w.holder), by=w["receiver_officer"], delivery_building=w.building
    )
    path = reservation.get_absolute_url()
    at_page = re.compile(re.escape(path) + "$")

    sign_in(page, live_server, w["holder_officer"], "/warehouse/transfers/")
    row = page.locator(f"#transfer-table tr[data-pk='{reservation.pk}']")
    expect(row).to_contain_text(reservation.asset.ledger_code)
    row.get_by_role("link").click()
    page.wait_for_url(at_page)
    expect(page.locator(".minimap .leaflet-interactive").first).to_be_attached()
    sign_step(page, "同意调出")
    page.wait_for_url(at_page)
    expect(page.locator("#approval-chain")).to_contain_text("同意调出")
    expect(page.locator("#sign-form")).to_have_count(0)

    sign_in(page, live_server, w["receiver_officer"], path)
    sign_step(page, "同意接收")
    page.wait_for_url(at_page)
    expect(page.locator("#reservation-status")).to_have_text(zh_label(ReservationStatus.APPROVED))

    sign_in(page, live_server, w["holder_officer"], path)
    handover = page.locator("#handover-form")
    handover.locator("input[name='document_no']").fill("YJ-2026-001")
    handover.locator("button[type=submit]").click()
    page.wait_for_url(at_page)
    expect(page.locator("#reservation-status")).to_have_text(
        zh_label(ReservationStatus.HANDED_OVER)
    )
    expect(page.locator("#custody-table")).to_contain_text("YJ-2026-001")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "transfer_handed_over.png", full_page=True)

    asset = Asset.objects.get(pk=reservation.asset_id)
    assert asset.holder_id == w.receiver.pk
    sign_in(page, live_server, w["receiver_officer"], asset.get_absolute_url())
    expect(page.locator(".attributes")).to_contain_text(w.receiver.name)
