"""`POST /api/v1/watch`: a deep link's first call. The series and the playback of the episode the
link names come in one answer, and a caller without a token gets its anonymous viewer in the same
call: one round trip instead of three (viewer, series, playback) before the first frame. Each
part is what its own endpoint answers (`POST /viewers`, `GET /series/{id}`,
`POST /episodes/{id}/playback`), produced by the same code."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cliffhanger.access.viewers import open_viewer
from cliffhanger.accounts.deps import current_viewer
from cliffhanger.accounts.schemas import ViewerCreated
from cliffhanger.catalog import localization
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.schemas import SeriesDetail
from cliffhanger.discovery.series_api import get_series
from cliffhanger.kit.errors import PaymentRequired
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.playback.api import playback
from cliffhanger.playback.schemas import PlaybackResponse

router = APIRouter(prefix="/api/v1", tags=["playback"])


class WatchRequest(BaseModel):
    series_id: str = Field(min_length=1, max_length=64)
    episode_number: int = Field(ge=1, le=10_000)


class WatchStart(BaseModel):
    viewer: ViewerCreated | None = None
    """The anonymous viewer this call created (no `Authorization` header was sent): keep its
    token for every later call. Null when the caller was already a viewer."""
    series: SeriesDetail
    episode_id: str | None
    """The episode started: the one numbered `episode_number`, else the first (null: the series
    has no episode yet)."""
    playback: PlaybackResponse | None = None
    """As `POST /episodes/{episode_id}/playback` answers; null when the episode is locked."""
    locked: dict[str, Any] | None = None
    """When locked: the problem document that endpoint answers with 402 (unlock options,
    balance, cost to finish, paywall)."""


@router.post(
    "/watch", response_model=WatchStart,
    responses={401: {"description": "A token was sent and is not valid"},
               404: {"description": "No such series"}},
)
def start_watching(
    body: WatchRequest, request: Request, rt: RuntimeDep,
    lang: Annotated[str | None, Query(max_length=35)] = None,
) -> WatchStart:
    """Start watching a series at an episode (a deep link's first call): the series page data
    and the episode's playback (or its 402 problem), creating an anonymous viewer when the
    request carries no `Authorization` header."""
    created: ViewerCreated | None = None
    if request.headers.get("authorization"):
        viewer = current_viewer(request, rt)  # 401 for a bad token, as on every endpoint
    else:
        with rt.db.session() as session:  # 404 before anything is written for a bad link
            catalog.viewable_series(session, body.series_id)
        viewer, created = open_viewer(rt)
    language = localization.negotiate(lang, request.headers.get("accept-language"), viewer.locale)
    series = get_series(body.series_id, rt, viewer, language)
    episode = next((e for e in series.episodes if e.number == body.episode_number), None)
    if episode is None and series.episodes:
        episode = series.episodes[0]
    answer = WatchStart(viewer=created, series=series, episode_id=episode.id if episode else None)
    if episode is not None:
        try:
            answer.playback = playback(episode.id, rt, viewer, language)
        except PaymentRequired as locked:
            answer.locked = locked.problem()
    return answer

