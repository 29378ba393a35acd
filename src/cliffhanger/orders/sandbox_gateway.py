"""The sandbox provider's own side: its hosted checkout page and the events it sends us.

Everything here plays the payment provider. It never changes an order directly: it only sends
signed webhooks, which reach our side (`commerce.webhooks`) the way a real provider's would,
through the queue (`commerce.sandbox_deliver`), signed at delivery time, retried on failure.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Conflict, Invalid, NotFound
from cliffhanger.kit.runtime import Runtime
from cliffhanger.orders.models import Order, OrderStatus
from cliffhanger.orders.providers import sandbox
from cliffhanger.pricing.models import Offer, OfferKind
from cliffhanger.subscriptions import service as subscriptions

PAYABLE = (OrderStatus.created, OrderStatus.pending, OrderStatus.failed, OrderStatus.cancelled)


@dataclass(frozen=True)
class CheckoutView:
    order_id: str
    title: str
    amount_minor: int
    currency: str
    status: str
    is_subscription: bool
    token: str
    return_path: str

    @property
    def price(self) -> str:
        return f"{self.amount_minor / 100:.2f} {self.currency}"


def checkout_view(session: Session, rt: Runtime, order_id: str, token: str) -> CheckoutView:
    return_path = sandbox.read_checkout_token(rt.settings, order_id, token)
    order = session.get(Order, order_id)
    if order is None or order.provider != sandbox.NAME:
        raise NotFound("No such checkout.")
    offer = session.get(Offer, order.offer_id)
    return CheckoutView(
        order_id=order.id, title=offer.title if offer else order.offer_id,
        amount_minor=order.amount_minor, currency=order.currency, status=str(order.status),
        is_subscription=order.kind is OfferKind.subscription, token=token,
        return_path=return_path,
    )


def act(
    rt: Runtime, order_id: str, token: str, action: str, card: str | None = None,
    now: datetime | None = None,
) -> str:
    """The viewer pressed Pay, Decline or Cancel: send the matching webhook. Returns where the
    checkout page sends the viewer next."""
    now = now or utcnow()
    if action not in sandbox.ACTIONS:
        raise Invalid("action must be pay, decline or cancel.", field="action")
    with rt.db.session() as session:
        view = checkout_view(session, rt, order_id, token)
        order = session.get(Order, order_id)
        assert order is not None
        closed = order.status not in PAYABLE
        if closed or (action != "pay" and order.status is not OrderStatus.pending):
            raise Conflict(f"This order is already {order.status}.", code="order_closed")
        data: dict[str, Any] = {
            "order_id": order.id, "payment_id": order.external_id, "amount": order.amount_minor,
            "currency": order.currency,
        }
    if action == "pay" and view.is_subscription:
        data["payment_method"] = (sandbox.CARD_DECLINES_RENEWALS
                                  if card == sandbox.CARD_DECLINES_RENEWALS else sandbox.CARD_OK)
    if action == "decline":
        data["reason"] = "card declined (sandbox)"
    emit(rt, sandbox.checkout_event_id(order_id, action), sandbox.ACTIONS[action], data, now)
    sep = "&" if "?" in view.return_path else "?"
    return f"{view.return_path}{sep}order_id={order_id}&checkout={action}"


def emit(rt: Runtime, event_id: str, event_type: str, data: dict[str, Any],
         now: datetime | None = None) -> None:
    created = int((now or utcnow()).timestamp())
    body = sandbox.event_body(event_id, event_type, data, created)
    rt.queue.enqueue(sandbox.DELIVER_TASK, body.decode())


def deliver(rt: Runtime, body: str) -> None:
    """Sign and send one event (signed now, as a provider signs each delivery attempt)."""
    raw = body.encode()
    headers = sandbox.signed(rt.settings, raw, int(time.time()))
    url = rt.settings.sandbox_webhook_url
    if url:
        response = httpx.post(url, content=raw, headers=headers, timeout=10)
        response.raise_for_status()  # a failed delivery is retried by the queue
        return
    from cliffhanger.orders import webhooks

    webhooks.receive(rt, "sandbox", raw, headers)


def refund(rt: Runtime, order_id: str, amount_minor: int | None = None,
           now: datetime | None = None) -> None:
    """The provider refunds an order (what an operator does in a provider's dashboard)."""
    with rt.db.session() as session:
        order = session.get(Order, order_id)
        if order is None or order.provider != sandbox.NAME:
            raise NotFound("No such sandbox order.")
        amount = order.amount_minor - order.refunded_minor if amount_minor is None else amount_minor
    seed = f"{order_id}:{amount}:{time.time_ns()}".encode()
    refund_id = "re_" + hashlib.sha256(seed).hexdigest()[:20]
    emit(rt, "evt_" + refund_id, "charge.refunded",
         {"order_id": order_id, "amount": amount, "refund_id": refund_id}, now)


def renew_due(rt: Runtime, now: datetime | None = None) -> int:
    """Charge due sandbox subscriptions: the saved card either pays or declines every renewal.
    Event ids are per period, so a charge sent twice (two sweeps) is one renewal."""
    now = now or utcnow()
    sent = 0
    with rt.db.session() as session:
        due = [
            (s.id, s.periods_paid + 1, s.provider_ref, s.offer_id)
            for s in subscriptions.due_for_renewal(session, sandbox.NAME, now)
        ]
        prices = {
            o.id: (o.price_minor, o.currency)
            for o in session.scalars(select(Offer).where(Offer.id.in_({d[3] for d in due})))
        }
    for sub_id, index, card, offer_id in due:
        amount, currency = prices.get(offer_id, (0, "USD"))
        if card == sandbox.CARD_DECLINES_RENEWALS:
            emit(rt, f"evt_rf_{sub_id}_{index}", "subscription.renewal_failed",
                 {"subscription_id": sub_id, "period_index": index}, now)
        else:
            emit(rt, f"evt_rn_{sub_id}_{index}", "subscription.renewed", {
                "subscription_id": sub_id, "period_index": index, "amount": amount,
                "currency": currency, "payment_id": f"sbx_rn_{sub_id}_{index}",
            }, now)
        sent += 1
    return sent


def signed_event(rt: Runtime, event_id: str, event_type: str, data: dict[str, Any],
                 timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """A signed sandbox webhook request (body, headers), exactly as the provider sends it."""
    body = sandbox.event_body(event_id, event_type, data, int(time.time()))
    return body, sandbox.signed(rt.settings, body, timestamp)
