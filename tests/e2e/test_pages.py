"""The viewer shell as served: CSP-friendly markup, deep-link validation, caching."""

from __future__ import annotations

import re

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
        assert re.search(r'<script type="module" src="/static/js/main\.js">', html)
        assert " style=" not in html and "<style" not in html
        assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers


def test_malformed_deep_link_is_rejected(demo_server: DemoServer):
    assert httpx.get(f"{demo_server.url}/watch/{demo_server.series_id}/abc").status_code == 422
    assert httpx.get(f"{demo_server.url}/watch/{demo_server.series_id}/0").status_code == 422


def test_static_modules_and_vendored_hls_are_served(demo_server: DemoServer):
    for path in ("js/main.js", "js/player.js", "css/viewer.css", "vendor/hls/hls.min.mjs",
                 "vendor/hls/hls.worker.js"):
        r = httpx.get(f"{demo_server.url}/static/{path}")
        assert r.status_code == 200, path
        if path.endswith(("js", "mjs")):
            # Browsers refuse a module script served with a non-JavaScript type.
            assert "javascript" in r.headers["content-type"], path
