"""Page routes of the viewer app: the HTML shell that boots the ES modules in `static/js/`.

Every page is the same shell; the app reads where to start from the URL and keeps it current
with `history.replaceState` as the viewer swipes, so no page load happens between episodes.
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
