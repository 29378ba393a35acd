"""Discovery on a phone: For You, series page, search, Discover (genres, rankings, new), My List,
languages, keyboard and contrast. A second series, genres, tags, cast, covers and localized
titles are added around the demo season through the studio API (`catalogue.py`)."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.catalogue import (
    DEMO_TITLES,
    SECOND_TITLE,
    Catalogue,
    contrast_problems,
    seed_catalogue,
    viewer_call,
    wait_playing,
)
from tests.e2e.season import FREE_EPISODES, PRICE_COINS, DemoServer

from cliffhanger.kit import runtime

pytestmark = pytest.mark.e2e

DEMO_TITLE = "The Last Voicemail"
FEED_ITEM = "article.fy-item"


@pytest.fixture(scope="session")
def catalogue(demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    return seed_catalogue(runtime.current(), demo_server, tmp_path_factory.mktemp("catalogue"))


def full_page_screenshot(page: Page, screenshot, name: str) -> None:
    """The whole scrolling screen in one picture (the phone's viewport grown to fit it)."""
    height = page.evaluate("document.querySelector('main .screen').scrollHeight")
    tabbar = page.evaluate("document.querySelector('nav.tabbar').offsetHeight")
    page.set_viewport_size({"width": 390, "height": height + tabbar})
    screenshot(page, name)
    page.set_viewport_size({"width": 390, "height": 844})


def tab(page: Page, name: str):
    """A link of the bottom tab bar (its own name changes with the language)."""
    return page.locator("nav.tabbar").get_by_role("link", name=name, exact=True)


def test_new_routes_serve_the_shell(catalogue: Catalogue):
    for path in ("/discover", "/discover?genre=romance", "/search?q=sister", "/my-list",
                 "/settings", f"/series/{catalogue.demo.series_id}"):
        r = httpx.get(catalogue.url + path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-cache"
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert '<script type="module" async src="/static/js/boot.js">' in r.text
        assert '/static/js/main.js' in r.text  # in what boot.js preloads
        assert " style=" not in r.text and "<style" not in r.text
    for path in ("js/i18n.js", "js/router.js", "css/discovery.css", "i18n/ja/app.json",
                 "i18n/ja/player.json"):
        assert httpx.get(f"{catalogue.url}/static/{path}").status_code == 200, path


def test_feed_puts_continue_watching_first_and_opens_the_player(
    page: Page, catalogue: Catalogue, screenshot
):
    demo = catalogue.demo
    page.goto(catalogue.url + "/")
    expect(page.get_by_role("heading", name="For You", level=1)).to_be_visible()
    feed = page.get_by_role("feed", name="Series picked for you")
    expect(feed.locator(FEED_ITEM)).to_have_count(2)
    expect(feed.locator(f'{FEED_ITEM}[data-kind="continue"]')).to_have_count(0)
    expect(tab(page, "For You")).to_have_attribute("aria-current", "page")

    # Watch something: episode 2 plays, then the viewer leaves with the resume point at 0:04 (the
    # player saves its own position as it goes; the test pins it so the text is known).
    page.goto(demo.watch_url(2))
    wait_playing(page, 2)
    page.goto(catalogue.url + "/")
    expect(feed.locator(FEED_ITEM)).to_have_count(2)
    assert viewer_call(page, "PUT", f"/progress/{demo.episode_ids[1]}", {"position_s": 4}) == 200
    page.reload()

    first = feed.locator(FEED_ITEM).first
    expect(first).to_have_attribute("data-kind", "continue")
    expect(first).to_have_attribute("data-series-id", demo.series_id)
    expect(first).to_have_attribute("data-episode-number", "2")
    expect(first.get_by_role("heading", level=2)).to_have_text(DEMO_TITLE)
    expect(first).to_contain_text("Continue watching · EP 2")
    expect(first.locator(".fy-item__synopsis")).to_be_visible()
    expect(feed.locator(FEED_ITEM).nth(1)).to_have_attribute("data-kind", "for_you")
    screenshot(page, "discovery-feed")

    # The Watch link opens the existing player on that episode; Back returns to the feed.
    first.get_by_role("link", name="Continue EP 2 · 0:04").click()
    expect(page).to_have_url(demo.watch_url(2))
    wait_playing(page, 2)
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page).to_have_url(catalogue.url + "/")
    expect(feed.locator(FEED_ITEM)).to_have_count(2)
    assert page.locator("video").count() == 0, "the player's videos outlive the view"

    # A swipe to the left on the next screen opens that series (PageDown moves one screen).
    feed.locator(".fy-item__watch").first.focus()
    page.keyboard.press("PageDown")
    second = feed.locator(FEED_ITEM).nth(1)
    expect(feed.locator(".fy-item__watch").nth(1)).to_be_focused()
    page.wait_for_function(
        "() => { const f = document.querySelector('.foryou__feed');"
        " return Math.abs(f.scrollTop - f.clientHeight) < 2; }"
    )
    box = second.bounding_box()
    assert box and box["y"] == pytest.approx(0, abs=2)
    y = box["y"] + 300
    page.mouse.move(320, y)
    page.mouse.down()
    page.mouse.move(200, y + 4, steps=6)
    page.mouse.move(60, y + 6, steps=6)
    page.mouse.up()
    expect(page).to_have_url(f"{catalogue.url}/watch/{catalogue.second_id}/1")
    wait_playing(page, 1)
    page.go_back()
    expect(page).to_have_url(catalogue.url + "/")
    expect(feed).to_be_visible()


def test_series_page_shows_cover_facts_cost_and_episode_grid(
    page: Page, catalogue: Catalogue, screenshot
):
    demo = catalogue.demo
    page.goto(catalogue.series_url())
    expect(page.get_by_role("heading", name=DEMO_TITLE, level=1)).to_be_visible()
    expect(page).to_have_title(f"{DEMO_TITLE} · Cliffhanger")
    cover = page.locator(".series-hero__cover img")
    expect(cover).to_have_attribute("src", re.compile(r"/media/img/covers/.+\.jpg$"))
    page.wait_for_function(
        "() => document.querySelector('.series-hero__cover img').naturalWidth > 0"
    )
    facts = page.locator("[data-field=facts]")
    expect(facts).to_have_text(re.compile(r"^6 episodes · \d+ min \d+ sec$"))
    for text in ("Thriller", "Mystery", "#time loop", "#sisters", "#night shift"):
        expect(page.get_by_role("link", name=text, exact=True)).to_be_visible()
    cast = page.locator(".cast__member")
    expect(cast).to_have_count(3)
    expect(cast.first).to_contain_text("Mara Quinn")
    expect(cast.first).to_contain_text("Lead")

    locked = 6 - FREE_EPISODES
    cost = page.locator("[data-field=cost-to-finish]")
    expect(cost).to_contain_text(f"Finish the series for {locked * PRICE_COINS} coins")
    expect(cost).to_contain_text(f"The first {FREE_EPISODES} episodes are free")
    expect(cost).to_contain_text(f"{locked} episodes locked · {PRICE_COINS} coins each")

    grid = page.get_by_role("list", name=f"Episodes of {DEMO_TITLE}")
    tiles = grid.get_by_role("link")
    expect(tiles).to_have_count(6)
    expect(tiles.nth(0)).to_have_attribute("aria-label", re.compile(r"^Episode 1: .+, free$"))
    expect(tiles.nth(FREE_EPISODES)).to_have_attribute(
        "aria-label", re.compile(rf"^Episode {FREE_EPISODES + 1}: .+, locked, {PRICE_COINS} coins$")
    )
    expect(tiles.nth(FREE_EPISODES)).to_contain_text(str(PRICE_COINS))
    expect(page.get_by_role("link", name="Play", exact=True)).to_have_attribute(
        "href", f"/watch/{demo.series_id}/1"
    )
    my_list = page.get_by_role("button", name="My List")
    expect(my_list).to_have_attribute("aria-pressed", "false")
    full_page_screenshot(page, screenshot, "series-page")

    # Watched and resume marks: episode 1 seen to the end, episode 2 stopped at 0:05.
    duration = page.evaluate(
        "fetch('/api/v1/series/' + location.pathname.split('/')[2], {headers: {Authorization:"
        " 'Bearer ' + JSON.parse(localStorage.getItem('cliffhanger.viewer')).token}})"
        ".then((r) => r.json()).then((s) => s.episodes[0].duration_s)"
    )
    ended = {"position_s": duration}
    assert viewer_call(page, "PUT", f"/progress/{demo.episode_ids[0]}", ended) == 200
    assert viewer_call(page, "PUT", f"/progress/{demo.episode_ids[1]}", {"position_s": 5}) == 200
    page.reload()
    expect(tiles.nth(0)).to_have_attribute("aria-label", re.compile(r", free, watched$"))
    expect(tiles.nth(1)).to_have_attribute("aria-label", re.compile(r", free, resume at 0:05$"))
    resume = page.get_by_role("link", name="Resume from episode 2 · 0:05")
    resume.click()
    expect(page).to_have_url(demo.watch_url(2))
    wait_playing(page, 2)

    # An episode tile opens the player there; a locked one hands over to the unlock sheet.
    page.go_back()
    expect(tiles).to_have_count(6)
    tiles.nth(FREE_EPISODES).click()
    expect(page).to_have_url(demo.watch_url(FREE_EPISODES + 1))
    expect(page.get_by_role("dialog", name=f"Unlock episode {FREE_EPISODES + 1}")).to_be_visible()


def test_search_by_title_tag_and_cast_with_debounce(page: Page, catalogue: Catalogue, screenshot):
    searches: list[str] = []
    page.on("request", lambda r: "/api/v1/search" in r.url and searches.append(r.url))
    page.goto(catalogue.url + "/search")
    box = page.get_by_role("searchbox", name="Search series")
    expect(box).to_be_focused()
    expect(page.get_by_role("link", name="Romance", exact=True)).to_be_visible()  # suggestions

    results = page.locator("[data-results] .row-card")
    box.press_sequentially("voicemail", delay=40)
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(DEMO_TITLE)
    expect(results.first).to_contain_text("Matches: title")
    expect(page).to_have_url(f"{catalogue.url}/search?q=voicemail")
    status = page.get_by_role("status").filter(has_text="result")
    expect(status).to_have_text("1 result for “voicemail”")
    assert len(searches) <= 2, f"typing sent {len(searches)} searches; the input is not debounced"

    box.fill("enemies to lovers")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(SECOND_TITLE)
    expect(results.first).to_contain_text("Matches: tag")

    box.fill("mara quinn")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(DEMO_TITLE)
    expect(results.first).to_contain_text("Matches: cast")
    screenshot(page, "search")

    box.fill("zzzzqx")
    expect(page.get_by_text("Nothing matches “zzzzqx”")).to_be_visible()
    expect(results).to_have_count(0)

    # A search link (a tag chip) lands with the query filled in; Enter on a result opens it.
    page.goto(catalogue.url + "/search?q=%23sisters")
    expect(box).to_have_value("#sisters")
    expect(results).to_have_count(1)
    results.first.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(catalogue.series_url())
    expect(page.get_by_role("heading", name=DEMO_TITLE, level=1)).to_be_visible()


def test_discover_genres_rankings_and_new_releases(page: Page, catalogue: Catalogue, screenshot):
    page.goto(catalogue.url + "/discover")
    expect(page.get_by_role("heading", name="Discover", level=1)).to_be_visible()
    expect(tab(page, "Discover")).to_have_attribute("aria-current", "page")
    for genre in ("Romance", "Billionaire", "Thriller", "Mystery"):
        expect(page.get_by_role("link", name=re.compile(rf"^{genre}\b"))).to_be_visible()

    tabs = page.get_by_role("tablist", name="Top charts")
    popular = tabs.get_by_role("tab", name="Popular")
    expect(popular).to_have_attribute("aria-selected", "true")
    ranked = page.get_by_role("tabpanel").locator("[data-ranking] .row-card")
    expect(ranked).to_have_count(2)
    expect(ranked.first.locator(".row-card__rank")).to_have_text("No.1")

    tabs.get_by_role("tab", name="Trending").click()
    expect(tabs.get_by_role("tab", name="Trending")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(f"{catalogue.url}/discover?rank=trending")
    expect(page.locator('[data-ranking="trending"] .row-card')).to_have_count(2)
    page.keyboard.press("ArrowRight")  # arrow keys move along the tabs
    new_tab = tabs.get_by_role("tab", name="New")
    expect(new_tab).to_be_focused()
    expect(new_tab).to_have_attribute("aria-selected", "true")
    newest = page.locator('[data-ranking="new"] .row-card')
    expect(newest.first).to_contain_text(SECOND_TITLE)  # released 2 days ago, the demo 20
    expect(newest.first).to_contain_text("Released")

    fresh = page.locator('[data-list="new"] .poster-card')
    expect(fresh).to_have_count(2)
    expect(fresh.first).to_contain_text(SECOND_TITLE)
    page.reload()  # the chosen ranking is in the address
    expect(new_tab).to_have_attribute("aria-selected", "true")
    tabs.get_by_role("tab", name="Popular").click()
    screenshot(page, "discover")

    page.get_by_role("link", name=re.compile(r"^Romance\b")).click()
    expect(page).to_have_url(f"{catalogue.url}/discover?genre=romance")
    expect(page.get_by_role("heading", name="Romance", level=1)).to_be_visible()
    listed = page.locator('[data-genre="romance"] .row-card')
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text(SECOND_TITLE)
    page.get_by_role("button", name="Newest").click()
    expect(page.get_by_role("button", name="Newest")).to_have_attribute("aria-pressed", "true")
    expect(listed).to_have_count(1)
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page).to_have_url(f"{catalogue.url}/discover")


def test_my_list_add_and_remove_persist_across_reload(
    page: Page, catalogue: Catalogue, screenshot
):
    page.goto(catalogue.series_url(catalogue.second_id))
    toggle = page.get_by_role("button", name="My List")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status").filter(has_text="My List")).to_have_text(
        f"Added “{SECOND_TITLE}” to My List"
    )
    page.reload()
    expect(toggle).to_have_attribute("aria-pressed", "true")

    # The demo series too, from its For You screen.
    page.goto(catalogue.url + "/")
    demo_screen = page.locator(f'{FEED_ITEM}[data-series-id="{catalogue.demo.series_id}"]')
    demo_toggle = demo_screen.get_by_role("button", name="My List")
    demo_toggle.click()
    expect(demo_toggle).to_have_attribute("aria-pressed", "true")

    tab(page, "My List").click()
    expect(page).to_have_url(catalogue.url + "/my-list")
    saved = page.locator('[data-list="my-list"] .poster-card')
    expect(saved).to_have_count(2)
    expect(saved.first).to_contain_text(DEMO_TITLE)  # newest first
    expect(page.locator(".toast")).not_to_have_class(re.compile("is-visible"))
    page.wait_for_timeout(300)  # its fade-out
    screenshot(page, "my-list")

    page.get_by_role("button", name=f"Remove “{DEMO_TITLE}” from My List").click()
    expect(saved).to_have_count(1)
    page.reload()
    expect(saved).to_have_count(1)
    expect(saved.first).to_contain_text(SECOND_TITLE)

    page.goto(catalogue.series_url(catalogue.second_id))
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.goto(catalogue.url + "/my-list")
    expect(page.get_by_text("Nothing saved yet")).to_be_visible()
    expect(saved).to_have_count(0)


def test_language_switch_changes_ui_text_and_series_title(
    page: Page, catalogue: Catalogue, screenshot
):
    page.goto(catalogue.url + "/settings")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-field=balance]")).to_have_text("100 coins")
    page.get_by_role("radio", name=re.compile(r"^Español")).check()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Perfil", level=1)).to_be_visible()
    expect(tab(page, "Para ti")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(r"^Español"))).to_be_focused()
    expect(page.locator("[data-field=balance]")).to_have_text("100 monedas")

    series_title = DEMO_TITLES["es"][0]
    page.goto(catalogue.series_url())  # a fresh load: the choice is remembered
    expect(page.get_by_role("heading", name=series_title, level=1)).to_be_visible()
    expect(page.locator(".series-hero__original")).to_have_text(DEMO_TITLE)
    expect(page.get_by_role("link", name="Reproducir", exact=True)).to_be_visible()
    cost = page.locator("[data-field=cost-to-finish]")
    expect(cost).to_contain_text("Termina la serie por 180 monedas")
    expect(page.get_by_role("link", name="Suspenso", exact=True)).to_be_visible()

    # The player's texts come through the same catalogs, and so does the series title there.
    page.goto(catalogue.demo.watch_url(1))
    wait_playing(page, 1)
    expect(page.locator(".hud__series")).to_have_text(series_title)
    expect(page.get_by_text("Episodio 1 de 6")).to_be_visible()

    page.goto(catalogue.url + "/settings")
    page.get_by_role("radio", name=re.compile(r"^日本語")).check()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(tab(page, "おすすめ")).to_be_visible()
    screenshot(page, "settings-language")
    tab(page, "おすすめ").click()  # a client-side move: series text refetched with ?lang=ja
    demo_screen = page.locator(f'{FEED_ITEM}[data-series-id="{catalogue.demo.series_id}"]')
    expect(demo_screen.locator("h2")).to_have_text(DEMO_TITLES["ja"][0])
    page.goto(catalogue.series_url())
    expect(page.get_by_role("heading", name=DEMO_TITLES["ja"][0], level=1)).to_be_visible()
    expect(page.locator("[data-field=cost-to-finish]")).to_contain_text("最終話まで180コイン")
    full_page_screenshot(page, screenshot, "series-page-ja")

    # A series without a Japanese title keeps its own.
    page.goto(catalogue.series_url(catalogue.second_id))
    expect(page.get_by_role("heading", name=SECOND_TITLE, level=1)).to_be_visible()


def test_language_follows_the_browser_until_chosen(browser, catalogue: Catalogue):
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="pt-PT")
    try:
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.goto(catalogue.url + "/discover")
        expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
        expect(page.get_by_role("heading", name="Explorar", level=1)).to_be_visible()
        expect(page.get_by_role("tab", name="Populares")).to_be_visible()
    finally:
        context.close()
    assert not problems, problems


def test_i18n_module_api(page: Page, catalogue: Catalogue, console):
    # A Japanese catalog lacking a key: the English text stands in, then the key itself. The
    # one-document route fails, so the app falls back to the catalog files one by one.
    page.route("**/i18n/ja.json", lambda route: route.fulfill(status=503, body="down"))
    console.allow("status of 503")
    page.route("**/static/i18n/ja/app.json", lambda route: route.fulfill(
        json={"tabs": {"search": "検索"}, "coins": {"other": "{n}コイン"}}))
    page.goto(catalogue.url + "/settings")
    expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible()
    result = page.evaluate(
        """async () => {
            const i18n = await import('/static/js/i18n.js');
            const events = [];
            window.addEventListener('localechange', (e) => events.push(e.detail.locale));
            const out = { supported: i18n.SUPPORTED,
                          matches: ['pt', 'pt-PT', 'es-MX', 'ja-JP', 'in-ID', 'zh-CN', 'EN']
                                     .map(i18n.matchLocale) };
            out.enPlural = [i18n.plural('app.coins', 1), i18n.plural('app.coins', 1200)];
            await i18n.setLocale('es');
            out.es = [i18n.plural('app.coins', 1), i18n.plural('app.episodes', 3),
                      i18n.formatNumber(1234567.5), i18n.t('app.series.tile', {n: 2, title: 'X'})];
            await i18n.setLocale('ja');
            out.ja = [i18n.getLocale(), i18n.t('app.tabs.search'), i18n.t('app.tabs.forYou'),
                      i18n.t('app.no.such.key'), i18n.plural('app.coins', 1),
                      document.documentElement.lang, localStorage.getItem('cliffhanger.locale')];
            out.events = events;
            try { await i18n.setLocale('fr'); out.fr = 'accepted'; } catch (e) { out.fr = e.name; }
            return out;
        }"""
    )
    assert result["supported"] == ["en", "es", "pt-BR", "id", "th", "ko", "ja"]
    assert result["matches"] == ["pt-BR", "pt-BR", "es", "ja", "id", None, "en"]
    assert result["enPlural"] == ["1 coin", "1,200 coins"]
    assert result["es"] == ["1 moneda", "3 episodios", "1.234.567,5", "Episodio 2: X"]
    assert result["ja"] == ["ja", "検索", "For You", "app.no.such.key", "1コイン", "ja", "ja"]
    assert result["events"] == ["es", "ja"]
    assert result["fr"] == "RangeError"


def test_deep_link_still_opens_the_player_with_a_way_back(page: Page, catalogue: Catalogue):
    demo = catalogue.demo
    page.goto(demo.watch_url(2))
    wait_playing(page, 2)
    expect(page.get_by_text("Episode 2 of 6")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    # Nothing to go back to inside the app: Back lands on the series page.
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page).to_have_url(catalogue.series_url())
    expect(page.get_by_role("heading", name=DEMO_TITLE, level=1)).to_be_visible()
    assert page.locator("video").count() == 0


def test_keyboard_reaches_and_opens_cards_with_visible_focus(page: Page, catalogue: Catalogue):
    page.goto(catalogue.url + "/search?q=voicemail")
    card = page.locator("[data-results] a[data-card]").first
    expect(card).to_be_visible()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.dataset?.card === 'series'"):
            break
    else:
        pytest.fail("Tab never reached a result card")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "focused card has no visible focus"
    page.keyboard.press(" ")  # Space opens a card as Enter does
    expect(page).to_have_url(catalogue.series_url())

    # Series page: Space on an episode tile opens the player there.
    tile = page.locator('.ep-tile[data-episode-number="2"]')
    tile.focus()
    page.keyboard.press(" ")
    expect(page).to_have_url(catalogue.demo.watch_url(2))
    wait_playing(page, 2)

    # Every control of the discovery screens has a name.
    screens = ("/", "/discover", "/search", "/my-list", "/settings",
               f"/series/{catalogue.second_id}")
    for path in screens:
        page.goto(catalogue.url + path)
        page.wait_for_selector("main .view h1")
        time.sleep(0.3)
        unnamed = page.evaluate(
            """() => [...document.querySelectorAll('main a[href], main button, main input')]
                .filter((el) => el.getClientRects().length)
                .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim()
                                  || (el.id && document.querySelector(`label[for="${el.id}"]`))
                                  || el.closest('label')))
                .map((el) => el.outerHTML.slice(0, 80))"""
        )
        assert not unnamed, f"{path}: controls without a name: {unnamed}"


def test_text_contrast_and_reduced_motion(page: Page, catalogue: Catalogue):
    checks = {
        "/discover": [".screen__title", ".block__title", ".chip", ".chip__count", ".tab",
                      ".row-card__title", ".row-card__meta", ".row-card__genres", ".tabbar__link"],
        f"/series/{catalogue.demo.series_id}": [
            ".cost-panel__headline", ".cost-panel__line", ".series-synopsis", ".cast__role",
            ".cast__lead", ".ep-tile__number", ".ep-tile__badge", ".d-button", ".chip"],
        "/settings": [".wallet-card__label", ".choice__title", ".choice__detail", ".muted",
                      ".pill-button", ".settings__note"],
        "/my-list": [".empty__title", ".empty__text", ".pill-button"],
    }
    for path, selectors in checks.items():
        page.goto(catalogue.url + path)
        page.wait_for_selector(selectors[0])
        time.sleep(0.3)
        assert not contrast_problems(page, selectors), path

    page.goto(catalogue.url + "/discover")
    chip = page.locator(".chip").first
    duration = "(el) => getComputedStyle(el).transitionDuration"
    assert chip.evaluate(duration) != "0s"
    page.emulate_media(reduced_motion="reduce")
    assert chip.evaluate(duration) == "0s"
