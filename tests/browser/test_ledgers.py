"""The annual office-space report in headless Chromium: a unit officer takes his unit's
sub-ledger from the list and submits it; the district's administrator returns it with a
comment; the officer takes it again and submits; the administrator accepts it. The page
fixture fails the test on console errors, failed requests and requests to other hosts."""

import pytest
from playwright.sync_api import expect

from portal.ledgers.models import SpaceReport
from tests.browser.conftest import sign_in
from tests.portal.ledgers.world import YEAR, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_sub_ledger_goes_up_and_comes_back(page, live_server):
    w = world()
    sign_in(page, live_server, w.users["officer"], "/ledgers/")
    page.locator("#id_year").fill(str(YEAR))
    page.locator("#id_kind").select_option("sub")
    page.locator("#id_unit").select_option(str(w.bureau.pk))
    page.locator("#take-button").click()
    report = SpaceReport.objects.get()
    page.wait_for_url(f"{live_server.url}/ledgers/{report.pk}/")
    expect(page.locator("#report-status")).to_have_attribute("data-status", "draft")
    expect(page.locator("#table-lines tbody tr")).to_have_count(3)  # two buildings and the total
    expect(page.locator("#table-lines tr.total")).to_contain_text("156.00")
    expect(page.locator("#report-xlsx")).to_be_visible()
    page.locator("#button-submitted").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "submitted")
    expect(page.locator("#button-submitted")).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, live_server, w.users["county_admin"], f"/ledgers/{report.pk}/")
    page.locator("#comment-returned").fill("二号楼面积请复核")
    page.locator("#button-returned").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "returned")
    expect(page.locator("#report-steps")).to_contain_text("二号楼面积请复核")

    page.context.clear_cookies()
    sign_in(page, live_server, w.users["officer"], f"/ledgers/{report.pk}/")
    page.locator("#retake-button").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "draft")
    page.locator("#button-submitted").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "submitted")

    page.context.clear_cookies()
    sign_in(page, live_server, w.users["county_admin"], f"/ledgers/{report.pk}/")
    page.locator("#button-accepted").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "accepted")
    expect(page.locator("#report-actions")).to_have_count(0)
