"""Discovery: the For You feed, rankings, genre pages, search and new releases.

The For You ranking (documented in docs/discovery.md) scores every published series for a viewer:

    score = 0.30 * completion + 0.30 * continuation + 0.20 * recency + 0.20 * affinity

- completion   = (completes + 10 * c0) / (plays + 10): share of (viewer, episode) plays that
                 reached the end, shrunk towards the catalogue-wide rate c0 so that a series
                 with three plays cannot top one with three thousand;
- continuation = (continued + 10 * k0) / (started + 10): share of viewers of episode N who also
                 started episode N+1, pooled over the series' episodes, shrunk towards k0;
- recency      = 0.5 ** (age_days / 14): a release loses half its boost every two weeks;
- affinity     = the share of this viewer's played episodes that belong to the series' genres
                 (capped at 1; 0 for a new viewer, which then sees the global ranking).

Continue Watching comes first, then the ranked series the viewer has not started; series the
viewer has finished come last.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.analytics import service as analytics
from cliffhanger.catalog import metadata
from cliffhanger.catalog.models import CastMember, Series, SeriesGenre, SeriesLocalization
from cliffhanger.discovery import cards, library
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Invalid

W_COMPLETION = 0.30
W_CONTINUATION = 0.30
W_RECENCY = 0.20
W_AFFINITY = 0.20
PRIOR_WEIGHT = 10.0
"""Pseudo-observations of the catalogue average added to every series' rates."""
DEFAULT_PRIOR = 0.5
RECENCY_HALF_LIFE_DAYS = 14.0
TRENDING_WINDOW = timedelta(days=7)
POPULAR_WINDOW = timedelta(days=90)
RANKINGS = ("popular", "trending", "new")
MAX_QUERY_CHARS = 100
MAX_PAGE = 50


@dataclass(frozen=True)
class Signals:
    completion: float
    continuation: float
    recency: float
    affinity: float

    @property
    def score(self) -> float:
        return (W_COMPLETION * self.completion + W_CONTINUATION * self.continuation
                + W_RECENCY * self.recency + W_AFFINITY * self.affinity)


def recency(released_at: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - released_at).total_seconds() / 86_400)
    return math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)


def _shrunk(hits: int, total: int, prior: float) -> float:
    return (hits + PRIOR_WEIGHT * prior) / (total + PRIOR_WEIGHT)


def signals(session: Session, viewer_id: str, items: list[cards.Published],
            now: datetime | None = None) -> dict[str, Signals]:
    now = now or utcnow()
    counts = analytics.series_counts(session)
    plays = sum(c.plays for c in counts.values())
    started = sum(c.started for c in counts.values())
    c0 = sum(c.completes for c in counts.values()) / plays if plays else DEFAULT_PRIOR
    k0 = sum(c.continued for c in counts.values()) / started if started else DEFAULT_PRIOR
    affinity = analytics.genre_affinity(session, viewer_id)
    genres = metadata.genres_of(session, [p.series.id for p in items]) if affinity else {}
    out = {}
    for p in items:
        c = counts.get(p.series.id, analytics.SeriesCounts())
        out[p.series.id] = Signals(
            completion=_shrunk(min(c.completes, c.plays), c.plays, c0),
            continuation=_shrunk(c.continued, c.started, k0),
            recency=recency(p.released_at, now),
            affinity=min(1.0, sum(affinity.get(g, 0.0) for g in genres.get(p.series.id, []))),
        )
    return out


def rank(session: Session, viewer_id: str, items: list[cards.Published],
         now: datetime | None = None) -> list[tuple[cards.Published, Signals]]:
    found = signals(session, viewer_id, items, now)
    return sorted(
        ((p, found[p.series.id]) for p in items),
        key=lambda ps: (-ps[1].score, -ps[0].released_at.timestamp(), ps[0].series.id),
    )


# ----- the feed ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    kind: str
    """`continue` (the viewer's unfinished series) or `for_you` (ranked)."""
    published: cards.Published
    resume: library.Resume | None
    score: float | None


def feed(session: Session, viewer_id: str, now: datetime | None = None) -> list[FeedEntry]:
    """The whole For You feed for a viewer, in order (the API pages through it)."""
    everything = cards.published(session)
    entries: list[FeedEntry] = []
    continuing: set[str] = set()
    for resume in library.continue_watching(session, viewer_id):
        p = everything.get(resume.series_id)
        if p is None:
            continue
        continuing.add(p.series.id)
        entries.append(FeedEntry("continue", p, resume, None))
    finished = library.finished_series(session, viewer_id)
    ranked = rank(session, viewer_id, [p for sid, p in everything.items() if sid not in continuing],
                  now)
    fresh = [(p, s) for p, s in ranked if p.series.id not in finished]
    done = [(p, s) for p, s in ranked if p.series.id in finished]
    entries += [FeedEntry("for_you", p, None, round(s.score, 6)) for p, s in fresh + done]
    return entries


# ----- rankings, genres, new, search -------------------------------------------------------


def rankings(
    session: Session, by: str, now: datetime | None = None
) -> list[tuple[cards.Published, float]]:
    """`popular`: distinct viewers over 90 days; `trending`: distinct viewers over 7 days;
    `new`: release date. Returns each series with the figure it is ranked by."""
    now = now or utcnow()
    everything = list(cards.published(session).values())
    if by == "new":
        ordered = sorted(everything, key=lambda p: (-p.released_at.timestamp(), p.series.id))
        return [(p, p.released_at.timestamp()) for p in ordered]
    if by not in RANKINGS:
        raise Invalid(f"by must be one of {', '.join(RANKINGS)}.", field="by")
    window = TRENDING_WINDOW if by == "trending" else POPULAR_WINDOW
    viewers = analytics.viewers_since(session, now - window)
    ordered = sorted(
        everything,
        key=lambda p: (-viewers.get(p.series.id, 0), -p.released_at.timestamp(), p.series.id),
    )
    return [(p, float(viewers.get(p.series.id, 0))) for p in ordered]


def genre_counts(session: Session) -> list[tuple[metadata.Genre, int]]:
    """Genres that have published series, with how many, most populated first."""
    ids = list(cards.published(session))
    counts: dict[str, int] = {}
    if ids:
        query = select(SeriesGenre.genre).where(SeriesGenre.series_id.in_(ids))
        for genre in session.scalars(query):
            counts[genre] = counts.get(genre, 0) + 1
    found = [
        (metadata.GENRE_BY_SLUG[g], n) for g, n in counts.items() if g in metadata.GENRE_BY_SLUG
    ]
    return sorted(found, key=lambda gn: (-gn[1], metadata.GENRE_ORDER[gn[0].slug]))


def genre_series(session: Session, viewer_id: str, slug: str,
                 sort: str = "score") -> tuple[metadata.Genre, list[cards.Published]]:
    genre = metadata.check_genre(slug)
    ids = list(
        session.scalars(select(SeriesGenre.series_id).where(SeriesGenre.genre == genre.slug))
    )
    items = list(cards.published(session, ids).values())
    if sort == "new":
        items.sort(key=lambda p: (-p.released_at.timestamp(), p.series.id))
    elif sort == "score":
        items = [p for p, _s in rank(session, viewer_id, items)]
    else:
        raise Invalid("sort must be score or new.", field="sort")
    return genre, items


def new_releases(session: Session) -> list[cards.Published]:
    return [p for p, _ in rankings(session, "new")]


@dataclass(frozen=True)
class Hit:
    published: cards.Published
    matched: list[str]


def _escape_like(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(session: Session, query: str, limit: int = 30) -> list[Hit]:
    """Series whose title (any language), tags or cast contain every word of the query,
    case- and accent-insensitively. Title matches rank before tag and cast matches."""
    folded = metadata.fold(query or "")
    if not folded:
        raise Invalid("q must not be empty.", field="q")
    if len(folded) > MAX_QUERY_CHARS:
        raise Invalid(f"q must be at most {MAX_QUERY_CHARS} characters.", field="q")
    tokens = folded.split(" ")[:8]
    metadata.reindex_missing(session)
    stmt = select(Series.id)
    for token in tokens:
        stmt = stmt.where(Series.search_text.like(f"%{_escape_like(token)}%", escape="\\"))
    ids = list(session.scalars(stmt))
    found = cards.published(session, ids)
    fields: dict[str, dict[str, list[str]]] = {
        sid: {"title": [p.series.title], "tag": [], "cast": []} for sid, p in found.items()
    }
    for sid, tags in metadata.tags_of(session, list(found)).items():
        fields[sid]["tag"] = tags
    for sid, title in session.execute(
        select(SeriesLocalization.series_id, SeriesLocalization.title)
        .where(SeriesLocalization.series_id.in_(list(found)))
    ):
        fields[sid]["title"].append(title)
    for sid, name in session.execute(
        select(CastMember.series_id, CastMember.name).where(CastMember.series_id.in_(list(found)))
    ):
        fields[sid]["cast"].append(name)
    hits = []
    for sid, p in found.items():
        folded_fields = {f: [metadata.fold(v) for v in vs] for f, vs in fields[sid].items()}
        matched = [f for f, vs in folded_fields.items()
                   if any(all(t in v for t in tokens) for v in vs)]
        if not matched:  # the words are spread over several fields
            matched = [f for f, vs in folded_fields.items()
                       if any(t in v for v in vs for t in tokens)]
        hits.append(Hit(p, matched))
    order = {"title": 0, "tag": 1, "cast": 2}
    hits.sort(key=lambda h: (
        min(order[m] for m in h.matched) if h.matched else 3,
        not metadata.fold(h.published.series.title).startswith(tokens[0]),
        -h.published.released_at.timestamp(), h.published.series.id,
    ))
    return hits[:limit]
