"""The viewer shell as served: CSP-friendly markup, deep-link validation, caching."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from tests.e2e.season import DemoServer

pytestmark = pytest.mark.e2e


def test_shell_has_no_inline_script_or_style(demo_server: DemoServer):
    for path in ("/", f"/watch/{demo_server.series_id}/2"):
        r = httpx.get(demo_server.url + path)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-cache"
        html = r.text
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
        assert scripts and all(body.strip() == "" for body in scripts)
        assert re.search(r'<script type="module" async src="/static/js/boot\.js">', html)
        assert " style=" not in html and "<style" not in html
        assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers


def test_malformed_deep_link_is_rejected(demo_server: DemoServer):
    assert httpx.get(f"{demo_server.url}/watch/{demo_server.series_id}/abc").status_code == 422
    assert httpx.get(f"{demo_server.url}/watch/{demo_server.series_id}/0").status_code == 422


def test_static_modules_and_vendored_hls_are_served(demo_server: DemoServer):
    for path in ("js/main.js", "js/player.js", "css/viewer.css", "vendor/hls/hls.light.min.mjs",
                 "vendor/hls/hls.worker.js"):
        r = httpx.get(f"{demo_server.url}/static/{path}")
        assert r.status_code == 200, path
        if path.endswith(("js", "mjs")):
            # Browsers refuse a module script served with a non-JavaScript type.
            assert "javascript" in r.headers["content-type"], path


def test_a_deep_link_asks_for_each_thing_once(page, demo_server: DemoServer):
    """A first visit to /watch/…/1: one `POST /watch` brings viewer, series and playback, which
    the view and the feed take (nothing asked again), playlists come with the playback answer
    (no playlist request for the first episode), the catalogs come in one document, the API call
    is queued before the app's modules, and no other screen's code loads."""
    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.method, urlsplit(r.url).path)))
    page.goto(demo_server.watch_url(1))
    page.wait_for_function(
        "() => { const v = document.querySelector('.slide[aria-current=\"true\"] video');"
        " return v && !v.paused && v.currentTime > 0.3; }"
    )
    first = demo_server.episode_ids[0]
    calls = [f"{method} {path}" for method, path in requests]
    assert calls.count("POST /api/v1/watch") == 1
    assert "POST /api/v1/viewers" not in calls
    assert f"GET /api/v1/series/{demo_server.series_id}" not in calls
    assert f"POST /api/v1/episodes/{first}/playback" not in calls
    assert calls.index("POST /api/v1/watch") < calls.index("GET /static/js/main.js")
    # The viewer it created is the one the app goes on with.
    stored = page.evaluate("JSON.parse(localStorage.getItem('cliffhanger.viewer'))")
    assert stored["token"] and stored["viewer_id"]
    first_media = [p for _, p in requests if f"/media/hls/{first}/" in p]
    assert any(p.endswith(".ts") for p in first_media)
    assert not any(p.endswith(".m3u8") for p in first_media), first_media
    assert "GET /i18n/en.json" in calls
    assert not any("/static/i18n/" in c for c in calls)
    assert not any(p.endswith(("/views/home.js", "/views/discover.js", "/wallet.js"))
                   for _, p in requests)
