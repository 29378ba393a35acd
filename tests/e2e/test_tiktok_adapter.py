"""The platform adapter inside TikTok Minis, against a fake `TTMinis` SDK.

The fake is injected before any page script (`add_init_script`, as TikTok's WebView provides the
real one) and records every call. The server side is real: for the module, the app is configured
with a TikTok client key and secret and its TikTok API base points at the local fake of TikTok's
OAuth endpoint (`tests/fakes/tiktok.py`), so the login code the SDK hands out is exchanged by
`POST /api/v1/auth/tiktok` for real and links the viewer to the TikTok user.
"""

# ruff: noqa: RUF001 (speed labels use the real multiplication sign, U+00D7)

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from tests.e2e.season import DemoServer
from tests.fakes.tiktok import FakeTikTok

from cliffhanger.accounts.models import Viewer
from cliffhanger.kit.runtime import current

pytestmark = pytest.mark.e2e

ACTIVE = '.slide[aria-current="true"]'

FAKE_SDK = """
(() => {
  const calls = [];
  const handlers = {};
  const copy = (value) => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
  const record = (name, arg) => calls.push({ name, arg: copy(arg) });
  window.__tt = { calls, handlers };
  window.TTMinis = {
    init(options) { record('init', options); },
    login(options) { record('login'); setTimeout(() => options.success({ code: %(code)s }), 20); },
    on(event, handler) { record('on', event); handlers[event] = handler; },
    share(callback, options) {
      record('share', options);
      setTimeout(() => callback({ is_success: true }), 0);
    },
    reportEvent(options) {
      record('reportEvent', { eventName: options.eventName, params: options.params });
    },
    pay(callback, options) {
      record('pay', options);
      setTimeout(() => callback({ is_success: true }), 0);
    },
    createRewardedVideoAd(options) {
      record('createRewardedVideoAd', options);
      let onClose = null;
      return {
        onClose(fn) { onClose = fn; }, offClose() {}, onError() {}, offError() {},
        show() {
          record('ad.show');
          setTimeout(() => onClose?.({ isEnded: true }), 30);
          return Promise.resolve();
        },
      };
    },
    setNavigationBarColor(options) { record('setNavigationBarColor', options); },
    getSystemInfoSync() { record('getSystemInfoSync'); return { language: %(language)s }; },
  };
})();
"""


@dataclass
class TikTokSetup:
    fake: FakeTikTok
    demo: DemoServer
    ad_unit_id: str = "configured-unit-9"


@pytest.fixture(scope="module")
def tiktok(demo_server: DemoServer) -> Iterator[TikTokSetup]:
    rt = current()
    fake = FakeTikTok()
    saved = (
        rt.settings.tiktok_client_key,
        rt.settings.tiktok_client_secret,
        rt.settings.tiktok_api_base,
        rt.settings.tiktok_ad_unit_id,
    )
    with fake.serve() as server:
        setup = TikTokSetup(fake, demo_server)
        rt.settings.tiktok_client_key = fake.client_key
        rt.settings.tiktok_client_secret = fake.client_secret
        rt.settings.tiktok_api_base = server.url
        rt.settings.tiktok_ad_unit_id = setup.ad_unit_id
        try:
            yield setup
        finally:
            (
                rt.settings.tiktok_client_key,
                rt.settings.tiktok_client_secret,
                rt.settings.tiktok_api_base,
                rt.settings.tiktok_ad_unit_id,
            ) = saved


def install_sdk(page: Page, code: str, language: str = "en-US") -> None:
    page.add_init_script(FAKE_SDK % {"code": json.dumps(code), "language": json.dumps(language)})


def sdk_calls(page: Page, name: str | None = None) -> list[dict]:
    calls = page.evaluate("window.__tt.calls")
    return [c for c in calls if name is None or c["name"] == name]


def wait_playing(page: Page, number: int) -> None:
    page.wait_for_function(
        "(sel) => { const v = document.querySelector(sel);"
        " return v && !v.paused && v.currentTime > 0.2; }",
        arg=f'{ACTIVE}[data-episode-number="{number}"] video',
    )


def test_tiktok_sdk_is_initialised_first_and_login_links_the_viewer(
    page: Page, tiktok: TikTokSetup
):
    code, open_id = tiktok.fake.issue_code()
    install_sdk(page, code)
    logins = []
    page.on(
        "request", lambda r: logins.append(r) if r.url.endswith("/api/v1/auth/tiktok") else None
    )
    page.goto(tiktok.demo.watch_url(1))
    wait_playing(page, 1)

    calls = sdk_calls(page)
    assert calls[0] == {"name": "init", "arg": {"clientKey": tiktok.fake.client_key}}
    names = [c["name"] for c in calls]
    assert "login" in names and names.index("init") < names.index("login")
    assert {"name": "on", "arg": "minis.share"} in calls
    assert {
        "name": "setNavigationBarColor",
        "arg": {"frontColor": "#ffffff", "backgroundColor": "#000000"},
    } in calls
    assert page.evaluate("document.querySelector('meta[name=theme-color]').content") == "#000000"

    # The SDK's code went to the server, which exchanged it with TikTok and answered a viewer.
    assert len(logins) == 1
    assert json.loads(logins[0].post_data) == {"code": code}
    answer = logins[0].response()
    assert answer is not None and answer.status == 200
    result = answer.json()
    assert result["open_id"] == open_id
    # The app now uses that viewer's token, and the server linked the viewer to the TikTok user.
    stored = json.loads(page.evaluate("localStorage.getItem('cliffhanger.viewer')"))
    assert stored == {"viewer_id": result["viewer_id"], "token": result["token"]}
    with current().db.session() as session:
        linked = session.scalar(select(Viewer).where(Viewer.tiktok_open_id == open_id))
        assert linked is not None and linked.id == result["viewer_id"]
    assert (
        page.evaluate("import('/static/js/platform/index.js').then((m) => m.platform.name)")
        == "tiktok"
    )

    # A second visit with the same viewer does not log in again.
    page.reload()
    wait_playing(page, 1)
    assert sdk_calls(page, "login") == []
    assert len(logins) == 1


def test_episode_plays_are_reported_and_share_sends_the_current_episode(
    page: Page, tiktok: TikTokSetup
):
    code, _ = tiktok.fake.issue_code()
    install_sdk(page, code)
    page.goto(tiktok.demo.watch_url(1))
    wait_playing(page, 1)
    ids = tiktok.demo.episode_ids
    page.wait_for_function("() => window.__tt.calls.some((c) => c.name === 'reportEvent')")
    page.keyboard.press("ArrowDown")
    wait_playing(page, 2)
    page.wait_for_function(
        "() => window.__tt.calls.filter((c) => c.name === 'reportEvent').length >= 2"
    )
    page.wait_for_timeout(1500)  # episode 3 is preloaded meanwhile: that is not a play

    reports = [c["arg"] for c in sdk_calls(page, "reportEvent")]
    assert reports == [
        {
            "eventName": "drama_episode_play",
            "params": {"episodeId": ids[0], "position": 1, "seriesId": tiktok.demo.series_id},
        },
        {
            "eventName": "drama_episode_play",
            "params": {"episodeId": ids[1], "position": 2, "seriesId": tiktok.demo.series_id},
        },
    ]

    # TikTok's own share button asks the Mini what to share: the episode on screen.
    page.evaluate("window.__tt.handlers['minis.share']()")
    page.wait_for_function("() => window.__tt.calls.some((c) => c.name === 'share')")
    [share] = [c["arg"] for c in sdk_calls(page, "share")]
    title = page.locator(".hud__series").inner_text()
    episode_title = page.locator(f"{ACTIVE}").get_attribute("aria-label")
    assert share["title"] == title
    assert share["desc"] == episode_title  # "Episode 2: …"
    assert share["imageUrl"].startswith(f"{tiktok.demo.url}/media/") and share["imageUrl"].endswith(
        ".jpg"
    )
    assert share["query"] == {"series": tiktok.demo.series_id, "episode": "2"}


def test_payments_and_rewarded_ads_go_through_the_sdk(page: Page, tiktok: TikTokSetup):
    code, _ = tiktok.fake.issue_code()
    install_sdk(page, code)
    page.goto(tiktok.demo.watch_url(1))
    wait_playing(page, 1)
    paid = page.evaluate("""async () => {
        const { platform } = await import('/static/js/platform/index.js');
        return platform.pay({ trade_order_id: 'trade-123' });
    }""")
    assert paid == {"status": "paid"}
    assert [c["arg"] for c in sdk_calls(page, "pay")] == [{"trade_order_id": "trade-123"}]

    watched = page.evaluate("""async () => {
        const { platform } = await import('/static/js/platform/index.js');
        return platform.showRewardedAd(
            { ad_session_id: 'ad-1', min_watch_s: 15, ad_unit_id: 'unit-7' });
    }""")
    assert watched == {"isEnded": True}
    assert [c["arg"] for c in sdk_calls(page, "createRewardedVideoAd")] == [{"adUnitId": "unit-7"}]
    assert len(sdk_calls(page, "ad.show")) == 1
    # A session without a unit falls back to the one the deployment configured for the page.
    watched = page.evaluate("""async () => {
        const { platform } = await import('/static/js/platform/index.js');
        return platform.showRewardedAd({ ad_session_id: 'ad-2', min_watch_s: 15 });
    }""")
    assert watched == {"isEnded": True}
    assert [c["arg"] for c in sdk_calls(page, "createRewardedVideoAd")][-1] == {
        "adUnitId": tiktok.ad_unit_id
    }


def test_the_platform_language_drives_the_ui(page: Page, tiktok: TikTokSetup):
    code, _ = tiktok.fake.issue_code()
    install_sdk(page, code, language="ja-JP")
    page.goto(tiktok.demo.watch_url(1))
    wait_playing(page, 1)
    assert page.evaluate("document.documentElement.lang") == "ja"
    expect(page.get_by_role("button", name="再生速度: 1×")).to_be_visible()
    calls = [c["name"] for c in sdk_calls(page)]
    assert calls[0] == "init" and "getSystemInfoSync" in calls


def test_a_refused_login_leaves_a_guest_who_can_watch(page: Page, tiktok: TikTokSetup, console):
    console.allow("status of 401")
    install_sdk(page, "code-tiktok-never-issued")
    page.goto(tiktok.demo.watch_url(1))
    wait_playing(page, 1)
    assert [c["name"] for c in sdk_calls(page)][:1] == ["init"]
    assert sdk_calls(page, "login")
    viewer = json.loads(page.evaluate("localStorage.getItem('cliffhanger.viewer')"))
    with current().db.session() as session:
        assert session.get(Viewer, viewer["viewer_id"]).tiktok_open_id is None


def test_a_browser_gets_the_web_platform(page: Page, demo_server: DemoServer):
    page.goto(demo_server.watch_url(1))
    wait_playing(page, 1)
    assert (
        page.evaluate("import('/static/js/platform/index.js').then((m) => m.platform.name)")
        == "web"
    )
    assert page.evaluate("typeof window.TTMinis") == "undefined"
