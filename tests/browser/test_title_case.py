"""A title case in headless Chromium: the unit's officer uploads a scan on the case page and
marks the materials collected; the page then shows the new status, the document and the step
in the timeline. The page fixture fails the test on console errors, failed requests and other
hosts."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from portal.org.choices import Role
from portal.parcels.choices import CaseStatus, TitleStatus
from portal.parcels.models import BuildingParcel, TitleCase
from tests.browser.conftest import ARTIFACTS
from tests.factories import (
    PASSWORD,
    BuildingFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    square,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zh_label(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error}"))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case():
    unit = UnitFactory(division_code="510104")
    lon, lat = unit.location.x, unit.location.y
    building = BuildingFactory(managing_unit=unit, footprint=square(lon, lat, 0.0002))
    parcel = ParcelFactory(holder=unit)
    BuildingParcel.objects.create(building=building, parcel=parcel, share_on_parcel=1.0)
    return TitleCase.objects.create(building=building, parcel=parcel)


def sign_in(page: Page, live_server, user, path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{path}")


def test_officer_uploads_and_marks_materials_collected(page, live_server, case, tmp_path):
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=case.building.managing_unit)
    scan = tmp_path / "划拨决定书.pdf"
    scan.write_bytes(PDF)
    path = case.get_absolute_url()
    sign_in(page, live_server, officer, path)
    expect(page.locator("#case-status")).to_have_text(zh_label(CaseStatus.NOT_STARTED))
    expect(page.locator(".minimap .leaflet-interactive").first).to_be_attached()

    form = page.locator("#document-form")
    form.locator("input[type=file]").set_input_files(scan)
    form.locator("select").select_option("allocation")
    form.locator("input[name='document-title']").fill("土地划拨决定书")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    expect(page.locator("#document-table")).to_contain_text("土地划拨决定书")

    collect = page.locator("#transition-collect")
    collect.locator("textarea").fill("材料已收齐")
    collect.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    expect(page.locator("#case-status")).to_have_text(zh_label(CaseStatus.COLLECTED))
    expect(page.locator("#case-timeline")).to_contain_text("材料已收齐")
    expect(page.locator("#parcel-title-status")).to_have_text(zh_label(TitleStatus.IN_PROGRESS))
    expect(page.locator("#transition-collect")).to_have_count(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "title_case_collected.png", full_page=True)
    assert TitleCase.objects.get(pk=case.pk).status == CaseStatus.COLLECTED

    page.goto(f"{live_server.url}/titles/cases/?status=collected")
    expect(page.locator("#case-table")).to_contain_text(case.building.name)
    expect(page.locator("#case-table")).to_contain_text(zh_label(CaseStatus.COLLECTED))
