"""Headless Chromium (Debian's package) driven by Playwright, against pytest-django's live server.

Playwright's sync API keeps an event loop running in the test thread, which makes Django refuse
ORM calls there ("cannot call this from an async context"); the tests only set up rows before
the browser acts, so the guard is lifted for this process.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from tests.factories import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("TIANFU_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable}: run `make test` or set TIANFU_CHROMIUM")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class PageWatch:
    """Script and console errors, failed requests and requests to other hosts seen by a page."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https"} and f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"other host: {request.url}")

    def failed(self, request: Request) -> None:
        # net::ERR_ABORTED is Chromium cancelling a load the page no longer needs (a form
        # submitted while the favicon was still loading), not an answer the server failed.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed: {request.url} {request.failure}")


@pytest.fixture
def page(browser: Browser, live_server, request) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    new_page = context.new_page()
    watch = PageWatch(live_server.url)
    new_page.on("console", watch.console)
    new_page.on("request", watch.request)
    new_page.on("requestfailed", watch.failed)
    new_page.on("pageerror", lambda error: watch.problems.append(f"page error: {error}"))
    new_page.watch = watch  # type: ignore[attr-defined]
    yield new_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    new_page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert watch.problems == [], watch.problems


def sign_in(page: Page, live_server, user, path: str) -> None:
    """Sign ``user`` in through the login form (in Chinese) and land on ``path``."""
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{path}")
