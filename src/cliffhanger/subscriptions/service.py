"""Subscriptions: every series while active.

Lifecycle: a paid subscription order starts one (period 1); each paid renewal order extends it by
one period from the end of the last one (never from "now", so a late renewal does not shorten
what was paid for); a failed renewal moves it to `past_due` with access until `grace_until`;
`cancel` stops renewals and keeps access until the period ends; `expire_due` marks the ones that
ran out; a full refund or a revoke ends access at once.

Access itself is never read from `status` alone: `commerce.access.subscription_grants_access`
compares the period and grace ends with the request's clock, so a late periodic task can neither
extend nor cut access.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, literal, or_, select
from sqlalchemy.orm import Session

from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Conflict, NotFound
from cliffhanger.pricing.models import Period
from cliffhanger.subscriptions.models import Subscription, SubscriptionStatus

ENDED = (SubscriptionStatus.expired, SubscriptionStatus.refunded, SubscriptionStatus.revoked)


def add_period(start: datetime, period: Period) -> datetime:
    if period is Period.weekly:
        return start + timedelta(days=7)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month, day=min(start.day, monthrange(year, month)[1]))


def lock(session: Session, subscription_id: str) -> Subscription | None:
    return session.scalar(
        select(Subscription).where(Subscription.id == subscription_id).with_for_update()
        .execution_options(populate_existing=True)
    )


def viewer_subscription(session: Session, viewer_id: str, subscription_id: str) -> Subscription:
    sub = lock(session, subscription_id)
    if sub is None or sub.viewer_id != viewer_id:
        raise NotFound("No such subscription.")
    return sub


def list_for_viewer(session: Session, viewer_id: str) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription).where(Subscription.viewer_id == viewer_id)
            .order_by(Subscription.created_at.desc())
        )
    )


def renew(sub: Subscription, period_index: int, now: datetime) -> str:
    """Extend by one paid period (idempotent on `period_index`)."""
    if period_index <= sub.periods_paid:
        return "renewal already applied"
    if sub.status in (SubscriptionStatus.refunded, SubscriptionStatus.revoked):
        return f"ignored: subscription is {sub.status}"
    start = sub.current_period_end
    if sub.status is SubscriptionStatus.expired:
        start = max(start, now)  # paid after it lapsed: the new period starts now
    sub.current_period_start = start
    sub.current_period_end = add_period(start, sub.period)
    sub.periods_paid = period_index
    sub.status = SubscriptionStatus.active
    sub.grace_until = None
    sub.ended_at = None
    sub.updated_at = now
    return "renewed"


def renewal_failed(sub: Subscription, grace: timedelta, now: datetime) -> str:
    if sub.status is not SubscriptionStatus.active:
        return f"ignored: subscription is {sub.status}"
    sub.status = SubscriptionStatus.past_due
    sub.grace_until = sub.current_period_end + grace
    sub.updated_at = now
    return "past due"


def cancel(session: Session, viewer_id: str, subscription_id: str, now: datetime) -> Subscription:
    """Stop renewing; access continues until the current period (or grace) ends."""
    sub = viewer_subscription(session, viewer_id, subscription_id)
    if sub.status in ENDED:
        raise Conflict(f"This subscription has already ended ({sub.status}).",
                       code="subscription_ended")
    sub.cancel_at_period_end = True
    sub.updated_at = now
    return sub


def resume(session: Session, viewer_id: str, subscription_id: str, now: datetime) -> Subscription:
    """Undo a cancellation before the period ends."""
    sub = viewer_subscription(session, viewer_id, subscription_id)
    if sub.status in ENDED or now >= sub.current_period_end:
        raise Conflict("This subscription has ended; start a new one.", code="subscription_ended")
    sub.cancel_at_period_end = False
    sub.updated_at = now
    return sub


def end(
    session: Session, subscription_id: str, status: SubscriptionStatus, now: datetime
) -> str:
    """Refund or revoke: access ends now."""
    assert status in (SubscriptionStatus.refunded, SubscriptionStatus.revoked)
    sub = lock(session, subscription_id)
    if sub is None:
        return "unknown subscription"
    if sub.status in (SubscriptionStatus.refunded, SubscriptionStatus.revoked):
        return f"already {sub.status}"
    sub.status, sub.ended_at, sub.updated_at = status, now, now
    return str(status)


def expire_due(session: Session, now: datetime, limit: int = 500) -> int:
    """Mark subscriptions whose paid period (and grace) ran out as expired."""
    count = 0
    for sub in session.scalars(
        select(Subscription)
        .where(Subscription.status.in_((SubscriptionStatus.active, SubscriptionStatus.past_due)),
               Subscription.current_period_end <= now)
        .with_for_update().limit(limit)
    ):
        if sub.status is SubscriptionStatus.past_due and sub.grace_until and sub.grace_until > now:
            continue
        if sub.status is SubscriptionStatus.active and not sub.cancel_at_period_end and (
            sub.grace_until is None and sub.current_period_end > now - timedelta(minutes=5)
        ):
            continue  # the renewal may still be on its way; leave it a few minutes
        sub.status, sub.ended_at, sub.updated_at = SubscriptionStatus.expired, now, now
        count += 1
    return count


def due_for_renewal(
    session: Session, provider: str, now: datetime, limit: int = 200
) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.provider == provider,
                   Subscription.status == SubscriptionStatus.active,
                   Subscription.cancel_at_period_end.is_(False),
                   Subscription.current_period_end <= now)
            .limit(limit)
        )
    )


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


def active_subscription(
    session: Session, viewer_id: str, now: datetime | None = None
) -> Subscription | None:
    now = now or utcnow()
    return session.scalar(
        select(Subscription).where(live_subscription_clause(viewer_id, now))
        .order_by(Subscription.current_period_end.desc()).limit(1)
    )
