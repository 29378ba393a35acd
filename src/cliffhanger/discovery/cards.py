"""Series cards: the viewer-facing summary of a series, built in bulk for lists and feeds.

One card costs no query of its own: the published series, their episode statistics, genres,
tags, localized text and My List membership are each loaded with one query per list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from cliffhanger.catalog import localization, metadata
from cliffhanger.catalog.models import Episode, EpisodeStatus, Series
from cliffhanger.catalog.urls import cover_url, poster_url
from cliffhanger.discovery import library
from cliffhanger.kit.config import Settings


@dataclass(frozen=True)
class Published:
    """A series with at least one ready episode, and what its ready episodes add up to."""

    series: Series
    episode_count: int
    total_runtime_s: float
    first_episode: Episode
    released_at: datetime


def published(session: Session, series_ids: list[str] | None = None) -> dict[str, Published]:
    """Every published series (or those of `series_ids` that are published), by id."""
    stats = (
        select(
            Episode.series_id.label("series_id"),
            func.count(Episode.id).label("n"),
            func.sum(Episode.duration_s).label("runtime"),
            func.min(Episode.number).label("first"),
            func.min(Episode.created_at).label("uploaded"),
        )
        .where(Episode.status == EpisodeStatus.ready)
        .group_by(Episode.series_id)
    )
    if series_ids is not None:
        if not series_ids:
            return {}
        stats = stats.where(Episode.series_id.in_(series_ids))
    sub = stats.subquery()
    rows = session.execute(
        select(Series, Episode, sub.c.n, sub.c.runtime, sub.c.uploaded)
        .join(sub, sub.c.series_id == Series.id)
        .join(Episode, and_(Episode.series_id == Series.id, Episode.number == sub.c.first))
    ).all()
    out: dict[str, Published] = {}
    for series, first, n, runtime, uploaded in rows:
        released = series.published_at or _aware(uploaded) or series.created_at
        out[series.id] = Published(series, int(n), round(float(runtime or 0), 3), first, released)
    return out


def _aware(value: datetime | str | None) -> datetime | None:
    """`min()` over a UTC column comes back untyped on SQLite (a string or naive datetime)."""
    if value is None:
        return None
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    synopsis: str
    lang: str
    original_title: str
    language: str
    poster_url: str | None
    cover_url: str | None
    episode_count: int
    total_runtime_s: float
    free_episodes: int
    price_coins: int
    genres: list[str]
    tags: list[str]
    released_at: datetime
    in_my_list: bool


def build(session: Session, settings: Settings, items: list[Published], *, viewer_id: str,
          lang: str) -> list[Card]:
    ids = [p.series.id for p in items]
    genres = metadata.genres_of(session, ids)
    tags = metadata.tags_of(session, ids)
    texts = localization.localizations_for(session, ids, lang)
    saved = library.in_list(session, viewer_id, ids)
    cards = []
    for p in items:
        s = p.series
        text = localization.localized(s, lang, texts.get(s.id))
        cards.append(
            Card(
                id=s.id, title=text.title, synopsis=text.synopsis, lang=text.lang,
                original_title=s.title, language=s.language,
                poster_url=poster_url(settings, p.first_episode),
                cover_url=cover_url(settings, s, p.first_episode),
                episode_count=p.episode_count, total_runtime_s=p.total_runtime_s,
                free_episodes=s.free_episodes, price_coins=s.price_coins,
                genres=genres.get(s.id, []), tags=tags.get(s.id, []),
                released_at=p.released_at, in_my_list=s.id in saved,
            )
        )
    return cards
