"""The money sweep, run every minute by the queue (and by tests with a controlled clock):

- expired bonus coins leave through a transfer to the breakage account;
- inbox events whose handling task was lost are handed to the queue again;
- due sandbox subscriptions are charged (the provider side) and ended ones marked expired;
- late TikTok payments are asked for at the query API, and orders nobody paid are cancelled.

Each step is idempotent and safe to run in several workers at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from cliffhanger.inbox import service as inbox
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.runtime import Runtime
from cliffhanger.ledger import clawback
from cliffhanger.orders import sandbox_gateway, tiktok_minis
from cliffhanger.orders import service as orders
from cliffhanger.orders.models import Order, OrderStatus
from cliffhanger.orders.providers import tiktok
from cliffhanger.subscriptions import service as subscriptions

log = logging.getLogger(__name__)
INBOX_RETRY_AFTER = timedelta(minutes=1)


@dataclass
class SweepReport:
    expired_coins: int = 0
    requeued_events: int = 0
    renewals_sent: int = 0
    subscriptions_expired: int = 0
    reconciled_orders: int = 0
    cancelled_orders: int = 0
    errors: list[str] = field(default_factory=list)


def expire_bonus_coins(rt: Runtime, now: datetime) -> int:
    total = 0
    with rt.db.session() as session:
        viewers = clawback.viewers_with_expired_lots(session, now)
    for viewer_id in viewers:
        with rt.db.session() as session:  # one short transaction per wallet
            total += clawback.expire_lots(session, viewer_id, now)
    return total


def sweep(rt: Runtime, now: datetime | None = None) -> SweepReport:
    now = now or utcnow()
    report = SweepReport()
    steps = [
        ("breakage", lambda: setattr(report, "expired_coins", expire_bonus_coins(rt, now))),
        ("inbox", lambda: setattr(report, "requeued_events", _requeue(rt, now))),
        ("renewals", lambda: setattr(report, "renewals_sent", sandbox_gateway.renew_due(rt, now))),
        ("expiry", lambda: setattr(report, "subscriptions_expired", _expire_subs(rt, now))),
        ("orders", lambda: _orders(rt, now, report)),
    ]
    for name, step in steps:
        try:
            step()
        except Exception as exc:  # one failing step must not starve the others
            log.exception("money sweep step %s failed", name)
            report.errors.append(f"{name}: {exc}")
    return report


def _requeue(rt: Runtime, now: datetime) -> int:
    with rt.db.session() as session:
        pending = inbox.unhandled(session, now - INBOX_RETRY_AFTER)
    for event_id, task_name in pending:
        rt.queue.enqueue(task_name, event_id)
    return len(pending)


def _expire_subs(rt: Runtime, now: datetime) -> int:
    with rt.db.session() as session:
        return subscriptions.expire_due(session, now)


def _orders(rt: Runtime, now: datetime, report: SweepReport) -> None:
    with rt.db.session() as session:
        late = list(session.scalars(
            select(Order.id).where(
                Order.provider == tiktok.NAME, Order.status == OrderStatus.pending,
                Order.created_at <= now - timedelta(seconds=rt.settings.tiktok_query_after_s),
            ).limit(100)
        ))
    for order_id in late:
        report.reconciled_orders += int(tiktok_minis.reconcile(rt, order_id, now))
    with rt.db.session() as session:
        for order in orders.stale_orders(session, now):
            locked = orders.lock_order(session, order.id)
            if locked is not None:
                orders.mark_unpaid(locked, OrderStatus.cancelled, "not paid in time", now)
                report.cancelled_orders += 1
