"""Catalog endpoints: the viewer-facing catalogue and the studio's series and episode uploads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from cliffhanger.catalog import service
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.catalog.schemas import (
    EpisodeView,
    SeriesCreate,
    SeriesDetail,
    SeriesList,
    SeriesSummary,
    StudioEpisode,
    StudioSeries,
    StudioSeriesDetail,
)
from cliffhanger.deps import OrgDep, RuntimeDep, ViewerDep
from cliffhanger.errors import Invalid
from cliffhanger.media import service as media
from cliffhanger.playback.service import poster_url
from cliffhanger.uploads import read_multipart

router = APIRouter(prefix="/api/v1", tags=["catalog"])
studio = APIRouter(prefix="/api/v1/studio", tags=["studio"])


@router.get("/series", response_model=SeriesList)
def list_series(rt: RuntimeDep, viewer: ViewerDep) -> SeriesList:
    with rt.db.session() as session:
        items = []
        for series, count in service.published_series(session):
            first = service.ready_episodes(session, series.id)[0]
            items.append(
                SeriesSummary(
                    id=series.id, title=series.title, synopsis=series.synopsis,
                    poster_url=poster_url(rt.settings, first), episode_count=count,
                    free_episodes=series.free_episodes, price_coins=series.price_coins,
                )
            )
    return SeriesList(items=items)


@router.get("/series/{series_id}", response_model=SeriesDetail)
def get_series(series_id: str, rt: RuntimeDep, viewer: ViewerDep) -> SeriesDetail:
    with rt.db.session() as session:
        series = service.viewable_series(session, series_id)
        access = service.series_access(session, viewer.id, series)
        episodes = [
            EpisodeView(
                id=a.episode.id, number=a.episode.number, title=a.episode.title,
                duration_s=round(a.episode.duration_s, 3), free=a.free,
                price_coins=a.price_coins, unlocked=a.unlocked,
                poster_url=poster_url(rt.settings, a.episode),
            )
            for a in access
        ]
        return SeriesDetail(
            id=series.id, title=series.title, synopsis=series.synopsis,
            poster_url=episodes[0].poster_url if episodes else None,
            free_episodes=series.free_episodes, price_coins=series.price_coins,
            episodes=episodes, cost_to_finish_coins=service.cost_to_finish(access),
        )


# ----- studio ------------------------------------------------------------------------------------


def _studio_series(series: Series) -> StudioSeries:
    return StudioSeries(
        id=series.id, title=series.title, synopsis=series.synopsis,
        free_episodes=series.free_episodes, price_coins=series.price_coins,
        created_at=series.created_at,
    )


def studio_episode(episode: Episode) -> StudioEpisode:
    return StudioEpisode(
        id=episode.id, series_id=episode.series_id, number=episode.number, title=episode.title,
        status=episode.status.value, error=episode.error, progress=episode.progress,
        attempts=episode.attempts, duration_s=round(episode.duration_s, 3), width=episode.width,
        height=episode.height, encrypted=episode.encrypted,
        renditions=episode.renditions.split(",") if episode.renditions else [],
    )


@studio.post("/series", status_code=201, response_model=StudioSeries)
def create_series(body: SeriesCreate, rt: RuntimeDep, org: OrgDep) -> StudioSeries:
    with rt.db.session() as session:
        series = service.create_series(
            session, org, title=body.title, synopsis=body.synopsis,
            free_episodes=body.free_episodes, price_coins=body.price_coins,
        )
        return _studio_series(series)


@studio.get("/series", response_model=list[StudioSeries])
def list_studio_series(rt: RuntimeDep, org: OrgDep) -> list[StudioSeries]:
    with rt.db.session() as session:
        return [_studio_series(s) for s in service.list_org_series(session, org)]


@studio.get("/series/{series_id}", response_model=StudioSeriesDetail)
def get_studio_series(series_id: str, rt: RuntimeDep, org: OrgDep) -> StudioSeriesDetail:
    with rt.db.session() as session:
        series = service.series_for_org(session, org, series_id)
        episodes = [studio_episode(e) for e in service.org_episodes(session, series)]
        return StudioSeriesDetail(**_studio_series(series).model_dump(), episodes=episodes)


@studio.post(
    "/series/{series_id}/episodes",
    status_code=202,
    response_model=StudioEpisode,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["number", "title", "file"],
                        "properties": {
                            "number": {"type": "integer", "minimum": 1},
                            "title": {"type": "string", "maxLength": 200},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    },
)
async def upload_episode(series_id: str, request: Request, rt: RuntimeDep, org: OrgDep) -> StudioEpisode:
    """Upload an episode master (multipart: number, title, file). Packaging runs in the queue."""
    # Refuse early, before reading a large body, when the series is not the caller's.
    def check_series() -> None:
        with rt.db.session() as session:
            service.series_for_org(session, org, series_id)

    await run_in_threadpool(check_series)
    form = await read_multipart(request, rt.settings.work_dir, rt.settings.max_upload_bytes)
    try:
        upload = form.files.get("file")
        if upload is None:
            raise Invalid("The form needs a `file` part with the master.", field="file")
        raw_number = form.fields.get("number", "").strip()
        if not raw_number.isdigit():
            raise Invalid("`number` must be a positive whole number.", field="number")
        title = form.fields.get("title", "")
        staged = await run_in_threadpool(
            media.accept_master, upload.path, upload.sha256, upload.size, upload.filename
        )
        episode = await run_in_threadpool(
            media.add_episode, rt, org, series_id, number=int(raw_number), title=title,
            staged=staged,
        )
    finally:
        form.discard()
    return studio_episode(episode)


@studio.get("/episodes/{episode_id}", response_model=StudioEpisode)
def get_studio_episode(episode_id: str, rt: RuntimeDep, org: OrgDep) -> StudioEpisode:
    with rt.db.session() as session:
        return studio_episode(service.episode_for_org(session, org, episode_id))


@studio.post("/episodes/{episode_id}/retry", status_code=202, response_model=StudioEpisode)
def retry_episode(episode_id: str, rt: RuntimeDep, org: OrgDep) -> StudioEpisode:
    return studio_episode(media.retry_episode(rt, org, episode_id))
