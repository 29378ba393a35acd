"""The viewer shell: module preloads per page (the whole graph at once), the cached shell,
the one-request language catalogs and the in-memory static files."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from cliffhanger.app import AppFiles, create_app
from cliffhanger.web.viewer import pages

JS = pages.STATIC_DIR / "js"
DYNAMIC_IMPORT = re.compile(r"import\(\s*['\"](\.{1,2}/[^'\"]+\.js)['\"]\s*\)")


@pytest.fixture
def client(rt):
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as c:
        yield c


def _preloads(html: str) -> list[str]:
    """boot.js's modules (preload links), then what boot.js preloads (the modules meta)."""
    links = re.findall(r'<link rel="modulepreload" href="/static/([^"]+)">', html)
    listed = re.search(r'<meta name="cliffhanger-modules" content="([^"]*)">', html)
    assert listed is not None
    return links + [p.removeprefix("/static/") for p in listed.group(1).split()]


def test_every_module_is_reached_statically_or_by_a_dynamic_import():
    reachable = set(pages.module_graph())
    for view in pages.VIEW_MODULES:
        reachable |= set(pages.page_modules(view))
    dynamic: set[str] = set()
    for file in JS.rglob("*.js"):
        for spec in DYNAMIC_IMPORT.findall(file.read_text(encoding="utf-8")):
            target = (file.parent / spec).resolve().relative_to(pages.STATIC_DIR.resolve())
            dynamic |= set(pages.module_graph((target.as_posix(),)))
    every = {p.relative_to(pages.STATIC_DIR).as_posix() for p in JS.rglob("*.js")}
    assert every - reachable - dynamic == set()
    # What main.js loads per screen is what the server preloads per page.
    main = (JS / "main.js").read_text(encoding="utf-8")
    for module in pages.VIEW_MODULES.values():
        assert f"import('./{module.removeprefix('js/')}')" in main


def test_each_page_preloads_its_own_graph(client: TestClient):
    watch = _preloads(client.get("/watch/some-series/1").text)
    assert watch[:2] == ["js/boot.js", "js/api.js"]  # boot's few modules come first
    html = client.get("/watch/some-series/1").text
    # boot.js runs async (neither stylesheets nor the parser hold it up).
    assert '<script type="module" async src="/static/js/boot.js"></script>' in html
    links = re.findall(r'<link rel="modulepreload" href="/static/([^"]+)">', html)
    # All the shell asks first: boot's graph and, on the player page, the player and hls.js,
    # which boot.js starts the deep link's episode with.
    boot = pages.module_graph(("js/boot.js",))
    assert links == [*boot, "js/player.js", pages.HLS_MODULE]
    home_html = client.get("/").text
    assert re.findall(r'<link rel="modulepreload" href="/static/([^"]+)">', home_html) == list(
        boot)
    expected = {"js/views/watch.js", "js/feed.js", "js/player.js", pages.HLS_MODULE}
    assert expected <= set(watch)
    assert "js/views/home.js" not in watch and "js/unlock.js" not in watch
    assert len(watch) == len(set(watch))
    home = _preloads(client.get("/").text)
    assert "js/views/home.js" in home and pages.HLS_MODULE not in home
    assert "js/feed.js" not in home
    wallet = _preloads(client.get("/wallet").text)
    assert "js/wallet.js" in wallet and "js/shop.js" in wallet


def test_the_shell_is_rendered_once_and_follows_its_settings(client: TestClient, rt):
    first = client.get("/watch/a/1")
    assert first.headers["cache-control"] == "no-cache"
    assert "content-security-policy" in first.headers
    assert client.get("/watch/b/2").content == first.content  # the same shell for every link
    assert "cliffhanger-tiktok-ad-unit-id" not in first.text
    rt.settings.tiktok_ad_unit_id = "unit-77"
    try:
        again = client.get("/watch/a/1").text
        assert '<meta name="cliffhanger-tiktok-ad-unit-id" content="unit-77">' in again
    finally:
        rt.settings.tiktok_ad_unit_id = None


def test_catalogs_of_a_language_come_in_one_document(client: TestClient):
    r = client.get("/i18n/ja.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    document = r.json()
    for namespace in pages.CATALOG_NAMESPACES:
        on_disk = json.loads(
            (pages.CATALOG_DIR / "ja" / f"{namespace}.json").read_text(encoding="utf-8"))
        assert document[namespace] == on_disk
    etag = r.headers["etag"]
    assert client.get("/i18n/ja.json", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/i18n/en.json").headers["etag"] != etag
    for bad in ("xx", "..", "ja%2F..%2F..", "en-"):
        assert client.get(f"/i18n/{bad}.json").status_code == 404


def test_app_files_are_held_in_memory_and_follow_edits(tmp_path: Path):
    (tmp_path / "a.js").write_text("export const a = 1;\n")
    (tmp_path / "big.bin").write_bytes(b"x" * (AppFiles.MAX_HELD_BYTES + 1))
    files = AppFiles(directory=tmp_path)
    app = Starlette(routes=[Mount("/static", files)])
    with TestClient(app) as c:
        r = c.get("/static/a.js")
        assert r.status_code == 200 and r.text == "export const a = 1;\n"
        assert r.headers["content-type"].startswith("text/javascript")
        assert "a.js" in files.held
        etag = r.headers["etag"]
        assert c.get("/static/a.js", headers={"If-None-Match": etag}).status_code == 304
        # An edit (new size and mtime) is served at once, not the held copy.
        (tmp_path / "a.js").write_text("export const a = 22;\n")
        stat = (tmp_path / "a.js").stat()
        os.utime(tmp_path / "a.js", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        assert c.get("/static/a.js").text == "export const a = 22;\n"
        # Large files stream from disk as before; missing ones are 404; no escaping the folder.
        assert len(c.get("/static/big.bin").content) == AppFiles.MAX_HELD_BYTES + 1
        assert "big.bin" not in files.held
        assert c.get("/static/nope.js").status_code == 404
        assert c.get("/static/../pyproject.toml").status_code == 404
        (tmp_path / "a.js").unlink()
        assert c.get("/static/a.js").status_code == 404


def test_security_headers_on_every_response(client: TestClient):
    for path in ("/", "/healthz", "/static/js/main.js", "/i18n/en.json"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert ("content-security-policy" in r.headers) == (path == "/")  # HTML pages only
