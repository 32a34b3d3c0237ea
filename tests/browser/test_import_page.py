"""The import page in headless Chromium: upload a CSV, watch the queued check finish, confirm,
and see the records imported. The worker's two steps are run from the test (check_job and
commit_job, what the procrastinate tasks call); the page only polls and reloads.

The page fixture fails the test on console errors, failed requests and other hosts.
"""

import csv
import re

import pytest
from django.db import connection
from django.utils import translation
from playwright.sync_api import Page, expect

from portal.assets.models import Asset
from portal.exchange import services
from portal.exchange.entities import ASSETS
from portal.exchange.models import ImportJob, ImportStatus
from portal.org.choices import Role
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD, CategoryFactory, UnitFactory, UserFactory

# Progress is written on the "progress" alias, which the check uses from this thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

COLUMNS = ("holder", "ledger", "name", "category", "orig_value", "net_value")


def zh(text: str) -> str:
    """The Chinese a new interface string will have once translated (its msgid until then)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture(autouse=True)
def script_errors_fail(page):
    page.on("pageerror", lambda error: page.watch.problems.append(f"page error: {error}"))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_queue():
    """The jobs queued here stay in procrastinate's tables, which transactional tests do not
    flush (Django does not manage them): remove them so no later worker test runs them."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")


@pytest.fixture
def ledger(tmp_path):
    """An officer of a unit and a three-row asset ledger of that unit."""
    CategoryFactory(code="2010100")
    unit = UnitFactory()
    path = tmp_path / "资产台账.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [*(ASSETS.column(k).title(Asset, "zh-hans") for k in COLUMNS), "lon", "lat"]
        )
        for i in range(3):
            code, name = f"ZC-{i}", f"计算机{i}"
            writer.writerow(
                [unit.credit_code, code, name, "2010100", "6000", "3000", 104.08, 30.63]
            )
    return UserFactory(role=Role.UNIT_OFFICER, unit=unit), path


def sign_in(page: Page, live_server, user, path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{path}")


def test_upload_check_confirm_and_import(page, live_server, ledger):
    user, path = ledger
    sign_in(page, live_server, user, "/imports/new/")
    page.locator("#id_entity").select_option("assets")
    page.locator("#id_file").set_input_files(path)
    page.locator("#id_crs").select_option("EPSG:4490")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "import_upload_form.png", full_page=True)
    page.get_by_role("button", name=zh("Upload and check")).click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    job = ImportJob.objects.get()
    status = page.locator("#import-status-label")
    expect(status).to_have_text(zh("waiting to be checked"))
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.locator("#import-preview")).to_contain_text("计算机2")

    services.check_job(job.pk)  # the worker's check: the page notices and reloads itself
    expect(status).to_have_text(zh("checked: ready to import"))
    expect(page.locator("#import-progress")).to_have_count(0)
    expect(page.locator("#import-counts [data-count=create]")).to_have_text("3")
    expect(page.locator("#import-counts [data-count=reject]")).to_have_text("0")
    page.screenshot(path=ARTIFACTS / "import_checked.png", full_page=True)

    page.get_by_role("button", name=zh("Confirm and import")).click()
    expect(status).to_have_text(zh("confirmed: waiting to be written"))
    assert not Asset.objects.exists()
    services.commit_job(job.pk)  # the worker's commit
    expect(status).to_have_text(zh("imported"))
    assert ImportJob.objects.get().status == ImportStatus.COMMITTED
    assert sorted(Asset.objects.values_list("ledger_code", flat=True)) == ["ZC-0", "ZC-1", "ZC-2"]
    page.get_by_role("link", name=zh("All imports")).click()
    expect(page.get_by_role("link", name="资产台账.csv")).to_be_visible()
