"""The viewer app on a phone: play, swipe, keys, picker, unlock sheet, deep links, autoplay next."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.season import FREE_EPISODES, PRICE_COINS, WELCOME_COINS, DemoServer

pytestmark = pytest.mark.e2e

ACTIVE = '.slide[aria-current="true"]'
UNLOCK = f"Unlock for {PRICE_COINS} coins"


def video_of(number: int) -> str:
    return f'.slide[data-episode-number="{number}"] video'


def media(page: Page, selector: str, prop: str):
    return page.evaluate("([sel, prop]) => document.querySelector(sel)?.[prop]", [selector, prop])


def assert_plays(page: Page, number: int) -> None:
    """Episode `number` is the one active slide and its video time really advances."""
    expect(page.locator(ACTIVE)).to_have_count(1)
    expect(page.locator(ACTIVE)).to_have_attribute("data-episode-number", str(number))
    selector = f'{ACTIVE}[data-episode-number="{number}"] video'
    page.wait_for_function(
        "(sel) => { const v = document.querySelector(sel);"
        " return v && !v.paused && v.currentTime > 0.2; }",
        arg=selector,
    )
    before = media(page, selector, "currentTime")
    time.sleep(0.6)
    assert media(page, selector, "currentTime") > before + 0.2


def swipe(page: Page, *, up: bool = True) -> None:
    """A real touch gesture through the DevTools protocol: touchstart, moves, touchend."""
    cdp = page.context.new_cdp_session(page)
    x, start, end = 195, 620, 180
    if not up:
        start, end = end, start

    def touch(kind: str, y: float | None) -> None:
        points = [] if y is None else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", start)
    for step in range(1, 9):
        touch("touchMove", start + (end - start) * step / 8)
    touch("touchEnd", None)
    cdp.detach()


def test_episode_one_plays_and_preloads_the_next(
    page: Page, demo_server: DemoServer, screenshot
):
    page.goto(demo_server.watch_url(1))
    assert_plays(page, 1)
    expect(page).to_have_url(demo_server.watch_url(1))
    expect(page.locator(ACTIVE)).to_have_attribute("data-episode-id", demo_server.episode_ids[0])
    others = len(demo_server.episode_ids) - 1
    expect(page.locator('.slide[aria-current="false"]')).to_have_count(others)

    # The next episode is already preloaded by its own hls.js instance, detached: its first
    # fragment is fetched, its <video> (muted, paused) gets the media only on the swipe.
    page.wait_for_function(
        """([sel, id]) => {
            const v = document.querySelector(sel);
            const slide = v?.closest('.slide');
            const fetched = performance.getEntriesByType('resource')
                .some((e) => e.name.includes(`/media/hls/${id}/`) && e.name.endsWith('.ts'));
            const detached = v && v.paused && v.muted && !v.src;
            return detached && slide.dataset.preloaded === 'true' && fetched;
        }""",
        arg=[video_of(2), demo_server.episode_ids[1]],
    )
    assert page.locator("video").count() == 2
    # Debian chromium plays through hls.js (Media Source), not its own HLS pipeline.
    assert media(page, f"{ACTIVE} video", "src").startswith("blob:")

    # Muted autoplay; the viewer unmutes with the labelled control.
    active = f"{ACTIVE} video"
    assert media(page, active, "muted") is True
    unmute = page.get_by_role("button", name="Tap to unmute")
    screenshot(page, "player")
    unmute.click()
    expect(unmute).to_be_hidden()
    assert media(page, active, "muted") is False
    expect(page.get_by_role("button", name="Mute")).to_be_visible()

    # A tap pauses, a second tap resumes.
    page.touchscreen.tap(195, 420)
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    assert media(page, active, "paused") is True
    page.touchscreen.tap(195, 420)
    assert_plays(page, 1)


def test_swipe_wheel_and_arrow_keys_move_between_episodes(page: Page, demo_server: DemoServer):
    page.goto(demo_server.watch_url(1))
    assert_plays(page, 1)

    swipe(page, up=True)
    assert_plays(page, 2)
    expect(page).to_have_url(demo_server.watch_url(2))
    assert media(page, video_of(1), "paused") is True

    page.keyboard.press("ArrowDown")
    assert_plays(page, 3)
    expect(page).to_have_url(demo_server.watch_url(3))

    page.keyboard.press("ArrowUp")
    assert_plays(page, 2)

    page.mouse.move(195, 420)
    page.mouse.wheel(0, 240)
    assert_plays(page, 3)

    swipe(page, up=False)
    assert_plays(page, 2)


def test_locked_episode_opens_unlock_sheet_and_unlock_plays_it(
    page: Page, demo_server: DemoServer, screenshot
):
    locked = FREE_EPISODES + 1
    key_requests: list[str] = []
    page.on("request", lambda r: "/keys/" in r.url and key_requests.append(r.url))
    page.goto(demo_server.watch_url(FREE_EPISODES))
    assert_plays(page, FREE_EPISODES)
    page.keyboard.press("ArrowDown")

    sheet = page.get_by_role("dialog", name=f"Unlock episode {locked}")
    expect(sheet).to_be_visible()
    expect(sheet).to_have_attribute("aria-modal", "true")
    expect(page.locator(ACTIVE)).to_have_attribute("data-episode-number", str(locked))
    expect(sheet.locator('[data-field="price"]')).to_have_text(f"{PRICE_COINS} coins")
    expect(sheet.locator('[data-field="balance"]')).to_have_text(f"{WELCOME_COINS} coins")
    finish = (len(demo_server.episode_ids) - FREE_EPISODES) * PRICE_COINS
    expect(sheet.locator('[data-field="finish"]')).to_have_text(f"{finish} coins")
    # Keys do not move the feed behind a modal sheet.
    page.keyboard.press("ArrowDown")
    expect(page.locator(ACTIVE)).to_have_attribute("data-episode-number", str(locked))
    screenshot(page, "unlock-sheet")

    sheet.get_by_role("button", name=UNLOCK).click()
    expect(sheet).to_be_hidden()
    assert_plays(page, locked)
    assert key_requests, "the locked episode should be AES-128 encrypted, its key fetched"
    balance = WELCOME_COINS - PRICE_COINS
    expect(page.locator(".hud__balance")).to_contain_text(f"Balance: {balance} coins")

    # The next locked episode costs more than is left: the sheet says so and stays open.
    page.keyboard.press("ArrowDown")
    sheet = page.get_by_role("dialog", name=f"Unlock episode {locked + 1}")
    expect(sheet).to_be_visible()
    expect(sheet.locator('[data-field="balance"]')).to_have_text(f"{balance} coins")
    expect(sheet.locator('[data-field="finish"]')).to_have_text(f"{finish - PRICE_COINS} coins")
    sheet.get_by_role("button", name=UNLOCK).click()
    alert = sheet.get_by_role("alert")
    expect(alert).to_contain_text("Not enough coins")
    expect(alert).to_contain_text(f"You are {PRICE_COINS - balance} coins short")
    expect(sheet).to_be_visible()
    screenshot(page, "unlock-sheet-short")

    # Closing leaves the locked slide with its own unlock button, which reopens the sheet.
    sheet.get_by_role("button", name="Not now").click()
    expect(sheet).to_be_hidden()
    page.locator(ACTIVE).get_by_role("button", name=UNLOCK).click()
    expect(sheet).to_be_visible()
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()

    # Back to episode 1 through four playable episodes: players beyond active, next and
    # previous are destroyed on the way.
    for number in range(locked, 0, -1):
        page.keyboard.press("ArrowUp")
        assert_plays(page, number)
    assert page.locator("video").count() <= 3
    expect(page.locator(video_of(locked))).to_have_count(0)


def test_episode_picker_lists_lock_state_and_jumps(
    page: Page, demo_server: DemoServer, screenshot
):
    page.goto(demo_server.watch_url(1))
    assert_plays(page, 1)
    page.get_by_role("button", name="Episodes").click()
    picker = page.get_by_role("dialog").and_(page.locator('[data-sheet="picker"]'))
    expect(picker).to_be_visible()
    expect(picker).to_have_attribute("aria-modal", "true")
    tiles = picker.locator(".tile")
    expect(tiles).to_have_count(len(demo_server.episode_ids))
    expect(tiles.nth(0)).to_have_attribute("aria-current", "true")
    expect(tiles.nth(1)).to_have_attribute("aria-label", re.compile(r"^Episode 2: .*, free$"))
    expect(tiles.nth(FREE_EPISODES)).to_have_attribute(
        "aria-label",
        re.compile(rf"^Episode {FREE_EPISODES + 1}: .*, locked, {PRICE_COINS} coins$"),
    )
    finish = (len(demo_server.episode_ids) - FREE_EPISODES) * PRICE_COINS
    expect(picker).to_contain_text(f"Finish the series for {finish} coins")
    screenshot(page, "picker-sheet")

    picker.get_by_role("button", name=re.compile(r"^Episode 3:")).click()
    expect(picker).to_be_hidden()
    assert_plays(page, 3)
    expect(page).to_have_url(demo_server.watch_url(3))

    # Choosing a locked episode lands on it and hands over to the unlock sheet, focus included.
    locked = FREE_EPISODES + 1
    page.get_by_role("button", name="Episodes").click()
    picker.get_by_role("button", name=re.compile(rf"^Episode {locked}:")).click()
    unlock = page.get_by_role("dialog", name=f"Unlock episode {locked}")
    expect(unlock).to_be_visible()
    expect(picker).to_be_hidden()
    expect(unlock.get_by_role("button", name=UNLOCK)).to_be_focused()


def test_deep_link_opens_that_episode(page: Page, demo_server: DemoServer):
    page.goto(demo_server.watch_url(2))
    assert_plays(page, 2)
    expect(page.locator(ACTIVE)).to_have_attribute("data-episode-id", demo_server.episode_ids[1])
    expect(page.get_by_text(f"Episode 2 of {len(demo_server.episode_ids)}")).to_be_visible()


def test_autoplay_moves_to_the_next_episode_when_one_ends(page: Page, demo_server: DemoServer):
    page.goto(demo_server.watch_url(1))
    assert_plays(page, 1)
    page.evaluate(
        "(sel) => { const v = document.querySelector(sel); v.currentTime = v.duration - 0.5; }",
        f"{ACTIVE} video",
    )
    assert_plays(page, 2)
    expect(page).to_have_url(demo_server.watch_url(2))


def test_desktop_letterboxes_the_vertical_stage(page: Page, demo_server: DemoServer, screenshot):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(demo_server.watch_url(1))
    assert_plays(page, 1)
    stage = page.locator(f"{ACTIVE} .slide__stage").bounding_box()
    assert stage["height"] == pytest.approx(800, abs=1)
    assert stage["width"] == pytest.approx(800 * 9 / 16, abs=1)
    assert stage["x"] + stage["width"] / 2 == pytest.approx(640, abs=1)
    # The controls sit on the stage, not at the far edge of the window.
    rail = page.get_by_role("button", name="Episodes").bounding_box()
    assert stage["x"] < rail["x"] and rail["x"] + rail["width"] <= stage["x"] + stage["width"]
    screenshot(page, "player-desktop")


def test_slide_transition_respects_reduced_motion(page: Page, demo_server: DemoServer):
    page.goto(demo_server.watch_url(1))
    assert_plays(page, 1)
    duration = "getComputedStyle(document.querySelector('.feed__track')).transitionDuration"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(duration) != "0s"
    assert_plays(page, 2)
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(duration) == "0s"
    page.keyboard.press("ArrowDown")
    assert_plays(page, 3)


def test_stale_viewer_token_is_replaced_once(page: Page, demo_server: DemoServer, console):
    console.allow("status of 401")
    page.goto(demo_server.url + "/static/img/icon.svg")
    page.evaluate(
        "localStorage.setItem('cliffhanger.viewer',"
        " JSON.stringify({viewer_id: 'gone', token: 'revoked.token'}))"
    )
    page.goto(demo_server.watch_url(1))
    assert_plays(page, 1)
    stored = page.evaluate("JSON.parse(localStorage.getItem('cliffhanger.viewer')).token")
    assert stored != "revoked.token"


def test_native_hls_engine_plays_an_unlocked_encrypted_episode(
    page: Page, demo_server: DemoServer
):
    """Safari and iOS take the native path; Chromium's own HLS support stands in for it here."""
    locked = FREE_EPISODES + 1
    key_requests: list[str] = []
    page.on("request", lambda r: "/keys/" in r.url and key_requests.append(r.url))
    page.goto(demo_server.watch_url(locked, "?player=native"))
    sheet = page.get_by_role("dialog", name=f"Unlock episode {locked}")
    sheet.get_by_role("button", name=UNLOCK).click()
    expect(sheet).to_be_hidden()
    assert_plays(page, locked)
    # Native playback: the manifest URL itself is the source, no MediaSource blob.
    assert media(page, f"{ACTIVE} video", "src").startswith(demo_server.url)
    assert key_requests, "the encrypted episode's key was never fetched"
