"""Orders: what a viewer buys through a payment provider, and the effects of paying or refunding.

States: created → pending → paid | failed | cancelled; paid → refunded. A provider's confirmed
payment is authoritative: it moves a failed or cancelled order to paid (the money was taken), but
never a refunded one. A refund that arrives before the payment marks the order refunded with no
effect at all, and the late payment is then ignored.

Every effect is booked with an idempotency key derived from the order (`order:<id>:…`), and the
handlers lock the order row first, so an order is paid, credited and refunded at most once however
often and in whatever order its events arrive.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import Viewer
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Series
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Conflict, Invalid, NotFound
from cliffhanger.ledger import clawback
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import (
    SYSTEM_OWNER,
    AccountKind,
    CoinLot,
    LedgerAccount,
    LotKind,
    Transfer,
    TransferKind,
)
from cliffhanger.ledger.service import check_idempotency_key
from cliffhanger.orders import limits, passes
from cliffhanger.orders.models import Order, OrderStatus, PassStatus, SeriesPass
from cliffhanger.pricing import offers
from cliffhanger.pricing.models import Offer, OfferKind
from cliffhanger.subscriptions import service as subscriptions
from cliffhanger.subscriptions.models import Subscription, SubscriptionStatus

SANDBOX = "sandbox"
TIKTOK = "tiktok_minis"
PROVIDERS = (SANDBOX, TIKTOK)
ORDER_PENDING_TTL = timedelta(hours=1)
"""An order nobody paid within this long is cancelled by the sweep."""
NEVER_PAID = (OrderStatus.created, OrderStatus.pending, OrderStatus.failed, OrderStatus.cancelled)


def payment_key(order_id: str) -> str:
    return f"order:{order_id}:payment"


def coins_key(order_id: str) -> str:
    return f"order:{order_id}:coins"


def bonus_key(order_id: str) -> str:
    return f"order:{order_id}:bonus"


def check_provider(settings: Settings, provider: str) -> None:
    if provider == SANDBOX and settings.sandbox_payments:
        return
    if provider == TIKTOK and settings.tiktok_client_key and settings.tiktok_client_secret:
        return
    raise Invalid(f"The payment provider {provider!r} is not available here.", field="provider",
                  code="provider_unavailable")


def viewer_order(session: Session, viewer_id: str, order_id: str) -> Order:
    order = session.get(Order, order_id)
    if order is None or order.viewer_id != viewer_id:
        raise NotFound("No such order.")
    return order


def lock_order(session: Session, order_id: str) -> Order | None:
    return session.scalar(
        select(Order).where(Order.id == order_id).with_for_update()
        .execution_options(populate_existing=True)
    )


def find_order(
    session: Session, provider: str, *, order_id: str | None, external_id: str | None
) -> Order | None:
    """The order an event names (our id, or the provider's), locked."""
    found: str | None = None
    if order_id:
        order = session.get(Order, order_id)
        found = order.id if order is not None and order.provider == provider else None
    if found is None and external_id:
        found = session.scalar(
            select(Order.id).where(Order.provider == provider, Order.external_id == external_id)
        )
    return lock_order(session, found) if found else None


def create_order(
    session: Session, settings: Settings, viewer_id: str, *, offer_id: str, provider: str,
    idempotency_key: str, now: datetime | None = None,
) -> tuple[Order, bool]:
    """Record an order (idempotent on the viewer's key). Sandbox orders are pending at once;
    TikTok orders stay `created` until `providers.tiktok.start_order` has a trade order."""
    now = now or utcnow()
    check_idempotency_key(idempotency_key)
    check_provider(settings, provider)
    ledger.lock_wallet(session, viewer_id)  # serialises spend caps and one-per-viewer checks
    existing = session.scalar(
        select(Order).where(Order.viewer_id == viewer_id, Order.idempotency_key == idempotency_key)
    )
    if existing is not None:
        if (existing.offer_id, existing.provider) != (offer_id, provider):
            raise Conflict("This idempotency key was already used for another order.",
                           code="idempotency_key_reused")
        return existing, False
    offer = offers.active_offer(session, offer_id)
    amount, currency = offer.price_minor, offer.currency
    if provider == TIKTOK:
        viewer = session.get(Viewer, viewer_id)
        if viewer is None or not viewer.tiktok_open_id:
            raise Conflict("Log in with TikTok first to pay with Beans.",
                           code="tiktok_login_required")
        if offer.tiktok_beans is None or offer.kind is OfferKind.subscription:
            raise Invalid("This offer is not sold inside TikTok Minis.", field="offer_id",
                          code="offer_unavailable")
        amount, currency = offer.tiktok_beans, "BEANS"
    _check_not_owned(session, viewer_id, offer, now)
    limits.check(session, settings, viewer_id, currency, amount, now)
    order = Order(
        viewer_id=viewer_id, offer_id=offer.id, kind=offer.kind, provider=provider,
        status=OrderStatus.created, idempotency_key=idempotency_key, amount_minor=amount,
        currency=currency, coins=offer.coins, bonus_coins=offer.bonus_coins,
        bonus_expires_days=offer.bonus_expires_days, series_id=offer.series_id,
        period_index=1 if offer.kind is OfferKind.subscription else None,
        created_at=now, updated_at=now,
    )
    session.add(order)
    session.flush()
    if provider == SANDBOX:
        order.external_id = f"sbx_{order.id}"
        order.status = OrderStatus.pending
        order.is_sandbox = True
    session.flush()
    return order, True


def _check_not_owned(session: Session, viewer_id: str, offer: Offer, now: datetime) -> None:
    if offer.kind is OfferKind.series_pass:
        assert offer.series_id is not None
        catalog.viewable_series(session, offer.series_id)
        if passes.active_pass(session, viewer_id, offer.series_id) is not None:
            raise Conflict("You already hold a pass for this series.", code="already_owned")
    if offer.kind is OfferKind.subscription and subscriptions.active_subscription(
        session, viewer_id, now
    ) is not None:
        raise Conflict("You already have an active subscription.", code="already_subscribed")


def set_pending(session: Session, order_id: str, external_id: str, now: datetime) -> Order:
    order = lock_order(session, order_id)
    assert order is not None
    if order.status is OrderStatus.created:
        order.status = OrderStatus.pending
    if order.external_id is None:
        order.external_id = external_id
    order.updated_at = now
    return order


# ----- effects ---------------------------------------------------------------------------------


def _is_test_money(order: Order) -> bool:
    return order.is_sandbox or order.provider == SANDBOX


def _sales_account(session: Session, order: Order) -> LedgerAccount:
    if _is_test_money(order):
        return ledger.account(session, AccountKind.sandbox_sales, order.provider, order.currency)
    if order.kind is OfferKind.series_pass and order.series_id:
        series = session.get(Series, order.series_id)
        if series is not None:
            return ledger.account(session, AccountKind.org_sales, series.organisation_id,
                                  order.currency)
    return ledger.account(session, AccountKind.sales, SYSTEM_OWNER, order.currency)


def mark_paid(
    session: Session, settings: Settings, order: Order, *, now: datetime,
    external_id: str | None = None, is_sandbox: bool = False, provider_ref: str | None = None,
) -> str:
    """Book a confirmed payment and deliver what was bought. The caller holds the order lock."""
    if order.status in (OrderStatus.paid, OrderStatus.refunded):
        return f"already {order.status}"
    if external_id and order.external_id and order.external_id != external_id:
        return f"ignored: the event names provider order {external_id}, ours is {order.external_id}"
    order.external_id = order.external_id or external_id
    order.is_sandbox = order.is_sandbox or is_sandbox
    clearing = ledger.account(session, AccountKind.provider_clearing, order.provider,
                              order.currency)
    ledger.post_transfer(
        session, key=payment_key(order.id), kind=TransferKind.payment, debit=clearing,
        credit=_sales_account(session, order), amount=order.amount_minor,
        viewer_id=order.viewer_id, order_id=order.id, memo=f"{order.kind} {order.offer_id}",
        now=now,
    )
    if order.kind is OfferKind.coin_pack:
        if order.coins > 0:
            ledger.grant_coins(
                session, order.viewer_id, order.coins, lot_kind=LotKind.paid,
                key=coins_key(order.id), kind=TransferKind.purchase, order_id=order.id,
                memo=f"bought {order.offer_id}", now=now,
            )
        if order.bonus_coins > 0:
            expires = (now + timedelta(days=order.bonus_expires_days)
                       if order.bonus_expires_days else None)
            ledger.grant_coins(
                session, order.viewer_id, order.bonus_coins, lot_kind=LotKind.bonus,
                key=bonus_key(order.id), kind=TransferKind.purchase_bonus, expires_at=expires,
                order_id=order.id, memo=f"bonus with {order.offer_id}", now=now,
            )
    elif order.kind is OfferKind.series_pass:
        assert order.series_id is not None
        session.add(SeriesPass(viewer_id=order.viewer_id, series_id=order.series_id,
                               order_id=order.id, granted_at=now))
    elif order.kind is OfferKind.subscription:
        apply_paid_order(session, order, provider_ref=provider_ref, now=now)
    order.status = OrderStatus.paid
    order.paid_at = order.paid_at or now
    order.failure_reason = None
    order.updated_at = now
    session.flush()
    return "paid"


def mark_unpaid(order: Order, status: OrderStatus, reason: str, now: datetime) -> str:
    """Record that the viewer declined or abandoned the payment (only before it was paid)."""
    assert status in (OrderStatus.failed, OrderStatus.cancelled)
    if order.status not in (OrderStatus.created, OrderStatus.pending):
        return f"ignored: order is {order.status}"
    order.status = status
    order.failure_reason = reason[:200]
    order.updated_at = now
    return str(status)


def _coins_for(total: int, refunded: int, amount: int) -> int:
    """Coins of `total` that a refund of `refunded` out of `amount` takes back (rounded up)."""
    return math.ceil(total * refunded / amount) if refunded else 0


def refund(
    session: Session, order: Order, *, amount_minor: int | None, ref: str, now: datetime
) -> str:
    """Book a refund of `amount_minor` (None: the rest of the order). The caller holds the order
    lock; `ref` (the inbox event id) keys the bookings so each refund event counts once."""
    if order.status in NEVER_PAID:
        order.status = OrderStatus.refunded
        order.refunded_minor = order.amount_minor
        order.updated_at = now
        return "refunded before any payment was booked: nothing delivered, nothing to take back"
    old = order.refunded_minor
    wanted = order.amount_minor - old if amount_minor is None else amount_minor
    new = min(order.amount_minor, old + max(0, wanted))
    if new == old:
        return "nothing left to refund"
    clearing = ledger.account(session, AccountKind.provider_clearing, order.provider,
                              order.currency)
    ledger.post_transfer(
        session, key=f"order:{order.id}:refund:{ref}", kind=TransferKind.refund,
        debit=_sales_account(session, order), credit=clearing, amount=new - old,
        viewer_id=order.viewer_id, order_id=order.id, memo="refund", now=now,
    )
    outcome = f"refunded {new - old} {order.currency}"
    full = new >= order.amount_minor
    if order.kind is OfferKind.coin_pack:
        result = clawback.claw_back(
            session, order.viewer_id,
            paid_coins=_coins_for(order.coins, new, order.amount_minor)
            - _coins_for(order.coins, old, order.amount_minor),
            bonus_coins=_coins_for(order.bonus_coins, new, order.amount_minor)
            - _coins_for(order.bonus_coins, old, order.amount_minor),
            key=f"order:{order.id}:clawback:{ref}", order_id=order.id,
            prefer_lot_ids=_order_lots(session, order.id), now=now, memo="order refunded",
        )
        outcome += (f"; took back {result.paid_taken} paid and {result.bonus_taken} bonus coins"
                    f"; {result.debt_added} coins now owed")
    elif order.kind is OfferKind.series_pass and full:
        passes = session.scalars(select(SeriesPass).where(SeriesPass.order_id == order.id))
        for series_pass in passes:
            series_pass.status, series_pass.revoked_at = PassStatus.revoked, now
        outcome += "; pass revoked"
    elif order.kind is OfferKind.subscription and full and order.subscription_id:
        subscriptions.end(session, order.subscription_id, SubscriptionStatus.refunded, now)
        outcome += "; subscription ended"
    order.refunded_minor = new
    if full:
        order.status = OrderStatus.refunded
    order.updated_at = now
    session.flush()
    return outcome


def _order_lots(session: Session, order_id: str) -> tuple[str | None, str | None]:
    rows = session.execute(
        select(Transfer.idempotency_key, CoinLot.id)
        .join(CoinLot, CoinLot.source_transfer_id == Transfer.id)
        .where(Transfer.idempotency_key.in_([coins_key(order_id), bonus_key(order_id)]))
    ).all()
    lots = dict(rows)
    return lots.get(coins_key(order_id)), lots.get(bonus_key(order_id))


def stale_orders(session: Session, now: datetime, limit: int = 200) -> list[Order]:
    return list(
        session.scalars(
            select(Order)
            .where(Order.status.in_((OrderStatus.created, OrderStatus.pending)),
                   Order.created_at <= now - ORDER_PENDING_TTL)
            .limit(limit)
        )
    )


def list_orders(session: Session, viewer_id: str, limit: int = 50) -> list[Order]:
    return list(
        session.scalars(
            select(Order).where(Order.viewer_id == viewer_id)
            .order_by(Order.created_at.desc()).limit(limit)
        )
    )


def apply_paid_order(
    session: Session, order: Order, *, provider_ref: str | None, now: datetime
) -> Subscription:
    """Start a subscription (first order) or apply a renewal order to it."""
    if order.subscription_id is None:
        offer = session.get(Offer, order.offer_id)
        assert offer is not None and offer.period is not None
        sub = Subscription(
            viewer_id=order.viewer_id, offer_id=offer.id, provider=order.provider,
            provider_ref=provider_ref, period=offer.period, status=SubscriptionStatus.active,
            periods_paid=1, current_period_start=now,
            current_period_end=subscriptions.add_period(now, offer.period),
            created_at=now, updated_at=now,
        )
        session.add(sub)
        session.flush()
        order.subscription_id = sub.id
        return sub
    locked = subscriptions.lock(session, order.subscription_id)
    assert locked is not None
    subscriptions.renew(locked, order.period_index or locked.periods_paid + 1, now)
    return locked


def providers_for(settings: Settings, offer: Offer) -> list[str]:
    out = []
    if settings.sandbox_payments:
        out.append(SANDBOX)
    if (settings.tiktok_client_key and settings.tiktok_client_secret and offer.tiktok_beans
            and offer.kind is not OfferKind.subscription):
        out.append(TIKTOK)
    return out


def offer_view(settings: Settings, offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.id, "kind": str(offer.kind), "title": offer.title,
        "price_minor": offer.price_minor, "currency": offer.currency,
        "tiktok_beans": offer.tiktok_beans, "coins": offer.coins, "bonus_coins": offer.bonus_coins,
        "bonus_expires_days": offer.bonus_expires_days,
        "period": str(offer.period) if offer.period else None, "series_id": offer.series_id,
        "providers": providers_for(settings, offer),
    }
