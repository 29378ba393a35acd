"""Page routes of the viewer app: the HTML shell that boots the ES modules in `static/js/`.

Every page is the same shell; the app reads where to start from the URL, moves between its
screens with the History API (no page load between them) and keeps the address current with
`history.replaceState` as the viewer swipes.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
ENTRY_MODULES = ("js/boot.js", "js/main.js")
HLS_MODULE = "vendor/hls/hls.light.min.mjs"
VIEW_MODULES = {
    "home": "js/views/home.js",
    "discover": "js/views/discover.js",
    "search": "js/views/search.js",
    "my-list": "js/views/mylist.js",
    "settings": "js/views/settings.js",
    "wallet": "js/wallet.js",
    "series": "js/views/series.js",
    "watch": "js/views/watch.js",
}

# `import … from './x.js'`, `export … from '../y.js'` and `import './z.js'` at the start of a
# line: the static imports of our own modules (dynamic `import()` is left to run time).
_STATIC_IMPORT = re.compile(
    r"""^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}/[^'"]+\.m?js)['"]""",
    re.MULTILINE,
)

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The shared Jinja2 environment for every server-rendered page."""
    return Jinja2Templates(directory=TEMPLATES_DIR)


@lru_cache(maxsize=32)
def module_graph(entries: tuple[str, ...] = ENTRY_MODULES) -> tuple[str, ...]:
    """Every ES module `entries` import, directly or not, as paths under `static/`, each
    entry's modules breadth-first after the previous entry's. The shell lists them as
    `modulepreload`, so the browser fetches a screen's whole graph at once instead of
    discovering it a level at a time (one round trip per import depth: four on the player's
    path). Read once per process and entry list."""
    seen: list[str] = []
    for entry in entries:  # boot.js's few modules first: they run first
        queue = [entry]
        while queue:
            path = queue.pop(0)
            if path in seen:
                continue
            file = STATIC_DIR / path
            if not file.is_file():
                raise FileNotFoundError(f"static module {path} (imported by the app) is missing")
            seen.append(path)
            for spec in _STATIC_IMPORT.findall(file.read_text(encoding="utf-8")):
                target = (file.parent / spec).resolve().relative_to(STATIC_DIR.resolve())
                if target.as_posix() not in seen:
                    queue.append(target.as_posix())
    return tuple(seen)


def page_modules(view: str) -> tuple[str, ...]:
    """What a page preloads: the app's core, then the first screen's own modules (main.js
    imports each screen when it is shown: the same route → module map as VIEWS there)."""
    return module_graph((*ENTRY_MODULES, VIEW_MODULES[view]))


def shell_modules(view: str) -> tuple[str, ...]:
    """What the shell itself preloads: boot.js's graph and, on the player page, the player and
    hls.js, which boot.js starts on as soon as the deep link's playback answer is in."""
    boot = module_graph(ENTRY_MODULES[:1])
    if view != "watch":
        return boot
    return (*boot, "js/player.js", HLS_MODULE)


def _viewer_shell(request: Request, view: str) -> HTMLResponse:
    """The shell is identical for everyone (what changes lives behind the API), so it is
    rendered once per app, mount point and the settings it shows, then served from memory: a
    render with ~45 `url_for` calls costs ~15 ms, on the path of every cold start."""
    runtime = getattr(request.app.state, "runtime", None)
    settings = runtime.settings if runtime is not None else None
    key = (
        request.scope.get("root_path", ""),
        view,
        getattr(settings, "tiktok_client_key", None),
        getattr(settings, "tiktok_ad_unit_id", None),
    )
    cache: dict[tuple[object, ...], bytes] | None = getattr(request.app.state, "shell_cache", None)
    if cache is None:
        cache = request.app.state.shell_cache = {}
    body = cache.get(key)
    if body is None:
        boot = shell_modules(view)
        rendered = templates().TemplateResponse(
            request,
            "viewer.html",
            {
                "boot_modules": boot,
                "app_modules": [m for m in page_modules(view) if m not in boot],
            },
        )
        body = cache[key] = bytes(rendered.body)
    return HTMLResponse(body, headers={"Cache-Control": "no-cache"})


CATALOG_DIR = STATIC_DIR / "i18n"
CATALOG_NAMESPACES = ("app", "player", "money")
_catalogs: dict[str, tuple[tuple[int, ...], bytes, str]] = {}


def catalog_document(locale: str) -> tuple[bytes, str] | None:
    """All of a locale's catalogs in one JSON document, `{namespace: catalog}`, and its ETag; None
    for a locale we do not ship. Rebuilt when a catalog file changes."""
    folder = CATALOG_DIR / locale
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", locale) or not folder.is_dir():
        return None
    files = [folder / f"{namespace}.json" for namespace in CATALOG_NAMESPACES]
    version = tuple(f.stat().st_mtime_ns if f.is_file() else -1 for f in files)
    held = _catalogs.get(locale)
    if held is None or held[0] != version:
        document = {
            namespace: json.loads(f.read_text(encoding="utf-8")) if f.is_file() else {}
            for namespace, f in zip(CATALOG_NAMESPACES, files, strict=True)
        }
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        held = _catalogs[locale] = (version, body, f'"{hashlib.sha256(body).hexdigest()[:24]}"')
    return held[1], held[2]


@router.get("/i18n/{locale}.json", name="viewer_catalogs")
def viewer_catalogs(request: Request, locale: str) -> Response:
    """The UI texts of one language (static/i18n/{locale}/*.json) in a single request: the app
    loads its language and the English fallback before its first screen."""
    found = catalog_document(locale)
    if found is None:
        return Response(status_code=404)
    body, etag = found
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/", response_class=HTMLResponse, name="viewer_home")
def viewer_home(request: Request) -> HTMLResponse:
    """For You: the discovery feed."""
    return _viewer_shell(request, "home")


@router.get("/discover", response_class=HTMLResponse, name="viewer_discover")
def viewer_discover(request: Request) -> HTMLResponse:
    """Genres, rankings (`?rank=popular|trending|new`), new releases; `?genre=slug` lists one."""
    return _viewer_shell(request, "discover")


@router.get("/search", response_class=HTMLResponse, name="viewer_search")
def viewer_search(request: Request) -> HTMLResponse:
    """Search over titles, tags and cast (`?q=`)."""
    return _viewer_shell(request, "search")


@router.get("/my-list", response_class=HTMLResponse, name="viewer_my_list")
def viewer_my_list(request: Request) -> HTMLResponse:
    return _viewer_shell(request, "my-list")


@router.get("/settings", response_class=HTMLResponse, name="viewer_settings")
def viewer_settings(request: Request) -> HTMLResponse:
    """Profile and settings: balance, language, watch history."""
    return _viewer_shell(request, "settings")


@router.get("/wallet", response_class=HTMLResponse, name="viewer_wallet")
def viewer_wallet(request: Request) -> HTMLResponse:
    """Wallet: balance (paid/bonus), history, spend limits, subscriptions, coin packs."""
    return _viewer_shell(request, "wallet")


@router.get("/series/{series_id}", response_class=HTMLResponse, name="viewer_series")
def viewer_series(
    request: Request, series_id: str = PathParam(min_length=1, max_length=64)
) -> HTMLResponse:
    """The series page; an unknown id is the app's "not available" screen (the API answers 404)."""
    return _viewer_shell(request, "series")


@router.get(
    "/watch/{series_id}/{episode_number}", response_class=HTMLResponse, name="viewer_watch"
)
def viewer_watch(
    request: Request,
    series_id: str = PathParam(min_length=1, max_length=64),
    episode_number: int = PathParam(ge=1, le=10_000),
) -> HTMLResponse:
    # The app reads series and episode from the URL itself; the typed path parameters only make
    # a malformed deep link (/watch/x/abc) fail here with 422 instead of booting the app.
    return _viewer_shell(request, "watch")
