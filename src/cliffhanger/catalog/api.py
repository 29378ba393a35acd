"""Catalog endpoints: the viewer-facing catalogue and the studio's series and episode uploads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cliffhanger.catalog import cards, library, metadata, products, service, subtitles
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.catalog.presenters import LangDep, genre_ref, summaries
from cliffhanger.catalog.schemas import (
    CastView,
    EpisodeView,
    ProductCardView,
    ResumePoint,
    SeriesCreate,
    SeriesDetail,
    SeriesList,
    StudioEpisode,
    StudioSeries,
    StudioSeriesDetail,
    SubtitleTrack,
)
from cliffhanger.config import Settings
from cliffhanger.deps import OrgDep, RuntimeDep, ViewerDep
from cliffhanger.errors import Invalid
from cliffhanger.media import service as media
from cliffhanger.playback.service import poster_url
from cliffhanger.uploads import read_multipart

router = APIRouter(prefix="/api/v1", tags=["catalog"])
studio = APIRouter(prefix="/api/v1/studio", tags=["studio"])


@router.get("/series", response_model=SeriesList)
def list_series(rt: RuntimeDep, viewer: ViewerDep, lang: LangDep) -> SeriesList:
    """Every published series, newest first."""
    with rt.db.session() as session:
        items = sorted(cards.published(session).values(),
                       key=lambda p: p.series.created_at, reverse=True)
        return SeriesList(items=summaries(session, rt.settings, items, viewer_id=viewer.id,
                                          lang=lang))


@router.get("/series/{series_id}", response_model=SeriesDetail)
def get_series(series_id: str, rt: RuntimeDep, viewer: ViewerDep, lang: LangDep) -> SeriesDetail:
    """The series page: text in the viewer's language, cover, tags, genres, cast, runtime, the
    episode grid with lock state, subtitles and product cards, the resume point, and what
    finishing the series costs this viewer."""
    with rt.db.session() as session:
        series = service.viewable_series(session, series_id)
        access = service.series_access(session, viewer.id, series)
        published = cards.published(session, [series.id])[series.id]
        card = cards.build(session, rt.settings, [published], viewer_id=viewer.id, lang=lang)[0]
        ids = [a.episode.id for a in access]
        progress = library.progress_for(session, viewer.id, ids)
        tracks = subtitles.tracks_for_episodes(session, ids)
        product_cards = products.cards_for_episodes(session, rt.settings, viewer.id, ids)
        episodes = []
        for a in access:
            ep = a.episode
            seen = progress.get(ep.id)
            episodes.append(EpisodeView(
                id=ep.id, number=ep.number, title=ep.title, duration_s=round(ep.duration_s, 3),
                free=a.free, price_coins=a.price_coins, unlocked=a.unlocked,
                poster_url=poster_url(rt.settings, ep),
                position_s=seen.position_s if seen else None,
                watched=bool(seen and seen.completed),
                subtitles=[
                    SubtitleTrack(**vars(t))
                    for t in subtitles.viewer_tracks(
                        session, rt.settings, rt.store, ep, viewer_lang=lang,
                        series_lang=series.language, unlocked=a.unlocked, rows=tracks[ep.id],
                    )
                ],
                products=[ProductCardView(**vars(c)) for c in product_cards[ep.id]],
            ))
        resume = library.resume_for_series(session, viewer.id, series.id)
        return SeriesDetail(
            id=series.id, title=card.title, synopsis=card.synopsis,
            poster_url=episodes[0].poster_url if episodes else None,
            free_episodes=series.free_episodes, price_coins=series.price_coins,
            episodes=episodes, cost_to_finish_coins=service.cost_to_finish(access),
            lang=card.lang, original_title=series.title, language=series.language,
            cover_url=card.cover_url, tags=card.tags,
            genres=[genre_ref(g) for g in card.genres],
            cast=[CastView(**vars(c)) for c in metadata.cast_of(session, series.id)],
            episode_count=card.episode_count, total_runtime_s=card.total_runtime_s,
            released_at=card.released_at, in_my_list=card.in_my_list,
            resume=ResumePoint(episode_id=resume.episode.id, number=resume.episode.number,
                               position_s=resume.position_s) if resume else None,
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


def studio_series_detail(
    session: Session, settings: Settings, series: Series
) -> StudioSeriesDetail:
    episodes = [studio_episode(e) for e in service.org_episodes(session, series)]
    return StudioSeriesDetail(
        **_studio_series(series).model_dump(), episodes=episodes, language=series.language,
        published_at=series.published_at,
        cover_url=cards.media_url(settings, series.cover_key) if series.cover_key else None,
        genres=metadata.genres_of(session, [series.id])[series.id],
        tags=metadata.tags_of(session, [series.id])[series.id],
        cast=[CastView(**vars(c)) for c in metadata.cast_of(session, series.id)],
        localizations=[loc.lang for loc in metadata.localizations_of(session, series.id)],
    )


@studio.post("/series", status_code=201, response_model=StudioSeries)
def create_series(body: SeriesCreate, rt: RuntimeDep, org: OrgDep) -> StudioSeries:
    with rt.db.session() as session:
        series = service.create_series(
            session, org, title=body.title, synopsis=body.synopsis,
            free_episodes=body.free_episodes, price_coins=body.price_coins,
        )
        metadata.reindex(session, series)
        return _studio_series(series)


@studio.get("/series", response_model=list[StudioSeries])
def list_studio_series(rt: RuntimeDep, org: OrgDep) -> list[StudioSeries]:
    with rt.db.session() as session:
        return [_studio_series(s) for s in service.list_org_series(session, org)]


@studio.get("/series/{series_id}", response_model=StudioSeriesDetail)
def get_studio_series(series_id: str, rt: RuntimeDep, org: OrgDep) -> StudioSeriesDetail:
    with rt.db.session() as session:
        series = service.series_for_org(session, org, series_id)
        return studio_series_detail(session, rt.settings, series)


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
async def upload_episode(
    series_id: str, request: Request, rt: RuntimeDep, org: OrgDep
) -> StudioEpisode:
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
