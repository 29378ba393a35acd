"""Turning catalog objects into API shapes, and the request language dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from cliffhanger.access import rules
from cliffhanger.accounts.deps import ViewerDep
from cliffhanger.catalog import localization, metadata, urls
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.catalog.schemas import FeedEpisode, GenreRef, SeriesSummary
from cliffhanger.discovery import cards
from cliffhanger.kit.config import Settings


def request_lang(
    request: Request, viewer: ViewerDep,
    lang: Annotated[str | None, Query(
        max_length=35,
        description="Answer in this language (en, es, pt-BR, id, th, ko, ja); default: "
                    "Accept-Language, then the viewer's locale, then en.",
    )] = None,
) -> str:
    return localization.negotiate(lang, request.headers.get("accept-language"), viewer.locale)


LangDep = Annotated[str, Depends(request_lang)]


def genre_ref(slug: str) -> GenreRef:
    genre = metadata.GENRE_BY_SLUG.get(slug)
    return GenreRef(slug=slug, name=genre.name if genre else slug)


def summary(card: cards.Card) -> SeriesSummary:
    return SeriesSummary(
        id=card.id, title=card.title, synopsis=card.synopsis, poster_url=card.poster_url,
        episode_count=card.episode_count, free_episodes=card.free_episodes,
        price_coins=card.price_coins, lang=card.lang, original_title=card.original_title,
        language=card.language, cover_url=card.cover_url, total_runtime_s=card.total_runtime_s,
        genres=[genre_ref(g) for g in card.genres], tags=card.tags,
        released_at=card.released_at, in_my_list=card.in_my_list,
    )


def summaries(session: Session, settings: Settings, items: list[cards.Published], *,
              viewer_id: str, lang: str) -> list[SeriesSummary]:
    built = cards.build(session, settings, items, viewer_id=viewer_id, lang=lang)
    return [summary(c) for c in built]


def feed_episode(session: Session, settings: Settings, viewer_id: str, series: Series,
                 episode: Episode) -> FeedEpisode:
    free = catalog.is_free(series, episode)
    unlocked = free or rules.may_watch(session, viewer_id, series, episode)
    price = 0 if free else series.price_coins
    if not unlocked:
        # What this viewer would pay is commerce's answer (locked prices, channel discounts).
        for access in rules.series_access(session, viewer_id, series):
            if access.episode.id == episode.id:
                price = access.price_coins
    return FeedEpisode(
        id=episode.id, number=episode.number, title=episode.title,
        duration_s=round(episode.duration_s, 3), poster_url=urls.poster_url(settings, episode),
        free=free, unlocked=unlocked, price_coins=price,
    )
