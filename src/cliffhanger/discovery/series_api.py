"""The viewer's series endpoints: the published catalogue and the series page."""

from __future__ import annotations

from fastapi import APIRouter

from cliffhanger.access import rules
from cliffhanger.accounts.deps import ViewerDep
from cliffhanger.catalog import metadata, products, service, subtitles
from cliffhanger.catalog.schemas import (
    CastView,
    EpisodeView,
    ProductCardView,
    ResumePoint,
    SeriesDetail,
    SeriesList,
    SubtitleTrack,
)
from cliffhanger.catalog.urls import poster_url
from cliffhanger.discovery import cards, library
from cliffhanger.discovery.presenters import LangDep, genre_ref, summaries
from cliffhanger.kit.http import RuntimeDep

router = APIRouter(prefix="/api/v1", tags=["catalog"])


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
        access = rules.series_access(session, viewer.id, series)
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
            episodes=episodes, cost_to_finish_coins=rules.cost_to_finish(access),
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


