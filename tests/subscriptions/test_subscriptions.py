"""Subscriptions over a controlled clock: start, renew, cancel at period end, expire, grace after a
failed renewal, refund and revoke. Access is always derived at the moment of the request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from tests.money import (
    add_series,
    assert_sound,
    buy,
    deliver,
    drain,
    new_viewer,
    refund,
)

from cliffhanger.access import rules as access
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.inbox.service import EventType, InboundEvent
from cliffhanger.orders import maintenance
from cliffhanger.orders.models import Order
from cliffhanger.orders.providers.sandbox import CARD_DECLINES_RENEWALS
from cliffhanger.subscriptions.models import Subscription, SubscriptionStatus


def _sub(rt, viewer) -> Subscription:
    with rt.db.session() as session:
        sub = session.scalar(select(Subscription).where(Subscription.viewer_id == viewer))
        session.expunge(sub)
        return sub


def _open(rt, viewer, episode_id, now) -> bool:
    with rt.db.session() as session:
        episode = session.get(Episode, episode_id)
        series = session.get(Series, episode.series_id)
        return access.episode_access(session, viewer, series, episode, now) is not None


def test_weekly_subscription_renews_from_the_end_of_the_paid_period(rt, clock):
    _org, _series, eps = add_series(rt)
    viewer = new_viewer(rt)
    t0 = clock.now
    buy(rt, viewer, "vip-weekly", now=t0)
    sub = _sub(rt, viewer)
    assert sub.status is SubscriptionStatus.active
    assert sub.current_period_end == t0 + timedelta(days=7)
    assert _open(rt, viewer, eps[5], t0 + timedelta(days=6))
    assert not _open(rt, viewer, eps[5], t0 + timedelta(days=7, seconds=1))  # not renewed yet
    report = maintenance.sweep(rt, t0 + timedelta(days=7, minutes=1))
    assert report.renewals_sent == 1
    maintenance.sweep(rt, t0 + timedelta(days=7, minutes=2))  # sent again: same event id
    drain(rt)
    drain(rt)
    sub = _sub(rt, viewer)
    assert (sub.periods_paid, sub.current_period_end) == (2, t0 + timedelta(days=14))
    assert _open(rt, viewer, eps[5], t0 + timedelta(days=10))
    with rt.db.session() as session:
        renewals = session.scalars(select(Order).where(Order.subscription_id == sub.id)).all()
        assert sorted((o.period_index, str(o.status), o.amount_minor) for o in renewals) == [
            (1, "paid", 799), (2, "paid", 799)]
    assert_sound(rt)


def test_cancel_keeps_access_until_the_period_ends_then_expires(rt, clock):
    _org, _series, eps = add_series(rt)
    viewer = new_viewer(rt)
    t0 = clock.now
    buy(rt, viewer, "vip-monthly", now=t0)
    sub = _sub(rt, viewer)
    assert sub.current_period_end == t0.replace(month=2)
    with rt.db.session() as session:
        from cliffhanger.subscriptions import service as subscriptions

        subscriptions.cancel(session, viewer, sub.id, t0 + timedelta(days=3))
    assert _open(rt, viewer, eps[4], t0 + timedelta(days=30))
    end = sub.current_period_end
    assert not _open(rt, viewer, eps[4], end + timedelta(seconds=1))
    report = maintenance.sweep(rt, end + timedelta(minutes=1))
    assert (report.renewals_sent, report.subscriptions_expired) == (0, 1)
    assert _sub(rt, viewer).status is SubscriptionStatus.expired
    assert_sound(rt)


def test_failed_renewal_gives_grace_then_expires(rt, clock):
    _org, _series, eps = add_series(rt)
    viewer = new_viewer(rt)
    t0 = clock.now
    buy(rt, viewer, "vip-weekly", now=t0, card=CARD_DECLINES_RENEWALS)
    end = t0 + timedelta(days=7)
    maintenance.sweep(rt, end + timedelta(minutes=1))
    drain(rt)
    drain(rt)
    sub = _sub(rt, viewer)
    assert sub.status is SubscriptionStatus.past_due
    assert sub.grace_until == end + timedelta(hours=72)
    assert _open(rt, viewer, eps[5], end + timedelta(hours=71))
    assert not _open(rt, viewer, eps[5], end + timedelta(hours=72, seconds=1))
    maintenance.sweep(rt, end + timedelta(hours=73))
    assert _sub(rt, viewer).status is SubscriptionStatus.expired
    assert_sound(rt)


def test_renewal_paid_during_grace_extends_from_the_old_period_end(rt, clock):
    viewer = new_viewer(rt)
    t0 = clock.now
    buy(rt, viewer, "vip-weekly", now=t0)
    sub = _sub(rt, viewer)
    end = sub.current_period_end
    deliver(rt, InboundEvent("sandbox", "evt-fail-2", EventType.RENEWAL_FAILED,
                             {"subscription_id": sub.id, "period_index": 2}), end)
    assert _sub(rt, viewer).status is SubscriptionStatus.past_due
    deliver(rt, InboundEvent("sandbox", "evt-renew-2", EventType.RENEWED,
                             {"subscription_id": sub.id, "period_index": 2, "payment_id": "p2"}),
            end + timedelta(days=1))
    sub = _sub(rt, viewer)
    assert (sub.status, sub.current_period_end, sub.grace_until) == (
        SubscriptionStatus.active, end + timedelta(days=7), None)
    # A late "failed" for a period that is paid changes nothing.
    deliver(rt, InboundEvent("sandbox", "evt-fail-2b", EventType.RENEWAL_FAILED,
                             {"subscription_id": sub.id, "period_index": 2}),
            end + timedelta(days=2))
    assert _sub(rt, viewer).status is SubscriptionStatus.active
    assert_sound(rt)


def test_refund_and_revoke_end_access_at_once(rt, clock):
    _org, _series, eps = add_series(rt)
    t0 = clock.now
    refunded, revoked = new_viewer(rt), new_viewer(rt)
    order = buy(rt, refunded, "vip-weekly", now=t0)
    buy(rt, revoked, "vip-weekly", now=t0)
    refund(rt, order, now=t0 + timedelta(days=1))
    assert _sub(rt, refunded).status is SubscriptionStatus.refunded
    assert not _open(rt, refunded, eps[5], t0 + timedelta(days=1, seconds=1))
    deliver(rt, InboundEvent("sandbox", "evt-revoke", EventType.REVOKED,
                             {"subscription_id": _sub(rt, revoked).id}), t0 + timedelta(days=2))
    assert _sub(rt, revoked).status is SubscriptionStatus.revoked
    assert not _open(rt, revoked, eps[5], t0 + timedelta(days=2, seconds=1))
    assert _open(rt, revoked, eps[0], t0 + timedelta(days=2, seconds=1))  # free episodes stay
    assert_sound(rt)


def test_a_renewal_after_expiry_starts_a_new_period_now(rt, clock):
    viewer = new_viewer(rt)
    t0 = clock.now
    buy(rt, viewer, "vip-weekly", now=t0, card=CARD_DECLINES_RENEWALS)
    sub = _sub(rt, viewer)
    late = t0 + timedelta(days=20)
    maintenance.sweep(rt, late)
    drain(rt)
    drain(rt)
    assert _sub(rt, viewer).status is SubscriptionStatus.expired
    deliver(rt, InboundEvent("sandbox", "evt-renew-late", EventType.RENEWED,
                             {"subscription_id": sub.id, "period_index": 2}), late)
    sub = _sub(rt, viewer)
    assert (sub.status, sub.current_period_start) == (SubscriptionStatus.active, late)
    assert_sound(rt)
