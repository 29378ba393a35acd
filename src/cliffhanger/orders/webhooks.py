"""Payment webhooks: authenticated provider events go through the inbox (`inbox.service`) and
are applied here exactly once.

1. `receive` authenticates the raw request (the provider's signature on the raw bytes, checked in
   constant time with a timestamp tolerance) and turns it into provider-neutral events;
2. `record` inserts each event with ON CONFLICT DO NOTHING on (provider, external id) and asks for
   the handling task only when the row is new, after the commit, so the HTTP answer is fast;
3. `handle` (in the queue) locks the inbox row, skips it when `handled_at` is set, applies the
   effect and stamps `handled_at` in the same transaction. Effects are also idempotent on the
   order or session they touch, so an event that comes twice under two ids, or a query-API answer
   racing the webhook, still has one effect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import Viewer
from cliffhanger.inbox import service as inbox
from cliffhanger.inbox.models import WebhookEvent
from cliffhanger.inbox.service import EventType, InboundEvent
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import NotFound
from cliffhanger.kit.runtime import Runtime
from cliffhanger.orders import service as orders
from cliffhanger.orders.models import Order, OrderStatus
from cliffhanger.orders.providers import sandbox, tiktok
from cliffhanger.pricing.models import Offer, OfferKind
from cliffhanger.subscriptions import service as subscriptions
from cliffhanger.subscriptions.models import Subscription, SubscriptionStatus

log = logging.getLogger(__name__)

HANDLE_TASK = "commerce.handle_webhook"
Parser = Callable[[Settings, bytes, dict[str, str], float], list[InboundEvent]]
PARSERS: dict[str, Parser] = {"sandbox": sandbox.parse_webhook, "tiktok": tiktok.parse_webhook}
"""URL name → parser (the URL says `tiktok`; the provider is `tiktok_minis`)."""


def record(
    session: Session, event: InboundEvent, payload: str, now: datetime | None = None
) -> tuple[str, bool]:
    """Put one payment event in the inbox, to be applied by `HANDLE_TASK`."""
    return inbox.record(session, event, payload, HANDLE_TASK, now)


def receive(
    rt: Runtime, url_name: str, raw: bytes, headers: Mapping[str, str], now: datetime | None = None
) -> list[tuple[str, bool]]:
    """Authenticate and record one inbound webhook request."""
    parser = PARSERS.get(url_name)
    if parser is None or (url_name == "sandbox" and not rt.settings.sandbox_payments):
        raise NotFound("No such webhook.")
    now = now or utcnow()
    lowered = {k.lower(): v for k, v in headers.items()}
    events = parser(rt.settings, raw, lowered, now.timestamp())
    payload = raw.decode("utf-8", errors="replace")
    with rt.db.session() as session:
        return [record(session, e, payload, now) for e in events]


def handle(
    session: Session, settings: Settings, event_id: str, now: datetime | None = None
) -> str | None:
    """Apply one payment event exactly once; returns its outcome (None: already handled)."""
    now = now or utcnow()
    return inbox.apply(
        session, event_id, lambda row, data: dispatch(session, settings, row, data, now), now
    )


def dispatch(
    session: Session, settings: Settings, row: WebhookEvent, data: dict[str, Any], now: datetime
) -> str:
    kind = row.event_type
    if kind in (EventType.RENEWED, EventType.RENEWAL_FAILED, EventType.REVOKED):
        return _subscription_event(session, settings, row, data, now)
    order = orders.find_order(session, row.provider, order_id=data.get("order_id"),
                              external_id=data.get("external_id"))
    if order is None:
        return "ignored: unknown order"
    open_id = data.get("open_id")
    if open_id:
        viewer = session.get(Viewer, order.viewer_id)
        if viewer is None or viewer.tiktok_open_id != open_id:
            return "ignored: the event is for another TikTok user"
    if kind == EventType.PAID:
        return orders.mark_paid(
            session, settings, order, now=now, external_id=data.get("external_id"),
            is_sandbox=bool(data.get("is_sandbox")), provider_ref=data.get("payment_method"),
        )
    if kind == EventType.FAILED:
        reason = str(data.get("reason") or "declined")
        return orders.mark_unpaid(order, OrderStatus.failed, reason, now)
    if kind == EventType.CANCELLED:
        return orders.mark_unpaid(order, OrderStatus.cancelled, "cancelled by the viewer", now)
    if kind == EventType.REFUND:
        amount = data.get("amount")
        return orders.refund(session, order, amount_minor=None if amount is None else int(amount),
                             ref=row.id, now=now)
    return f"ignored: unknown event type {kind}"


def _subscription_event(
    session: Session, settings: Settings, row: WebhookEvent, data: dict[str, Any], now: datetime
) -> str:
    sub_id = str(data.get("subscription_id") or "")
    sub = session.get(Subscription, sub_id)
    if sub is None or sub.provider != row.provider:
        return "ignored: unknown subscription"
    if row.event_type == EventType.REVOKED:
        return subscriptions.end(session, sub.id, SubscriptionStatus.revoked, now)
    index = int(data.get("period_index") or sub.periods_paid + 1)
    if row.event_type == EventType.RENEWAL_FAILED:
        locked = subscriptions.lock(session, sub.id)
        assert locked is not None
        if index <= locked.periods_paid:
            return "ignored: that period is paid"
        return subscriptions.renewal_failed(
            locked, timedelta(hours=settings.subscription_grace_hours), now)
    key = f"renewal:{sub.id}:{index}"
    order = session.scalar(
        select(Order).where(Order.viewer_id == sub.viewer_id, Order.idempotency_key == key)
    )
    if order is None:
        offer = session.get(Offer, sub.offer_id)
        assert offer is not None
        order = Order(
            viewer_id=sub.viewer_id, offer_id=sub.offer_id, kind=OfferKind.subscription,
            provider=sub.provider, status=OrderStatus.pending, idempotency_key=key,
            amount_minor=int(data.get("amount") or offer.price_minor),
            currency=str(data.get("currency") or offer.currency), subscription_id=sub.id,
            period_index=index, external_id=data.get("payment_id"),
            is_sandbox=sub.provider == sandbox.NAME, created_at=now, updated_at=now,
        )
        session.add(order)
        session.flush()
    locked_order = orders.lock_order(session, order.id)
    assert locked_order is not None
    return orders.mark_paid(session, settings, locked_order, now=now)
