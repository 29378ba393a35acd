"""The player's features on a phone: playback speed, the seek bar, resume, subtitles, product
cards and their tracked redirect, watch events, keyboard control.

The module fixture gives episode 1 of the demo season English and Spanish subtitles and a product
placement (3 s to 6 s) through the studio API, and takes them away again afterwards, so the other
modules see the season as seeded. Server-side effects (watch events, product clicks, resume
points) are read from the app's own database.
"""

# ruff: noqa: RUF001, RUF003 (speed labels use the real multiplication sign, U+00D7)

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select
from tests.e2e.season import DemoServer

from cliffhanger.analytics.models import WatchEvent
from cliffhanger.catalog.models import ProductClick, WatchProgress
from cliffhanger.kit.runtime import current
from cliffhanger.web.viewer import pages as web_pages

pytestmark = pytest.mark.e2e

STATIC = web_pages.STATIC_DIR
ACTIVE = '.slide[aria-current="true"]'
ACTIVE_VIDEO = f"{ACTIVE} video"
SHOP_URL = "https://shop.example/trench-coat"
PRODUCT_START, PRODUCT_END = 3.0, 6.0

EN_VTT = """WEBVTT

00:00.200 --> 00:03.000
Where were you last night?

00:03.000 --> 00:06.500
I can explain <i>everything</i>.

00:06.500 --> 00:10.000
Then start talking.
"""

ES_VTT = """WEBVTT

00:00.200 --> 00:03.000
¿Dónde estabas anoche?

00:03.000 --> 00:06.500
Puedo explicarlo <i>todo</i>.

00:06.500 --> 00:10.000
Entonces empieza a hablar.
"""


@dataclass(frozen=True)
class Features:
    demo: DemoServer
    org_key: str
    product_id: str
    placement_id: str

    @property
    def episode_id(self) -> str:
        return self.demo.episode_ids[0]


def studio(demo: DemoServer, key: str) -> httpx.Client:
    return httpx.Client(base_url=demo.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


@pytest.fixture(scope="module")
def features(demo_server: DemoServer) -> Iterator[Features]:
    rt = current()
    key = (rt.settings.resolved_data_dir / "demo-api-key.txt").read_text(encoding="ascii").strip()
    episode = demo_server.episode_ids[0]
    with studio(demo_server, key) as client:
        for lang, text in (("en", EN_VTT), ("es", ES_VTT)):
            r = client.post(
                f"/api/v1/studio/episodes/{episode}/subtitles",
                data={"lang": lang},
                files={"file": (f"{lang}.vtt", text.encode(), "text/vtt")},
            )
            assert r.status_code in (200, 201), r.text
        r = client.post(
            f"/api/v1/studio/series/{demo_server.series_id}/products",
            json={"title": "Midnight Trench Coat", "price_text": "$89.00", "link": SHOP_URL},
        )
        assert r.status_code == 201, r.text
        product_id = r.json()["id"]
        picture = io.BytesIO()
        Image.new("RGB", (240, 240), (176, 124, 72)).save(picture, "PNG")
        r = client.put(
            f"/api/v1/studio/products/{product_id}/image",
            files={"file": ("coat.png", picture.getvalue(), "image/png")},
        )
        assert r.status_code == 200, r.text
        r = client.post(
            f"/api/v1/studio/products/{product_id}/placements",
            json={"episode_id": episode, "start_s": PRODUCT_START, "end_s": PRODUCT_END},
        )
        assert r.status_code == 201, r.text
        placement_id = r.json()["placements"][0]["id"]
    yield Features(demo_server, key, product_id, placement_id)
    with studio(demo_server, key) as client:
        client.delete(f"/api/v1/studio/products/{product_id}")
        for lang in ("en", "es"):
            client.delete(f"/api/v1/studio/episodes/{episode}/subtitles/{lang}")


# ---- helpers ---------------------------------------------------------------------------------


def media(page: Page, prop: str, selector: str = ACTIVE_VIDEO):
    return page.evaluate("([sel, prop]) => document.querySelector(sel)?.[prop]", [selector, prop])


def wait_playing(page: Page, number: int, after: float = 0.2) -> None:
    expect(page.locator(ACTIVE)).to_have_attribute("data-episode-number", str(number))
    page.wait_for_function(
        "([sel, t]) => { const v = document.querySelector(sel);"
        " return v && !v.paused && v.currentTime > t; }",
        arg=[f'{ACTIVE}[data-episode-number="{number}"] video', after],
    )


def pause_at(page: Page, seconds: float) -> None:
    """Pause the active episode and put it at `seconds` (timeupdate and cues follow)."""
    page.evaluate(
        """([sel, t]) => new Promise((resolve) => {
            const v = document.querySelector(sel);
            v.pause();
            v.addEventListener('seeked', () => resolve(), { once: true });
            v.currentTime = t;
        })""",
        [ACTIVE_VIDEO, seconds],
    )


def viewer_id(page: Page) -> str:
    return json.loads(page.evaluate("localStorage.getItem('cliffhanger.viewer')"))["viewer_id"]


def stored_events(viewer: str) -> list[WatchEvent]:
    with current().db.session() as session:
        rows = session.scalars(select(WatchEvent).where(WatchEvent.viewer_id == viewer)).all()
        session.expunge_all()
        return list(rows)


def wait_until(page: Page, predicate, timeout: float = 15.0, interval: float = 0.25):
    """Poll `predicate` (server state) while the page runs; Playwright's own event handlers
    (routes, requests) only get their turn while the test waits through Playwright."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        page.wait_for_timeout(interval * 1000)


def saved_position(viewer: str, episode_id: str) -> float | None:
    with current().db.session() as session:
        row = session.get(WatchProgress, (viewer, episode_id))
        return row.position_s if row else None


# ---- speed -----------------------------------------------------------------------------------


def test_speed_menu_changes_the_playback_rate_and_remembers_it(
    page: Page, features: Features, screenshot
):
    page.goto(features.demo.watch_url(2))
    wait_playing(page, 2)
    speed = page.get_by_role("button", name="Playback speed: 1×")
    expect(speed).to_be_visible()
    assert media(page, "playbackRate") == 1

    page.keyboard.press("s")  # the keyboard way in
    menu = page.get_by_role("dialog").and_(page.locator('[data-sheet="speed"]'))
    expect(menu).to_be_visible()
    options = menu.get_by_role("menuitemradio")
    expect(options).to_have_text(["1×", "1.25×", "1.5×", "2×"])
    expect(menu.get_by_role("menuitemradio", name="1×")).to_have_attribute("aria-checked", "true")
    expect(menu.get_by_role("menuitemradio", name="1×")).to_be_focused()
    page.wait_for_timeout(350)  # sheet animation
    screenshot(page, "player-speed-menu")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    speed.click()
    expect(menu).to_be_visible()
    menu.get_by_role("menuitemradio", name="1.5×").click()
    expect(menu).to_be_hidden()
    assert media(page, "playbackRate") == 1.5
    expect(page.get_by_role("button", name="Playback speed: 1.5×")).to_be_visible()
    assert (
        media(page, "defaultPlaybackRate") == 1.5
    )  # kept across a recovery or reload of the source

    # Remembered: the next episode and the next visit play at 1.5×.
    page.keyboard.press("ArrowDown")
    wait_playing(page, 3)
    assert media(page, "playbackRate") == 1.5
    page.reload()
    wait_playing(page, 3)
    assert media(page, "playbackRate") == 1.5
    expect(page.get_by_role("button", name="Playback speed: 1.5×")).to_be_visible()


# ---- seek bar ----------------------------------------------------------------------------------


def test_seek_bar_is_a_labelled_slider_for_pointer_and_keys(page: Page, features: Features):
    page.goto(features.demo.watch_url(3))
    wait_playing(page, 3)
    slider = page.get_by_role("slider", name="Playback position")
    expect(slider).to_be_visible()
    duration = media(page, "duration")
    expect(slider).to_have_attribute("aria-valuemax", str(int(duration)))

    pause_at(page, 2.0)
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(sel) => Math.abs(document.querySelector(sel).currentTime - 7) < 0.3", arg=ACTIVE_VIDEO
    )
    expect(slider).to_have_attribute("aria-valuenow", "7")
    expect(slider).to_have_attribute("aria-valuetext", f"0:07 of 0:{int(duration):02d}")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "(sel) => Math.abs(document.querySelector(sel).currentTime - 2) < 0.3", arg=ACTIVE_VIDEO
    )
    expect(slider).to_have_attribute("aria-valuenow", "2")
    # ↑/↓ on the focused bar still change episodes; ←/→ did not.
    expect(page.locator(ACTIVE)).to_have_attribute("data-episode-number", "3")

    # A tap at three quarters of the bar seeks there (and does not pause or play: it was paused).
    box = slider.bounding_box()
    assert box is not None
    page.touchscreen.tap(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "([sel, t]) => Math.abs(document.querySelector(sel).currentTime - t) < 0.6",
        arg=[ACTIVE_VIDEO, duration * 0.75],
    )
    assert media(page, "paused") is True

    # Without focus on the bar, ←/→ seek the active episode too.
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")
    at = media(page, "currentTime")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "([sel, t]) => Math.abs(document.querySelector(sel).currentTime - t) < 0.4",
        arg=[ACTIVE_VIDEO, at - 5],
    )


# ---- resume ------------------------------------------------------------------------------------


def test_resume_where_the_viewer_left_off(page: Page, features: Features):
    page.goto(features.demo.watch_url(2))
    wait_playing(page, 2)
    page.evaluate("(sel) => { document.querySelector(sel).currentTime = 6; }", ACTIVE_VIDEO)
    page.wait_for_function("(sel) => document.querySelector(sel).currentTime > 7", arg=ACTIVE_VIDEO)

    # Leaving the page saves the position with a keepalive request (pagehide).
    viewer, episode = viewer_id(page), features.demo.episode_ids[1]
    playing_at = media(page, "currentTime")
    page.goto("about:blank")
    left_at = wait_until(
        page, lambda: (p := saved_position(viewer, episode)) and p >= playing_at - 0.1 and p
    )
    assert 7 <= left_at <= 10, left_at

    # Coming back by deep link starts there, not at 0.
    page.goto(features.demo.watch_url(2))
    wait_playing(page, 2, after=0)
    start = media(page, "currentTime")
    assert left_at - 1.0 <= start <= left_at + 2.0, (left_at, start)

    # A pause saves too; a reload resumes at the paused position.
    pause_at(page, 9.0)
    page.touchscreen.tap(195, 420)  # play
    page.wait_for_timeout(400)
    page.touchscreen.tap(195, 420)  # pause: saved
    paused_at = media(page, "currentTime")
    assert media(page, "paused") is True
    wait_until(page, lambda: abs((saved_position(viewer, episode) or 0) - paused_at) < 0.2)
    page.reload()
    wait_playing(page, 2, after=0)
    assert abs(media(page, "currentTime") - paused_at) < 1.5


# ---- subtitles ---------------------------------------------------------------------------------


def test_subtitles_show_the_active_cue_switch_language_and_turn_off(
    page: Page, features: Features, screenshot
):
    page.goto(features.demo.watch_url(1))
    wait_playing(page, 1)
    captions = page.locator(f"{ACTIVE} .captions")
    # One <track> per language from the API, nothing added by hls.js; English (the UI's) is on.
    tracks = page.evaluate(
        "(sel) => [...document.querySelector(sel).textTracks].map((t) => [t.language, t.mode])",
        ACTIVE_VIDEO,
    )
    assert sorted(tracks) == [["en", "hidden"], ["es", "disabled"]]
    button = page.get_by_role("button", name="Subtitles: English")
    expect(button).to_have_attribute("aria-pressed", "true")

    pause_at(page, 1.0)
    expect(captions).to_be_visible()
    expect(captions).to_have_text("Where were you last night?")
    page.wait_for_timeout(300)
    screenshot(page, "player-subtitles")
    pause_at(page, 4.0)
    expect(captions).to_have_text("I can explain everything.")
    expect(captions.locator("i")).to_have_text("everything")  # WebVTT markup kept, as markup

    button.click()
    menu = page.get_by_role("dialog").and_(page.locator('[data-sheet="captions"]'))
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitemradio")).to_have_text(["Off", "English", "Español"])
    expect(menu.get_by_role("menuitemradio", name="English")).to_have_attribute(
        "aria-checked", "true"
    )
    page.wait_for_timeout(350)
    screenshot(page, "player-captions-menu")
    menu.get_by_role("menuitemradio", name="Español").click()
    expect(menu).to_be_hidden()
    expect(captions).to_have_text("Puedo explicarlo todo.")
    expect(captions).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Subtitles: Español")).to_be_visible()

    page.keyboard.press("c")  # off
    expect(captions).to_be_hidden()
    expect(page.get_by_role("button", name="Subtitles: Off")).to_have_attribute(
        "aria-pressed", "false"
    )
    page.keyboard.press("c")  # back on, in the language last shown
    expect(captions).to_have_text("Puedo explicarlo todo.")

    page.get_by_role("button", name="Subtitles: Español").click()
    menu.get_by_role("menuitemradio", name="Off").click()
    expect(captions).to_be_hidden()
    # Off is remembered.
    page.reload()
    wait_playing(page, 1)
    expect(page.get_by_role("button", name="Subtitles: Off")).to_be_visible()
    pause_at(page, 4.0)
    expect(captions).to_be_hidden()


def test_subtitles_follow_the_ui_language_by_default(page: Page, features: Features):
    page.add_init_script("localStorage.setItem('cliffhanger.locale', 'es')")
    page.goto(features.demo.watch_url(1))
    wait_playing(page, 1)
    pause_at(page, 1.0)
    captions = page.locator(f"{ACTIVE} .captions")
    expect(captions).to_have_text("¿Dónde estabas anoche?")
    expect(page.get_by_role("button", name="Subtítulos: Español")).to_be_visible()
    expect(page.get_by_role("slider", name="Posición de reproducción")).to_be_visible()


# ---- products ----------------------------------------------------------------------------------


def test_product_card_shows_only_in_its_range_and_clicks_go_through_the_redirect(
    page: Page, features: Features, screenshot
):
    redirects: list[tuple[str, int, str | None]] = []

    def through_redirect(route) -> None:
        # The real server answers (and records the click); the shop itself is not on the net here.
        response = route.fetch(max_redirects=0)
        redirects.append((route.request.url, response.status, response.headers.get("location")))
        route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>Shop</title>"
        )

    page.context.route("**/r/p/**", through_redirect)
    page.goto(features.demo.watch_url(1))
    wait_playing(page, 1)
    card = page.locator(f"{ACTIVE} a.product")

    pause_at(page, 1.0)
    expect(card).to_have_count(0)
    pause_at(page, 4.0)
    expect(card).to_have_count(1)
    expect(card).to_be_visible()
    expect(card).to_have_attribute("target", "_blank")
    expect(card).to_have_attribute("rel", "noopener")
    assert card.get_attribute("href").startswith(f"/r/p/{features.placement_id}?v=")
    expect(card).to_have_accessible_name("Shop: Midnight Trench Coat, $89.00 (opens in a new tab)")
    expect(card.locator(".product__title")).to_have_text("Midnight Trench Coat")
    expect(card.locator(".product__price")).to_have_text("$89.00")
    expect(card.locator(".product__shop")).to_have_text("Shop")
    page.wait_for_function(
        "(sel) => document.querySelector(sel)?.complete", arg=f"{ACTIVE} .product__image"
    )
    page.wait_for_timeout(300)
    screenshot(page, "player-product-card")
    pause_at(page, PRODUCT_END + 0.5)
    expect(card).to_have_count(0)
    pause_at(page, PRODUCT_END - 0.5)
    expect(card).to_have_count(1)

    viewer = viewer_id(page)
    with page.context.expect_page() as shop_page:
        card.click()
    shop = shop_page.value
    shop.wait_for_load_state()
    # A new tab on the tracked click URL, whose answer is a 302 to the product's own link.
    assert shop.url.startswith(f"{features.demo.url}/r/p/{features.placement_id}?v=")
    assert redirects == [(shop.url, 302, SHOP_URL)]
    assert shop.evaluate("window.opener") is None  # rel=noopener
    shop.close()

    def clicks() -> list[ProductClick]:
        with current().db.session() as session:
            return list(
                session.scalars(
                    select(ProductClick).where(ProductClick.placement_id == features.placement_id)
                )
            )

    recorded = wait_until(page, clicks)
    assert [c.viewer_id for c in recorded] == [viewer]  # attributed through the signed reference
    with studio(features.demo, features.org_key) as client:
        product = client.get(f"/api/v1/studio/series/{features.demo.series_id}/products").json()[
            "items"
        ]
    assert [p["clicks"] for p in product if p["id"] == features.product_id] == [1]
    # The click is also a watch event (flushed at once).
    events = wait_until(
        page, lambda: [e for e in stored_events(viewer) if e.type == "product_click"]
    )
    assert json.loads(events[0].props) == {"placement_id": features.placement_id}
    assert events[0].episode_id == features.episode_id
    assert PRODUCT_START <= events[0].position_s < PRODUCT_END


# ---- watch events ------------------------------------------------------------------------------


def test_watch_events_are_batched_retried_with_the_same_ids_and_stored(
    page: Page, features: Features, console
):
    batches: list[list[dict]] = []
    failing = {"on": True}

    def events_route(route) -> None:
        batch = json.loads(route.request.post_data or "{}").get("events", [])
        batches.append(batch)
        if failing["on"]:
            route.abort("connectionreset")  # the network drops the first batch
        else:
            route.continue_()

    console.allow("net::ERR_CONNECTION_RESET")
    page.route("**/api/v1/events", events_route)
    page.goto(features.demo.watch_url(1))
    wait_playing(page, 1)
    viewer = viewer_id(page)
    # Jump to the end of episode 1: quartiles, complete, then autoplay into episode 2.
    page.evaluate(
        "(sel) => { const v = document.querySelector(sel); v.currentTime = v.duration - 0.6; }",
        ACTIVE_VIDEO,
    )
    wait_playing(page, 2)
    page.wait_for_timeout(500)
    page.keyboard.press("ArrowDown")  # swipe away from episode 2 to episode 3
    wait_playing(page, 3)
    # 20 events in the queue send a batch at once: back to episode 1 (the one with subtitles)
    # and toggle them off and on.
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    wait_playing(page, 1, after=0)
    for _ in range(20):
        page.keyboard.press("c")
    wait_until(page, lambda: len(batches) >= 1, timeout=10)
    first = batches[0]
    assert len(first) >= 20
    ids = [e["event_id"] for e in first]
    assert len(set(ids)) == len(ids)
    assert all(e["occurred_at"].endswith("Z") or "+" in e["occurred_at"] for e in first)
    assert stored_events(viewer) == []  # that batch never arrived

    # The network is back: the next flush (10 s timer at the latest) resends the same ids.
    failing["on"] = False
    wait_until(page, lambda: len(batches) >= 2, timeout=20)
    second = batches[1]
    assert [e["event_id"] for e in second[: len(ids)]] == ids
    stored = wait_until(
        page, lambda: stored_events(viewer) if len(stored_events(viewer)) >= len(second) else None
    )
    by_id = {e.event_id: e for e in stored}
    assert set(ids) <= set(by_id)
    assert len(by_id) == len(stored)  # each stored once

    kinds = {(e.type, e.quartile) for e in stored if e.episode_id == features.episode_id}
    assert {
        ("play", None),
        ("progress", 25),
        ("progress", 50),
        ("progress", 75),
        ("progress", 100),
        ("complete", None),
    } <= kinds
    played = {e.episode_id for e in stored if e.type == "play"}
    ids_by_number = {i + 1: eid for i, eid in enumerate(features.demo.episode_ids)}
    # Plays of what was on screen only: never the preloaded episode 4.
    assert played == {ids_by_number[1], ids_by_number[2], ids_by_number[3]}
    away = [(e.episode_id, json.loads(e.props)) for e in stored if e.type == "swipe_away"]
    assert (ids_by_number[2], {"to": "next"}) in away
    assert sum(1 for e in stored if e.type == "subtitle_change") == 20
    assert all(e.series_id == features.demo.series_id for e in stored)


# ---- a deep link's first frame -----------------------------------------------------------------

# Counts every `.early-stage` (boot.js's stage for a deep link's first episode) put in the page.
COUNT_STAGES = """
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) {
    if (n.classList?.contains('early-stage')) window.earlyStages = (window.earlyStages ?? 0) + 1;
  }
}).observe(document, { childList: true, subtree: true });
"""


def test_a_deep_link_plays_before_the_app_loads_and_the_feed_takes_that_player_over(
    page: Page, features: Features
):
    """boot.js plays a deep link's episode on a stage of its own, the app's modules load after
    its first frame, and the feed adopts the very same player: one first fragment, the stage
    gone, the video labelled in its slide, and one play reported, from the start."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.add_init_script(COUNT_STAGES)
    page.goto(features.demo.watch_url(1))
    wait_playing(page, 1)
    seen = page.evaluate("""(sel) => {
        const mark = (name) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? null;
        const main = performance.getEntriesByType('resource')
            .find((e) => e.name.endsWith('/static/js/main.js'));
        const video = document.querySelector(sel);
        return {
            early: mark('cliffhanger:early-frame'), activate: mark('cliffhanger:activate'),
            main: main ? main.startTime : null, stages: window.earlyStages ?? 0,
            left: document.querySelectorAll('.early-stage').length,
            hidden: video.getAttribute('aria-hidden'), label: video.getAttribute('aria-label'),
        };
    }""", ACTIVE_VIDEO)
    assert seen["stages"] == 1 and seen["left"] == 0
    assert seen["early"] is not None and seen["activate"] is not None
    # The first frame was out before the feed existed, and the app was only asked for after it.
    assert seen["early"] < seen["activate"]
    assert seen["main"] is not None and seen["main"] >= seen["early"]
    assert seen["hidden"] is None and seen["label"]
    first = features.demo.episode_ids[0]
    firsts = [u for u in requests if f"/media/hls/{first}/" in u and u.endswith("/seg_00000.ts")]
    assert len(firsts) == 1, firsts  # no second player for episode 1
    viewer = viewer_id(page)
    page.goto("about:blank")  # pagehide sends what is queued
    plays = wait_until(
        page, lambda: [e for e in stored_events(viewer) if e.type == "play"] or None
    )
    assert [(e.episode_id, e.position_s) for e in plays] == [(first, 0.0)]


def test_the_early_stage_plays_the_episode_while_the_app_is_still_loading(
    page: Page, features: Features, screenshot
):
    """With the app's main module held back, the deep link's episode already plays, full size,
    on boot.js's stage; when the app arrives it takes over the same, still playing, video."""
    main = (STATIC / "js" / "main.js").read_text(encoding="utf-8")
    page.route(
        "**/static/js/main.js",
        lambda route: route.fulfill(
            status=200, content_type="text/javascript",
            body="await new Promise((resolve) => setTimeout(resolve, 2000));\n" + main,
        ),
    )
    page.goto(features.demo.watch_url(1))
    page.wait_for_function(
        "() => { const v = document.querySelector('.early-stage video');"
        " return v && !v.paused && v.currentTime > 0.2; }"
    )
    assert page.locator(".feed").count() == 0  # the app has not rendered
    box = page.locator(".early-stage video").bounding_box()
    assert box is not None and box["width"] == 390 and box["height"] == 844
    screenshot(page, "player-early-stage")
    started = page.evaluate("document.querySelector('.early-stage video').currentTime")
    wait_playing(page, 1)
    assert page.locator(".early-stage").count() == 0
    assert media(page, "currentTime") > started  # the same playback, not a new one from 0


def test_no_early_stage_for_a_locked_episode_or_an_unknown_series(
    page: Page, features: Features, console
):
    console.allow("404 (Not Found)")  # the unknown series, on purpose
    console.allow("view failed to load")
    page.add_init_script(COUNT_STAGES)
    page.goto(features.demo.watch_url(4))  # locked for a new viewer
    expect(page.get_by_role("dialog")).to_be_visible()
    assert page.evaluate("window.earlyStages ?? 0") == 0
    page.goto(f"{features.demo.url}/watch/no-such-series/1")
    expect(page.get_by_text("This series is not available.")).to_be_visible()
    assert page.evaluate("window.earlyStages ?? 0") == 0
    assert page.locator("video").count() == 0


# ---- keyboard and labels -------------------------------------------------------------------------


def test_keyboard_controls_and_labels(page: Page, features: Features):
    page.goto(features.demo.watch_url(1))
    wait_playing(page, 1)
    # Every control is named.
    names = page.evaluate("""() => [...document.querySelectorAll(
            '.hud button, .hud [role="slider"], .slide[aria-current="true"] a')]
        .filter((el) => !el.closest('[hidden]'))
        .map((el) => el.getAttribute('aria-label') || el.textContent.trim())""")
    assert all(names), names
    assert {"Episodes", "Subtitles: English", "Playback speed: 1×", "Playback position"} <= set(
        names
    )

    page.keyboard.press(" ")
    page.wait_for_function("(sel) => document.querySelector(sel).paused", arg=ACTIVE_VIDEO)
    pause_at(page, 2.0)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(sel) => Math.abs(document.querySelector(sel).currentTime - 7) < 0.3", arg=ACTIVE_VIDEO
    )
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "(sel) => Math.abs(document.querySelector(sel).currentTime - 2) < 0.3", arg=ACTIVE_VIDEO
    )
    page.keyboard.press(" ")
    wait_playing(page, 1, after=2.1)
    page.keyboard.press("c")
    expect(page.get_by_role("button", name="Subtitles: Off")).to_be_visible()
    page.keyboard.press("c")
    expect(page.get_by_role("button", name="Subtitles: English")).to_be_visible()
    page.keyboard.press("s")
    expect(page.locator('dialog[data-sheet="speed"]')).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitemradio", name="1.25×")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator('dialog[data-sheet="speed"]')).to_be_hidden()
    assert media(page, "playbackRate") == 1.25
    page.keyboard.press("ArrowDown")
    wait_playing(page, 2)
    page.keyboard.press("ArrowUp")
    wait_playing(page, 1, after=0)


def test_player_overlays_respect_reduced_motion(
    browser, demo_server: DemoServer, features: Features
):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        reduced_motion="reduce",
    )
    try:
        page = context.new_page()
        page.goto(demo_server.watch_url(1))
        wait_playing(page, 1)
        pause_at(page, 4.0)
        card = page.locator(f"{ACTIVE} a.product")
        expect(card).to_be_visible()
        assert card.evaluate("(el) => getComputedStyle(el).animationName") == "none"
        thumb = page.locator(".scrubber__thumb")
        assert thumb.evaluate("(el) => getComputedStyle(el).transitionDuration") in ("0s", "0s, 0s")
    finally:
        context.close()


def test_leaving_the_page_flushes_events_with_keepalive(page: Page, features: Features):
    # Episode 4 is locked: the unlock sheet opens, which is an event of its own.
    page.goto(features.demo.watch_url(4))
    expect(page.locator('dialog[data-sheet="unlock"]')).to_be_visible()
    viewer = viewer_id(page)
    page.goto("about:blank")  # pagehide: the queue goes out with keepalive, well before 10 s
    shown = wait_until(
        page,
        lambda: [e for e in stored_events(viewer) if e.type == "unlock_sheet_shown"],
        timeout=5,
    )
    assert shown[0].episode_id == features.demo.episode_ids[3]
    assert json.loads(shown[0].props)["price_coins"] == 60
    assert not [e for e in stored_events(viewer) if e.type == "play"]


def test_subtitles_on_the_native_hls_engine(page: Page, features: Features):
    page.goto(features.demo.watch_url(1, "?player=native"))
    wait_playing(page, 1)
    assert media(page, "src").endswith(".m3u8")  # Chromium's own HLS pipeline, no MediaSource
    pause_at(page, 4.0)
    expect(page.locator(f"{ACTIVE} .captions")).to_have_text("I can explain everything.")
    tracks = page.evaluate(
        "(sel) => [...document.querySelector(sel).textTracks].map((t) => [t.language, t.mode])",
        ACTIVE_VIDEO,
    )
    assert sorted(tracks) == [["en", "hidden"], ["es", "disabled"]]
