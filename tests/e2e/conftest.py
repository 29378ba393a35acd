"""Browser tests of the viewer app: the real app on a loopback port, Debian's chromium, a phone.

One demo season is seeded per session (real ffmpeg, real packaging, real AES-128 keys); every
test gets a fresh browser context, hence a fresh anonymous viewer with the welcome coins.
Pages run under the strict Content-Security-Policy the app promises to work with, and any
console error, uncaught exception or CSP violation fails the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from tests.e2e.season import EPISODES, FREE_EPISODES, PRICE_COINS, WELCOME_COINS, DemoServer
from tests.helpers import LiveServer

from cliffhanger import migrate
from cliffhanger.app import create_app
from cliffhanger.demo import seed_demo
from cliffhanger.kit.config import Settings
from cliffhanger.kit.runtime import Runtime, install

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "has_touch": True, "is_mobile": True}

# What `script-src 'self'` deployments send; the app must run under it unchanged.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; worker-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SCREENSHOT_DIR = os.environ.get("CLIFFHANGER_E2E_SCREENSHOTS", "")
REQUIRE_SERVICES = os.environ.get("CLIFFHANGER_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    settings = Settings(
        data_dir=data_dir, secret_key="e2e-" + uuid.uuid4().hex, welcome_coins=WELCOME_COINS,
        queue_workers=0,
    )
    rt = install(Runtime.build(settings))
    migrate.upgrade(rt.db.engine)
    # 360x640 masters of 10-18 s: the shortest the media checks accept, packaged in ~20 s.
    demo = seed_demo(
        rt, episode_count=EPISODES, duration_s=10, width=360, height=640,
        free_episodes=FREE_EPISODES, price_coins=PRICE_COINS,
    )
    app = create_app(runtime=rt, embedded_workers=False)
    with LiveServer(app) as server:
        yield DemoServer(server.url, demo.series_id, demo.episode_ids)
    rt.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"{CHROMIUM} is required (CLIFFHANGER_REQUIRE_SERVICES=1): make browser")
        pytest.skip(f"{CHROMIUM} not installed (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _is_document(url: str) -> bool:
    path = url.split("://", 1)[-1].partition("/")[2]
    return path == "" or path.startswith("watch/")


class ConsoleWatch:
    """Console errors, uncaught exceptions and CSP violations seen by the page."""

    def __init__(self) -> None:
        # Chrome logs every non-2xx fetch; 402 is how a locked episode answers, by contract.
        self.allowed = ["status of 402"]
        self.problems: list[str] = []

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def console(self, message) -> None:
        if message.type == "error" and not any(a in message.text for a in self.allowed):
            self.problems.append(f"console: {message.text}")


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


def strict_page(browser, console: ConsoleWatch, is_document) -> Iterator[Page]:
    """A fresh phone context (a new anonymous viewer) whose documents (`is_document(url)`) are
    served under the strict CSP; fails the test on any console error, page error or CSP
    violation the page saw."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(15_000)

    def with_csp(route) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": CSP}
        route.fulfill(response=response, headers=headers)

    context.route(is_document, with_csp)
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) =>"
        " console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"
    )
    page = context.new_page()
    page.on("console", console.console)
    page.on("pageerror", lambda error: console.problems.append(f"page error: {error}"))
    yield page
    context.close()
    assert not console.problems, "\n".join(console.problems)


@pytest.fixture
def page(browser, demo_server: DemoServer, console: ConsoleWatch):
    yield from strict_page(browser, console, _is_document)


@pytest.fixture
def screenshot():
    """Save a screenshot into $CLIFFHANGER_E2E_SCREENSHOTS (e.g. docs/screenshots) when set."""

    def take(page, name: str) -> None:
        if SCREENSHOT_DIR:
            Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"))

    return take
