"""Who may watch what, derived from the state at the moment of the request.

An episode is open to a viewer when it is free, when they hold an entitlement for it (coins, ad,
grant), when they hold an active pass for its series, or when one of their subscriptions grants
access at `now`. Nothing is cached: a refunded pass or an ended subscription closes the door on
the very next request, without waiting for a periodic task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from cliffhanger.catalog.models import Episode, Series
from cliffhanger.catalog.service import is_free, ready_episodes
from cliffhanger.kit.db import utcnow
from cliffhanger.ledger.models import Entitlement
from cliffhanger.orders.passes import active_pass_clause
from cliffhanger.pricing import service as pricing
from cliffhanger.subscriptions.service import live_subscription_clause


def series_wide_access(
    session: Session, viewer_id: str, series_id: str, now: datetime | None = None
) -> str | None:
    """`"series_pass"` or `"subscription"` when every episode of the series is open, else None."""
    now = now or utcnow()
    has_pass, has_sub = session.execute(select(
        exists().where(active_pass_clause(viewer_id, series_id)),
        exists().where(live_subscription_clause(viewer_id, now)),
    )).one()
    if has_pass:
        return "series_pass"
    if has_sub:
        return "subscription"
    return None


def episode_access(
    session: Session, viewer_id: str, series: Series, episode: Episode,
    now: datetime | None = None,
) -> str | None:
    """Why the viewer may watch the episode (`free`, `coins`, `ad`, `grant`, `series_pass`,
    `subscription`), or None when it is locked for them."""
    if episode.number <= series.free_episodes:
        return "free"
    source = session.scalar(
        select(Entitlement.source).where(
            Entitlement.viewer_id == viewer_id, Entitlement.episode_id == episode.id
        )
    )
    if source is not None:
        return str(source)
    return series_wide_access(session, viewer_id, series.id, now)


def entitled_episode_ids(session: Session, viewer_id: str, series_id: str) -> set[str]:
    return set(
        session.scalars(
            select(Entitlement.episode_id).where(
                Entitlement.viewer_id == viewer_id, Entitlement.series_id == series_id
            )
        )
    )


@dataclass(frozen=True)
class EpisodeAccess:
    episode: Episode
    free: bool
    unlocked: bool
    price_coins: int


def series_access(session: Session, viewer_id: str, series: Series) -> list[EpisodeAccess]:
    """Each ready episode for this viewer: open or not (an entitlement, or a pass or subscription
    covering the whole series) and what it costs them (their locked price, channel discount)."""
    entitled = entitled_episode_ids(session, viewer_id, series.id)
    series_wide = series_wide_access(session, viewer_id, series.id) is not None
    price = pricing.episode_price(session, viewer_id, series)
    out = []
    for ep in ready_episodes(session, series.id):
        free = is_free(series, ep)
        out.append(
            EpisodeAccess(
                episode=ep, free=free, unlocked=free or series_wide or ep.id in entitled,
                price_coins=0 if free else price,
            )
        )
    return out


def cost_to_finish(access: list[EpisodeAccess]) -> int:
    """What the still-locked episodes of a series cost this viewer, all told."""
    return sum(a.price_coins for a in access if not a.unlocked)


def may_watch(session: Session, viewer_id: str, series: Series, episode: Episode) -> bool:
    """Free, entitled, or covered by a pass or subscription at this moment (commerce.access)."""
    return episode_access(session, viewer_id, series, episode) is not None
