"""Page routes of the viewer app: the HTML shell that boots the ES modules in `static/js/`.

Every page is the same shell; the app reads where to start from the URL, moves between its
screens with the History API (no page load between them) and keeps the address current with
`history.replaceState` as the viewer swipes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The shared Jinja2 environment for every server-rendered page."""
    return Jinja2Templates(directory=TEMPLATES_DIR)


def _viewer_shell(request: Request) -> HTMLResponse:
    return templates().TemplateResponse(
        request,
        "viewer.html",
        {},
        # The shell is tiny and identical for everyone; what changes lives behind the API.
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/", response_class=HTMLResponse, name="viewer_home")
def viewer_home(request: Request) -> HTMLResponse:
    """For You: the discovery feed."""
    return _viewer_shell(request)


@router.get("/discover", response_class=HTMLResponse, name="viewer_discover")
def viewer_discover(request: Request) -> HTMLResponse:
    """Genres, rankings (`?rank=popular|trending|new`), new releases; `?genre=slug` lists one."""
    return _viewer_shell(request)


@router.get("/search", response_class=HTMLResponse, name="viewer_search")
def viewer_search(request: Request) -> HTMLResponse:
    """Search over titles, tags and cast (`?q=`)."""
    return _viewer_shell(request)


@router.get("/my-list", response_class=HTMLResponse, name="viewer_my_list")
def viewer_my_list(request: Request) -> HTMLResponse:
    return _viewer_shell(request)


@router.get("/settings", response_class=HTMLResponse, name="viewer_settings")
def viewer_settings(request: Request) -> HTMLResponse:
    """Profile and settings: balance, language, watch history."""
    return _viewer_shell(request)


@router.get("/wallet", response_class=HTMLResponse, name="viewer_wallet")
def viewer_wallet(request: Request) -> HTMLResponse:
    """Wallet: balance (paid/bonus), history, spend limits, subscriptions, coin packs."""
    return _viewer_shell(request)


@router.get("/series/{series_id}", response_class=HTMLResponse, name="viewer_series")
def viewer_series(
    request: Request, series_id: str = PathParam(min_length=1, max_length=64)
) -> HTMLResponse:
    """The series page; an unknown id is the app's "not available" screen (the API answers 404)."""
    return _viewer_shell(request)


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
    return _viewer_shell(request)
