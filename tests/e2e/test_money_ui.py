"""Money screens in the browser: the paywall's ways on, the sandbox checkout (Pay, Decline,
Cancel), rewarded-ad unlocks with the daily cap, season pass, VIP, the wallet, and the same
purchase inside TikTok Minis (a scripted `TTMinis` in the page, the local fake of TikTok's API).

The module runs its own server: the webhook queue has a worker (the sandbox provider's payment
webhooks are delivered and handled for real), ads need only 2 s, two ads a day, and a new viewer
gets 40 welcome coins, short of the 60-coin episodes.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import ConsoleWatch, strict_page
from tests.fakes.tiktok import FakeTikTok
from tests.helpers import LiveServer, org_headers

from cliffhanger import migrate
from cliffhanger.app import create_app
from cliffhanger.demo import seed_demo
from cliffhanger.kit import runtime as runtime_module
from cliffhanger.kit.config import Settings
from cliffhanger.kit.runtime import Runtime, install

pytestmark = pytest.mark.e2e

EPISODES = 5
FREE = 2
PRICE = 60
WELCOME = 40
AD_MIN_WATCH_S = 2
AD_DAILY_CAP = 2
PASS_PRICE = 499  # $4.99
LOCKED = FREE + 1
UNLOCK = f"Unlock for {PRICE} coins"
ACTIVE = '.slide[aria-current="true"]'
CHECKOUT = re.compile(r"/api/v1/sandbox/checkout/")


@dataclass(frozen=True)
class MoneyServer:
    url: str
    series_id: str
    episode_ids: list[str]
    api_key: str
    tiktok: FakeTikTok

    def watch_url(self, number: int) -> str:
        return f"{self.url}/watch/{self.series_id}/{number}"

    def set_pricing(self, **body: object) -> None:
        r = httpx.put(f"{self.url}/api/v1/studio/series/{self.series_id}/pricing", json=body,
                      headers=org_headers(self.api_key), timeout=10)
        assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def money_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MoneyServer]:
    # Queue tasks find their runtime through `runtime.current()`: this module's server is the
    # current one while it runs, and the session's shared server is put back afterwards.
    previous = runtime_module._current
    data_dir = tmp_path_factory.mktemp("e2e-money")
    fake = FakeTikTok()
    with fake.serve() as tiktok_api:
        settings = Settings(
            data_dir=data_dir, secret_key="e2e-money-" + uuid.uuid4().hex, welcome_coins=WELCOME,
            queue_workers=1, ad_min_watch_s=AD_MIN_WATCH_S, ad_daily_cap=AD_DAILY_CAP,
            tiktok_api_base=tiktok_api.url, tiktok_client_key=fake.client_key,
            tiktok_client_secret=fake.client_secret,
        )
        rt = install(Runtime.build(settings))
        try:
            migrate.upgrade(rt.db.engine)
            demo = seed_demo(rt, episode_count=EPISODES, duration_s=10, width=360, height=640,
                             free_episodes=FREE, price_coins=PRICE)
            api_key = (settings.resolved_data_dir / "demo-api-key.txt").read_text().strip()
            app = create_app(runtime=rt, embedded_workers=True)
            with LiveServer(app) as server:
                fake.webhook_url = f"{server.url}/api/v1/webhooks/tiktok"
                money = MoneyServer(server.url, demo.series_id, demo.episode_ids, api_key, fake)
                money.set_pricing(series_pass={"price_minor": PASS_PRICE, "currency": "USD"})
                yield money
        finally:
            rt.close()
            runtime_module._current = previous


def _is_app_document(url: str) -> bool:
    path = url.split("://", 1)[-1].partition("/")[2].split("?", 1)[0]
    return path == "" or path.startswith("watch/") or path == "wallet"


@pytest.fixture
def page(browser, money_server: MoneyServer, console: ConsoleWatch) -> Iterator[Page]:
    """A fresh phone context (a new anonymous viewer) under the strict CSP of the app pages."""
    yield from strict_page(browser, console, _is_app_document)


# ---- helpers ------------------------------------------------------------------------------------


def unlock_sheet(page: Page, number: int):
    return page.get_by_role("dialog", name=f"Unlock episode {number}")


def assert_plays(page: Page, number: int) -> None:
    """Episode `number` is the active slide and its video time really advances."""
    expect(page.locator(ACTIVE)).to_have_attribute("data-episode-number", str(number))
    selector = f'{ACTIVE}[data-episode-number="{number}"] video'
    page.wait_for_function(
        "(sel) => { const v = document.querySelector(sel);"
        " return v && !v.paused && v.currentTime > 0.2; }",
        arg=selector,
    )
    before = page.evaluate("(sel) => document.querySelector(sel).currentTime", selector)
    time.sleep(0.5)
    assert page.evaluate("(sel) => document.querySelector(sel).currentTime", selector) > before


def api(page: Page, server: MoneyServer, path: str) -> dict:
    """GET an API path as the page's viewer."""
    token = page.evaluate("() => JSON.parse(localStorage.getItem('cliffhanger.viewer')).token")
    r = page.request.get(f"{server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    assert r.ok, r.text()
    return r.json()


def open_checkout_for_coins(page: Page, sheet, pack: str = "100 coins") -> None:
    """From an open unlock sheet: Buy coins → the pack → the hosted sandbox checkout."""
    sheet.locator('[data-option="coins"]').click()
    shop = page.get_by_role("dialog", name="Buy coins")
    expect(shop).to_be_visible()
    shop.get_by_role("button", name=re.compile(rf"^{re.escape(pack)}")).click()
    page.wait_for_url(CHECKOUT)
    expect(page.get_by_text("Sandbox · test money")).to_be_visible()


# ---- tests ---------------------------------------------------------------------------------------


def test_paywall_shows_price_lock_cost_to_finish_and_every_way_on(
    page: Page, money_server: MoneyServer, screenshot
):
    # Playing a free episode starts the series, which locks this viewer's price.
    page.goto(money_server.watch_url(FREE))
    assert_plays(page, FREE)
    page.keyboard.press("ArrowDown")
    sheet = unlock_sheet(page, LOCKED)
    expect(sheet).to_be_visible()
    finish = (EPISODES - FREE) * PRICE
    short = PRICE - WELCOME
    expect(sheet.locator('[data-field="price"]')).to_have_text(f"{PRICE} coins")
    expect(sheet.locator('[data-field="balance"]')).to_have_text(f"{WELCOME} coins")
    expect(sheet.locator('[data-field="short"]')).to_have_text(f"{short} coins")
    expect(sheet.locator('[data-field="finish"]')).to_have_text(f"{finish} coins")
    expect(sheet.locator('[data-option="coins"]')).to_contain_text(f"{short} coins missing")
    left = f"{AD_DAILY_CAP} of {AD_DAILY_CAP} left today"
    expect(sheet.locator('[data-option="ad"]')).to_contain_text(left)
    expect(sheet.locator('[data-option="pass"]')).to_contain_text("$4.99")
    expect(sheet.locator('[data-option="subscribe"]')).to_contain_text("$7.99")
    expect(sheet.get_by_role("button", name=UNLOCK)).to_be_focused()

    # The studio raises the price after this viewer started the series: they keep theirs, and
    # the sheet says so next to the new list price. Finishing still costs the locked price.
    money_server.set_pricing(price_coins=80)
    try:
        page.reload()
        sheet = unlock_sheet(page, LOCKED)
        expect(sheet).to_be_visible()
        expect(sheet.locator('[data-field="price"]')).to_have_text(f"{PRICE} coins")
        expect(sheet.locator(".offer__was")).to_have_text("Was 80 coins")
        expect(sheet).to_contain_text("Price locked")
        expect(sheet.locator('[data-field="finish"]')).to_have_text(f"{finish} coins")
        screenshot(page, "paywall")
    finally:
        money_server.set_pricing(price_coins=PRICE)

    # Buy coins: the pack chooser, the pack that covers the shortfall first.
    sheet.locator('[data-option="coins"]').click()
    shop = page.get_by_role("dialog", name="Buy coins")
    expect(shop).to_be_visible()
    expect(shop.locator(".shop-offer")).to_have_count(3)
    expect(shop.locator(".shop-offer--recommended")).to_contain_text("100 coins")
    expect(shop.locator(".shop-offer--recommended")).to_contain_text("Enough for this episode")
    expect(shop).to_contain_text(f"{PRICE - WELCOME} coins short for episode {LOCKED}")
    expect(shop).to_contain_text("test money only")
    expect(shop.locator(".shop-offer--recommended")).to_be_focused()
    screenshot(page, "coin-packs")
    page.keyboard.press("Escape")
    expect(shop).to_be_hidden()
    expect(sheet).to_be_visible()


def test_buying_coins_in_the_sandbox_checkout_then_unlocking(
    page: Page, money_server: MoneyServer, screenshot
):
    page.goto(money_server.watch_url(LOCKED))
    sheet = unlock_sheet(page, LOCKED)
    expect(sheet).to_be_visible()
    open_checkout_for_coins(page, sheet)
    expect(page.get_by_role("button", name="Pay 0.99 USD")).to_be_visible()
    screenshot(page, "sandbox-checkout")
    page.get_by_role("button", name="Pay 0.99 USD").click()

    # Back on the locked episode: the order is settled, the return parameters are gone, the
    # new balance is there and unlocking is one tap away.
    expect(page).to_have_url(money_server.watch_url(LOCKED))
    sheet = unlock_sheet(page, LOCKED)
    expect(sheet).to_be_visible()
    balance = WELCOME + 100
    expect(sheet.locator('[data-field="balance"]')).to_have_text(f"{balance} coins")
    expect(sheet.get_by_role("status")).to_contain_text("Payment complete: 100 coins added")
    expect(sheet.locator('[data-field="short"]')).to_be_hidden()
    expect(sheet.get_by_role("button", name=UNLOCK)).to_be_focused()
    sheet.get_by_role("button", name=UNLOCK).click()
    expect(sheet).to_be_hidden()
    assert_plays(page, LOCKED)
    expect(page.locator(".hud__balance")).to_contain_text(f"Balance: {balance - PRICE} coins")
    assert api(page, money_server, "/wallet")["balance_coins"] == balance - PRICE


def test_declined_and_cancelled_checkouts_leave_the_balance_unchanged(
    page: Page, money_server: MoneyServer
):
    for action, said in (("Decline", "The payment was declined"), ("Cancel", "Checkout cancelled")):
        page.goto(money_server.watch_url(LOCKED))
        sheet = unlock_sheet(page, LOCKED)
        expect(sheet).to_be_visible()
        open_checkout_for_coins(page, sheet)
        page.get_by_role("button", name=action, exact=True).click()

        expect(page).to_have_url(money_server.watch_url(LOCKED))
        sheet = unlock_sheet(page, LOCKED)
        expect(sheet).to_be_visible()
        alert = sheet.get_by_role("alert")
        expect(alert).to_contain_text(said)
        expect(alert).to_contain_text("Nothing was charged and your balance is unchanged")
        expect(sheet.locator('[data-field="balance"]')).to_have_text(f"{WELCOME} coins")
    assert api(page, money_server, "/wallet")["balance_coins"] == WELCOME
    orders = api(page, money_server, "/orders")["items"]
    assert sorted(o["status"] for o in orders) == ["cancelled", "failed"]


def test_watching_an_ad_unlocks_until_the_daily_cap(
    page: Page, money_server: MoneyServer, screenshot
):
    page.goto(money_server.watch_url(LOCKED))
    sheet = unlock_sheet(page, LOCKED)
    ad_option = sheet.locator('[data-option="ad"]')
    expect(ad_option).to_contain_text(f"{AD_DAILY_CAP} of {AD_DAILY_CAP} left today")
    ad = page.get_by_role("dialog", name="Sandbox ad · test")

    # Closing the ad before the end forfeits: nothing opens, the allowance is untouched.
    ad_option.click()
    expect(ad).to_be_visible()
    ad.get_by_role("button", name="Close · no unlock").click()
    expect(ad).to_be_hidden()
    expect(sheet.get_by_role("alert")).to_contain_text("closed before the end")

    # Watched to the end: a visible countdown, no skip, then the episode plays.
    sheet.locator('[data-option="ad"]').click()
    expect(ad).to_be_visible()
    expect(ad.locator('[data-field="countdown"]')).to_have_text(re.compile(r"^[12]$"))
    expect(ad.get_by_role("status")).to_contain_text("Episode unlocks in")
    expect(ad.get_by_role("button", name=re.compile("skip", re.I))).to_have_count(0)
    screenshot(page, "ad-countdown")
    started = time.monotonic()
    expect(ad).to_be_hidden(timeout=(AD_MIN_WATCH_S + 10) * 1000)
    assert time.monotonic() - started >= AD_MIN_WATCH_S - 1.5
    expect(sheet).to_be_hidden()
    assert_plays(page, LOCKED)

    # The second and last ad of the day.
    page.keyboard.press("ArrowDown")
    sheet = unlock_sheet(page, LOCKED + 1)
    expect(sheet).to_be_visible()
    expect(sheet.locator('[data-option="ad"]')).to_contain_text(f"1 of {AD_DAILY_CAP} left today")
    sheet.locator('[data-option="ad"]').click()
    expect(ad).to_be_visible()
    expect(ad).to_be_hidden(timeout=(AD_MIN_WATCH_S + 10) * 1000)
    assert_plays(page, LOCKED + 1)

    # At the cap the option stays listed, disabled, with the reason in words.
    page.keyboard.press("ArrowDown")
    sheet = unlock_sheet(page, LOCKED + 2)
    expect(sheet).to_be_visible()
    capped = sheet.locator('[data-option="ad"]')
    expect(capped).to_be_disabled()
    expect(capped).to_contain_text(f"0 of {AD_DAILY_CAP} left today")
    expect(sheet.locator('[data-reason="ad"]')).to_contain_text(
        f"You have used all {AD_DAILY_CAP} ad unlocks for today"
    )
    expect(capped).to_have_attribute("aria-describedby", re.compile(r"^ad-reason-"))
    screenshot(page, "paywall-ad-cap")
    history = api(page, money_server, "/wallet")
    assert history["balance_coins"] == WELCOME  # ads never touch coins


def test_season_pass_purchase_opens_every_episode(page: Page, money_server: MoneyServer):
    page.goto(money_server.watch_url(LOCKED))
    sheet = unlock_sheet(page, LOCKED)
    expect(sheet.locator('[data-option="pass"]')).to_contain_text("$4.99")
    sheet.locator('[data-option="pass"]').click()
    page.wait_for_url(CHECKOUT)
    page.get_by_role("button", name="Pay 4.99 USD").click()

    expect(page).to_have_url(money_server.watch_url(LOCKED))
    assert_plays(page, LOCKED)
    expect(page.locator("dialog.sheet[open]")).to_have_count(0)
    for number in range(LOCKED + 1, EPISODES + 1):
        page.keyboard.press("ArrowDown")
        assert_plays(page, number)
    assert api(page, money_server, "/wallet")["balance_coins"] == WELCOME


def test_vip_subscription_opens_episodes_and_is_managed_in_the_wallet(
    page: Page, money_server: MoneyServer
):
    page.goto(money_server.watch_url(LOCKED))
    sheet = unlock_sheet(page, LOCKED)
    sheet.locator('[data-option="subscribe"]').click()
    vip = page.get_by_role("dialog", name="VIP membership")
    expect(vip).to_be_visible()
    expect(vip.locator(".shop-offer")).to_have_count(2)
    vip.get_by_role("button", name=re.compile(r"^VIP weekly")).click()
    page.wait_for_url(CHECKOUT)
    page.get_by_role("button", name="Pay 7.99 USD").click()

    expect(page).to_have_url(money_server.watch_url(LOCKED))
    assert_plays(page, LOCKED)
    page.keyboard.press("ArrowDown")
    assert_plays(page, LOCKED + 1)

    # The coin chip in the HUD opens the wallet, where the subscription is managed.
    page.locator(".hud__balance").click()
    expect(page).to_have_url(f"{money_server.url}/wallet")
    expect(page.get_by_role("heading", name="Wallet", level=1)).to_be_visible()
    card = page.locator(".sub-card")
    expect(card).to_contain_text("VIP weekly")
    expect(card).to_contain_text("Renews on")
    status = page.locator('.wallet [role="status"]')
    card.get_by_role("button", name="Cancel renewal").click()
    expect(status).to_contain_text("Renewal cancelled. You keep VIP until")
    expect(card).to_contain_text("Will not renew")
    card.get_by_role("button", name="Resume").click()
    expect(status).to_contain_text("Renewal resumed")
    expect(card).to_contain_text("Renews on")


def test_wallet_shows_history_limits_and_a_spend_cap_refusal(
    page: Page, money_server: MoneyServer, console: ConsoleWatch, screenshot
):
    console.allow("status of 403")  # the spend limit refuses the unlock, by contract
    page.goto(f"{money_server.url}/wallet")
    expect(page.get_by_role("heading", name="Wallet", level=1)).to_be_visible()
    expect(page.locator('[data-field="balance"]')).to_have_text(f"{WELCOME} coins")
    expect(page.locator('[data-field="paid"]')).to_have_text("0 coins")
    expect(page.locator('[data-field="bonus"]')).to_have_text(f"{WELCOME} coins")
    entries = page.locator(".history__item")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Welcome bonus")
    expect(entries.first).to_contain_text(f"+{WELCOME}")

    # Buy coins from the wallet: the checkout comes back here.
    page.get_by_role("button", name=re.compile(r"^100 coins")).click()
    page.wait_for_url(CHECKOUT)
    page.get_by_role("button", name="Pay 0.99 USD").click()
    expect(page).to_have_url(f"{money_server.url}/wallet")
    balance = WELCOME + 100
    expect(page.locator('.wallet [role="status"]')).to_contain_text(
        f"Payment complete: 100 coins added. Your balance is now {balance} coins."
    )
    expect(page.locator('[data-field="balance"]')).to_have_text(f"{balance} coins")
    expect(page.locator('[data-field="paid"]')).to_have_text("100 coins")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("Coins bought")
    expect(entries.first).to_contain_text("+100")
    screenshot(page, "wallet")

    # Own spend limits: lowering applies at once, raising only after 24 hours.
    day = page.locator('form.limit[data-unit="coin"][data-period="day"]')
    status = page.locator('.wallet [role="status"]')
    day.get_by_role("spinbutton").fill("50")
    day.get_by_role("button", name="Save").click()
    expect(status).to_contain_text("The new limit applies now")
    expect(day).to_contain_text("0 coins of 50 coins spent today")
    day.get_by_role("spinbutton").fill("500")
    day.get_by_role("button", name="Save").click()
    expect(status).to_contain_text("A higher limit takes effect after 24 hours")
    expect(day).to_contain_text("Your limit goes up to 500 coins on")
    expect(day).to_contain_text("0 coins of 50 coins spent today")
    expect(page.locator('[data-note="cooling-off"]')).to_contain_text("after 24 hours")
    page.locator(".history").scroll_into_view_if_needed()
    screenshot(page, "wallet-limits-history")

    # The limit in force (50) refuses a 60-coin unlock, and the sheet says why.
    page.goto(money_server.watch_url(LOCKED))
    sheet = unlock_sheet(page, LOCKED)
    expect(sheet.locator('[data-field="balance"]')).to_have_text(f"{balance} coins")
    sheet.get_by_role("button", name=UNLOCK).click()
    alert = sheet.get_by_role("alert")
    expect(alert).to_contain_text("spend limit of 50 coins on unlocks per day")
    expect(alert).to_contain_text("It resets at")
    expect(sheet).to_be_visible()
    assert api(page, money_server, "/wallet")["balance_coins"] == balance


# What TikTok's WebView provides, scripted: login codes and payments go to the test through
# exposed functions (no network, so the page's CSP is untouched).
TTMINIS = """
window.TTMinis = {
  init() {},
  on() {},
  reportEvent() {},
  getSystemInfoSync() { return { language: 'en-US' }; },
  login({ success, fail }) { window.ttLoginCode().then((code) => success({ code }), fail); },
  pay(callback, { trade_order_id }) {
    window.ttPay(trade_order_id).then((ok) => callback({ is_success: ok }));
  },
};
"""


def test_tiktok_minis_login_beans_purchase_then_unlock(
    page: Page, money_server: MoneyServer
):
    fake = money_server.tiktok
    paid: list[str] = []

    def login_code() -> str:
        return fake.issue_code()[0]

    def pay(trade_order_id: str) -> bool:
        fake.pay(trade_order_id)  # the viewer confirms in TikTok; TikTok calls our webhook
        paid.append(trade_order_id)
        return True

    page.expose_function("ttLoginCode", login_code)
    page.expose_function("ttPay", pay)
    page.add_init_script(TTMINIS)
    page.goto(money_server.watch_url(LOCKED))
    sheet = unlock_sheet(page, LOCKED)
    expect(sheet).to_be_visible()
    me = api(page, money_server, "/offers")
    assert me["channel"] == "tiktok_minis"  # the silent login linked this viewer to TikTok
    expect(sheet.locator('[data-field="balance"]')).to_have_text(f"{WELCOME} coins")

    sheet.locator('[data-option="coins"]').click()
    shop = page.get_by_role("dialog", name="Buy coins")
    expect(shop.locator(".shop-offer--recommended")).to_contain_text("90 Beans")
    expect(shop).not_to_contain_text("Sandbox checkout")
    shop.get_by_role("button", name=re.compile(r"^100 coins")).click()

    # Paid in place: no checkout page; the order settles through TikTok's webhook.
    expect(shop).to_be_hidden()
    expect(sheet.get_by_role("status")).to_contain_text("Payment complete: 100 coins added")
    assert len(paid) == 1
    assert page.url == money_server.watch_url(LOCKED)
    balance = WELCOME + 100
    expect(sheet.locator('[data-field="balance"]')).to_have_text(f"{balance} coins")
    sheet.get_by_role("button", name=UNLOCK).click()
    expect(sheet).to_be_hidden()
    assert_plays(page, LOCKED)
    orders = api(page, money_server, "/orders")["items"]
    assert [(o["provider"], o["status"]) for o in orders] == [("tiktok_minis", "paid")]
    assert orders[0]["trade_order_id"] == paid[0]
