"""A viewer's library: watch progress (resume), watch history, Continue Watching and My List.

Everything here is keyed by the calling viewer; no function takes another viewer's id from a
request, so one viewer can never read or change another's library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cliffhanger.access import rules
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus, MyListItem, Series, WatchProgress
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Forbidden, Invalid

POSITION_TOLERANCE_S = 0.5
"""A saved position may pass the measured duration by this much (player clocks round)."""
FINISHED_TAIL_S = 3.0
"""A position within this many seconds of the end counts as having watched the episode."""
MAX_HISTORY = 200
MAX_CONTINUE = 20


def _finished(position_s: float, duration_s: float) -> bool:
    return position_s >= duration_s - min(FINISHED_TAIL_S, 0.05 * duration_s)


def _upsert(session: Session, table: type, values: dict[str, object], keys: list[str],
            update: Callable[[Any], dict[str, Any]] | None) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE (or DO NOTHING) on SQLite and PostgreSQL alike;
    `update` gets the `excluded` row and returns the SET clause."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values)
    if update is not None:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=update(stmt.excluded))
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    session.execute(stmt)


# ----- progress ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    episode_id: str
    series_id: str
    position_s: float
    completed: bool
    updated_at: datetime


def save_progress(session: Session, viewer_id: str, episode_id: str,
                  position_s: float) -> Progress:
    """Save where the viewer is in an episode they may watch (0 <= position <= duration)."""
    series, episode = catalog.viewable_episode(session, episode_id)
    if not 0 <= position_s <= episode.duration_s + POSITION_TOLERANCE_S:
        raise Invalid(
            "position_s must be between 0 and the episode's duration "
            f"({episode.duration_s:.3f} s).",
            field="position_s",
        )
    if not rules.may_watch(session, viewer_id, series, episode):
        raise Forbidden("This episode is locked for this viewer.", code="not_entitled")
    position_s = round(min(position_s, episode.duration_s), 3)
    finished = _finished(position_s, episode.duration_s)
    _upsert(
        session, WatchProgress,
        {"viewer_id": viewer_id, "episode_id": episode.id, "series_id": series.id,
         "position_s": position_s, "completed": finished, "updated_at": utcnow()},
        ["viewer_id", "episode_id"],
        lambda new: {
            "position_s": new.position_s, "updated_at": new.updated_at,
            # Completion is sticky: a rewatch from the start does not clear it.
            "completed": or_(WatchProgress.completed, new.completed),
        },
    )
    row = session.get(WatchProgress, (viewer_id, episode.id), populate_existing=True)
    assert row is not None
    return Progress(row.episode_id, row.series_id, row.position_s, row.completed, row.updated_at)


def progress_for(
    session: Session, viewer_id: str, episode_ids: list[str]
) -> dict[str, WatchProgress]:
    if not episode_ids:
        return {}
    rows = session.scalars(
        select(WatchProgress).where(
            WatchProgress.viewer_id == viewer_id, WatchProgress.episode_id.in_(episode_ids)
        )
    )
    return {row.episode_id: row for row in rows}


@dataclass(frozen=True)
class Resume:
    """Where to pick a series up: an episode and a position in it."""

    series_id: str
    episode: Episode
    position_s: float
    updated_at: datetime


def _next_ready(session: Session, series_id: str, after: int) -> Episode | None:
    return session.scalar(
        select(Episode)
        .where(Episode.series_id == series_id, Episode.status == EpisodeStatus.ready,
               Episode.number > after)
        .order_by(Episode.number)
        .limit(1)
    )


def _resume_from(session: Session, row: WatchProgress, episode: Episode) -> Resume | None:
    if _finished(row.position_s, episode.duration_s):
        following = _next_ready(session, row.series_id, episode.number)
        if following is None:
            return None  # the viewer finished the series (so far)
        return Resume(row.series_id, following, 0.0, row.updated_at)
    return Resume(row.series_id, episode, row.position_s, row.updated_at)


def resume_for_series(session: Session, viewer_id: str, series_id: str) -> Resume | None:
    """The episode the viewer watched last in this series, or the next one once it is done."""
    found = session.execute(
        select(WatchProgress, Episode)
        .join(Episode, Episode.id == WatchProgress.episode_id)
        .where(WatchProgress.viewer_id == viewer_id, WatchProgress.series_id == series_id,
               Episode.status == EpisodeStatus.ready)
        .order_by(WatchProgress.updated_at.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    return _resume_from(session, found[0], found[1])


def continue_watching(session: Session, viewer_id: str, limit: int = MAX_CONTINUE) -> list[Resume]:
    """Series the viewer started and has not finished, most recently watched first."""
    rows = session.execute(
        select(WatchProgress, Episode)
        .join(Episode, Episode.id == WatchProgress.episode_id)
        .where(WatchProgress.viewer_id == viewer_id, Episode.status == EpisodeStatus.ready)
        .order_by(WatchProgress.updated_at.desc())
    ).all()
    out: list[Resume] = []
    seen: set[str] = set()
    for row, episode in rows:
        if row.series_id in seen:
            continue
        seen.add(row.series_id)  # only the latest episode of each series decides
        resume = _resume_from(session, row, episode)
        if resume is not None:
            out.append(resume)
            if len(out) >= limit:
                break
    return out


def finished_series(session: Session, viewer_id: str) -> set[str]:
    """Series whose latest watched episode was watched to the end with nothing after it."""
    rows = session.execute(
        select(WatchProgress, Episode)
        .join(Episode, Episode.id == WatchProgress.episode_id)
        .where(WatchProgress.viewer_id == viewer_id, Episode.status == EpisodeStatus.ready)
        .order_by(WatchProgress.updated_at.desc())
    ).all()
    seen: set[str] = set()
    done: set[str] = set()
    for row, episode in rows:
        if row.series_id in seen:
            continue
        seen.add(row.series_id)
        if _resume_from(session, row, episode) is None:
            done.add(row.series_id)
    return done


@dataclass(frozen=True)
class HistoryEntry:
    series: Series
    episode: Episode
    position_s: float
    completed: bool
    updated_at: datetime


def history(session: Session, viewer_id: str, limit: int = 50) -> list[HistoryEntry]:
    rows = session.execute(
        select(WatchProgress, Episode, Series)
        .join(Episode, Episode.id == WatchProgress.episode_id)
        .join(Series, Series.id == WatchProgress.series_id)
        .where(WatchProgress.viewer_id == viewer_id, Episode.status == EpisodeStatus.ready)
        .order_by(WatchProgress.updated_at.desc())
        .limit(min(max(limit, 1), MAX_HISTORY))
    ).all()
    return [HistoryEntry(s, e, p.position_s, p.completed, p.updated_at) for p, e, s in rows]


def clear_history(session: Session, viewer_id: str) -> int:
    result = session.execute(delete(WatchProgress).where(WatchProgress.viewer_id == viewer_id))
    return int(getattr(result, "rowcount", 0) or 0)


# ----- My List -------------------------------------------------------------------------------


def add_to_list(session: Session, viewer_id: str, series_id: str) -> tuple[MyListItem, bool]:
    """Save a series to My List (idempotent); returns (item, created)."""
    series = catalog.viewable_series(session, series_id)
    existing = session.get(MyListItem, (viewer_id, series.id))
    if existing is not None:
        return existing, False
    _upsert(session, MyListItem,
            {"viewer_id": viewer_id, "series_id": series.id, "created_at": utcnow()},
            ["viewer_id", "series_id"], None)
    item = session.get(MyListItem, (viewer_id, series.id))
    assert item is not None
    return item, True


def remove_from_list(session: Session, viewer_id: str, series_id: str) -> bool:
    result = session.execute(
        delete(MyListItem).where(MyListItem.viewer_id == viewer_id,
                                 MyListItem.series_id == series_id)
    )
    return bool(getattr(result, "rowcount", 0))


def list_item(session: Session, viewer_id: str, series_id: str) -> MyListItem | None:
    return session.get(MyListItem, (viewer_id, series_id))


def my_list(session: Session, viewer_id: str) -> list[MyListItem]:
    return list(
        session.scalars(
            select(MyListItem)
            .where(MyListItem.viewer_id == viewer_id)
            .order_by(MyListItem.created_at.desc())
        )
    )


def in_list(session: Session, viewer_id: str, series_ids: list[str]) -> set[str]:
    if not series_ids:
        return set()
    return set(
        session.scalars(
            select(MyListItem.series_id).where(
                MyListItem.viewer_id == viewer_id, MyListItem.series_id.in_(series_ids)
            )
        )
    )


def resume_position(session: Session, viewer_id: str, episode: Episode) -> float | None:
    """Where to start this episode for this viewer: the saved position, unless it was watched
    to the end (then from the start)."""
    row = session.get(WatchProgress, (viewer_id, episode.id))
    if row is None or _finished(row.position_s, episode.duration_s) or row.position_s < 1:
        return None
    return row.position_s
