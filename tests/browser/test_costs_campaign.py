"""A statistics return in headless Chromium: the county administrator submits it from its page,
the city administrator returns it with a comment, the county sees the comment in the history
and the round's page shows the new state. The page fixture fails the test on console errors,
failed requests and other hosts."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from portal.costs.choices import ReturnStatus
from portal.costs.models import CostReturn
from tests.browser.conftest import sign_in
from tests.portal.costs.campaign_world import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh_label(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


def sign_out(page: Page) -> None:
    page.context.clear_cookies()


def test_a_return_is_submitted_and_returned_with_a_comment(page: Page, live_server) -> None:
    world = make_world()
    r = world.returns["510104"]
    path = reverse("costs:return_detail", args=[r.pk])

    sign_in(page, live_server, world.admins["510104"], path)
    expect(page.locator("#return-status")).to_have_attribute("data-status", ReturnStatus.FILLING)
    page.locator("#return-submitted").click()
    expect(page.locator("#return-status")).to_have_attribute("data-status", ReturnStatus.SUBMITTED)
    expect(page.locator("#return-history li")).to_have_count(1)
    expect(page.locator("#return-submitted")).to_have_count(0)

    sign_out(page)
    sign_in(page, live_server, world.admins["510100"], path)
    page.locator("#id_comment").fill("十二月电费缺失，请补报")
    page.locator("#return-returned").click()
    expect(page.locator("#return-status")).to_have_attribute("data-status", ReturnStatus.RETURNED)

    sign_out(page)
    sign_in(page, live_server, world.admins["510104"], path)
    expect(page.locator("#return-history li").last).to_contain_text("十二月电费缺失，请补报")
    expect(page.locator("#return-status")).to_have_text(zh_label(ReturnStatus.RETURNED))
    page.locator("#return-campaign-link").click()
    row = page.locator("#return-table tr[data-division='510104']")
    expect(row).to_have_attribute("data-status", ReturnStatus.RETURNED)
    assert CostReturn.objects.get(pk=r.pk).status == ReturnStatus.RETURNED
