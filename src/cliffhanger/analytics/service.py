"""Watch-event ingestion and the aggregates the catalogue is ranked by.

Ingestion: a batch is checked as a whole before anything is written; one bad event rejects the
batch with a 422 naming the event's index and field, and nothing is stored. Events are
deduplicated on `(viewer_id, event_id)` with INSERT ... ON CONFLICT DO NOTHING, so a replayed
batch (the app retries until acknowledged) stores nothing twice, even when two replays race.

Aggregates are computed on the fly with grouped SQL over `watch_event` (indexed by type, series,
episode and viewer); at our scale this is a few milliseconds. A periodic rollup table is the
next step if the table grows past tens of millions of rows.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cliffhanger.analytics.models import WatchEvent
from cliffhanger.catalog.models import Episode, EpisodeStatus, SeriesGenre
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Invalid

# ----- limits ------------------------------------------------------------------------------------

MAX_BATCH = 100
EVENT_TYPES = frozenset({
    "play", "progress", "complete", "swipe_away", "unlock_sheet_shown", "product_click",
    "pause", "resume", "seek", "subtitle_change", "share", "ad_shown",
})
QUARTILES = frozenset({25, 50, 75, 100})
MAX_FUTURE = timedelta(minutes=5)
"""Client clocks run a little fast; an event further in the future than this is refused."""
MAX_AGE = timedelta(days=30)
"""The app keeps unsent events offline; older than this they are refused as stale."""
MAX_PROPS_BYTES = 2048
MAX_PROPS_KEYS = 20
POSITION_TOLERANCE_S = 1.0
_EVENT_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
_PROP_KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


@dataclass(frozen=True)
class EventIn:
    event_id: str
    type: str
    episode_id: str
    occurred_at: datetime
    series_id: str | None = None
    position_s: float | None = None
    quartile: int | None = None
    props: dict[str, Any] | None = None


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


def _bad(index: int, field: str, message: str) -> Invalid:
    return Invalid(
        f"events[{index}].{field}: {message} The whole batch was rejected; nothing was stored.",
        code="invalid_event", index=index, field=field,
        errors=[{"loc": ["body", "events", index, field], "msg": message, "type": "invalid_event"}],
    )


def _check_props(index: int, props: dict[str, Any] | None) -> str | None:
    if props is None:
        return None
    if not isinstance(props, dict):
        raise _bad(index, "props", "must be an object.")
    if len(props) > MAX_PROPS_KEYS:
        raise _bad(index, "props", f"has more than {MAX_PROPS_KEYS} keys.")
    for key, value in props.items():
        if not _PROP_KEY_RE.match(str(key)):
            raise _bad(index, "props", f"key {str(key)[:40]!r} is not a short identifier.")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise _bad(index, "props", f"value of {key!r} must be a string, number or boolean.")
    text = json.dumps(props, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    if len(text.encode()) > MAX_PROPS_BYTES:
        raise _bad(index, "props", f"is larger than {MAX_PROPS_BYTES} bytes.")
    return text


def ingest(session: Session, viewer_id: str, events: list[EventIn],
           now: datetime | None = None) -> IngestResult:
    """Validate a batch whole, then store the events not seen before."""
    now = now or utcnow()
    if not events:
        raise Invalid("events must hold at least one event.", field="events", code="empty_batch")
    if len(events) > MAX_BATCH:
        raise Invalid(f"A batch holds at most {MAX_BATCH} events (got {len(events)}).",
                      field="events", code="batch_too_large")
    episode_ids = {e.episode_id for e in events}
    episodes = {
        ep.id: ep for ep in session.scalars(select(Episode).where(Episode.id.in_(episode_ids)))
    }
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    in_batch_duplicates = 0
    for index, event in enumerate(events):
        if not _EVENT_ID_RE.match(event.event_id or ""):
            raise _bad(index, "event_id", "must be 8-64 letters, digits, '-' or '_' (a UUID).")
        if event.type not in EVENT_TYPES:
            raise _bad(index, "type", f"unknown event type {event.type!r}; expected one of "
                                      f"{', '.join(sorted(EVENT_TYPES))}.")
        episode = episodes.get(event.episode_id)
        if episode is None or episode.status is not EpisodeStatus.ready:
            raise _bad(index, "episode_id", "no such episode.")
        if event.series_id is not None and event.series_id != episode.series_id:
            raise _bad(index, "series_id", "does not match the episode's series.")
        if event.occurred_at.tzinfo is None:
            raise _bad(index, "occurred_at", "needs a time zone (e.g. 2026-01-31T12:00:00Z).")
        if event.occurred_at > now + MAX_FUTURE:
            raise _bad(index, "occurred_at", "is in the future.")
        if event.occurred_at < now - MAX_AGE:
            raise _bad(index, "occurred_at", f"is older than {MAX_AGE.days} days.")
        if event.position_s is not None and not (
            0 <= event.position_s <= episode.duration_s + POSITION_TOLERANCE_S
        ):
            raise _bad(index, "position_s",
                       "must be between 0 and the episode's duration "
                       f"({episode.duration_s:.1f} s).")
        if event.type == "progress":
            if event.quartile not in QUARTILES:
                raise _bad(index, "quartile", "a progress event needs a quartile of 25, 50, 75 or "
                                              "100.")
        elif event.quartile is not None:
            raise _bad(index, "quartile", "only progress events carry a quartile.")
        props = _check_props(index, event.props)
        if event.event_id in seen:
            in_batch_duplicates += 1
            continue
        seen.add(event.event_id)
        rows.append({
            "viewer_id": viewer_id, "event_id": event.event_id, "type": event.type,
            "episode_id": episode.id, "series_id": episode.series_id,
            "position_s": event.position_s, "quartile": event.quartile,
            "occurred_at": event.occurred_at, "received_at": now, "props": props,
        })
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    from cliffhanger.kit.db import new_id

    for row in rows:
        row["id"] = new_id()
    stmt = (
        insert(WatchEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["viewer_id", "event_id"])
        .returning(WatchEvent.event_id)
    )
    inserted = len(session.execute(stmt).all())
    return IngestResult(accepted=inserted, duplicates=len(events) - inserted)


# ----- aggregates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesCounts:
    plays: int = 0
    """Distinct (viewer, episode) pairs with a play event."""
    completes: int = 0
    """Distinct (viewer, episode) pairs with a complete event."""
    started: int = 0
    """Distinct (viewer, episode N) plays where episode N+1 exists and is ready."""
    continued: int = 0
    """Of those, how many viewers also played episode N+1."""


def _pairs(event_type: str) -> Any:
    return (
        select(WatchEvent.series_id, WatchEvent.episode_id, WatchEvent.viewer_id)
        .where(WatchEvent.type == event_type)
        .distinct()
        .subquery()
    )


def series_counts(session: Session) -> dict[str, SeriesCounts]:
    """Play, completion and continuation counts of every series with events."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event_type, name in (("play", "plays"), ("complete", "completes")):
        pairs = _pairs(event_type)
        for series_id, n in session.execute(
            select(pairs.c.series_id, func.count()).group_by(pairs.c.series_id)
        ):
            counts[series_id][name] = int(n)

    # Continuation: viewers of episode N who also started N+1, over every N that has a next.
    plays = (
        select(WatchEvent.viewer_id, WatchEvent.series_id, Episode.number)
        .join(Episode, Episode.id == WatchEvent.episode_id)
        .where(WatchEvent.type == "play")
        .distinct()
        .subquery()
    )
    following = plays.alias("following")
    nxt = select(Episode.series_id, Episode.number).where(
        Episode.status == EpisodeStatus.ready
    ).subquery()
    query = (
        select(plays.c.series_id, func.count(), func.count(following.c.viewer_id))
        .join(nxt, and_(nxt.c.series_id == plays.c.series_id,
                        nxt.c.number == plays.c.number + 1))
        .outerjoin(following, and_(following.c.viewer_id == plays.c.viewer_id,
                                   following.c.series_id == plays.c.series_id,
                                   following.c.number == plays.c.number + 1))
        .group_by(plays.c.series_id)
    )
    for series_id, started, continued in session.execute(query):
        counts[series_id]["started"] = int(started)
        counts[series_id]["continued"] = int(continued)
    return {sid: SeriesCounts(**dict(c)) for sid, c in counts.items()}


def episode_completion(session: Session, series_id: str) -> dict[str, tuple[int, int]]:
    """Per episode of a series: (viewers who played it, viewers who completed it)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for slot, event_type in enumerate(("play", "complete")):
        rows = session.execute(
            select(WatchEvent.episode_id, func.count(distinct(WatchEvent.viewer_id)))
            .where(WatchEvent.series_id == series_id, WatchEvent.type == event_type)
            .group_by(WatchEvent.episode_id)
        )
        for episode_id, n in rows:
            out[episode_id][slot] = int(n)
    return {eid: (v[0], v[1]) for eid, v in out.items()}


def viewers_since(session: Session, since: datetime | None) -> dict[str, int]:
    """Distinct viewers who played any episode of each series (since a time, or ever)."""
    query = select(WatchEvent.series_id, func.count(distinct(WatchEvent.viewer_id))).where(
        WatchEvent.type == "play"
    )
    if since is not None:
        query = query.where(WatchEvent.occurred_at >= since)
    return {sid: int(n) for sid, n in session.execute(query.group_by(WatchEvent.series_id))}


def genre_affinity(session: Session, viewer_id: str) -> dict[str, float]:
    """Share of the distinct episodes this viewer played that belong to each genre."""
    played = (
        select(WatchEvent.series_id, WatchEvent.episode_id)
        .where(WatchEvent.viewer_id == viewer_id, WatchEvent.type == "play")
        .distinct()
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(played)) or 0
    if not total:
        return {}
    rows = session.execute(
        select(SeriesGenre.genre, func.count())
        .select_from(played)
        .join(SeriesGenre, SeriesGenre.series_id == played.c.series_id)
        .group_by(SeriesGenre.genre)
    )
    return {genre: int(n) / total for genre, n in rows}
