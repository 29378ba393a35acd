"""Who may watch what, derived from the state at the moment of the request.

An episode is open to a viewer when it is free, when they hold an entitlement for it (coins, ad,
grant), when they hold an active pass for its series, or when one of their subscriptions grants
access at `now`. Nothing is cached: a refunded pass or an ended subscription closes the door on
the very next request, without waiting for a periodic task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, literal, or_, select
from sqlalchemy.orm import Session

from cliffhanger.catalog.models import Episode, Series
from cliffhanger.commerce.models import Entitlement
from cliffhanger.commerce.sales_models import (
    PassStatus,
    SeriesPass,
    Subscription,
    SubscriptionStatus,
)
from cliffhanger.db import utcnow

LIVE_SUBSCRIPTION = (SubscriptionStatus.active, SubscriptionStatus.past_due)


def subscription_grants_access(sub: Subscription, now: datetime) -> bool:
    if sub.status not in LIVE_SUBSCRIPTION:
        return False
    if now < sub.current_period_end:
        return True
    return (
        sub.status is SubscriptionStatus.past_due
        and sub.grace_until is not None
        and now < sub.grace_until
    )


def live_subscription_clause(viewer_id: Any, now: Any) -> ColumnElement[bool]:
    """`subscription_grants_access` as SQL, for queries that must not load the rows (values or
    bind parameters)."""
    return and_(
        Subscription.viewer_id == viewer_id,
        Subscription.status.in_([literal(status, Subscription.status.type)
                                 for status in LIVE_SUBSCRIPTION]),  # fixed binds, no expansion
        or_(
            Subscription.current_period_end > now,
            and_(Subscription.status == SubscriptionStatus.past_due,
                 Subscription.grace_until > now),
        ),
    )


def active_pass_clause(viewer_id: Any, series_id: Any) -> ColumnElement[bool]:
    return and_(SeriesPass.viewer_id == viewer_id, SeriesPass.series_id == series_id,
                SeriesPass.status == PassStatus.active)


def active_subscription(
    session: Session, viewer_id: str, now: datetime | None = None
) -> Subscription | None:
    now = now or utcnow()
    return session.scalar(
        select(Subscription).where(live_subscription_clause(viewer_id, now))
        .order_by(Subscription.current_period_end.desc()).limit(1)
    )


def active_pass(session: Session, viewer_id: str, series_id: str) -> SeriesPass | None:
    return session.scalar(
        select(SeriesPass).where(active_pass_clause(viewer_id, series_id)).limit(1)
    )


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
