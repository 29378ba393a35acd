"""Tables of what viewers buy and how: offers, pricing, orders, the webhook inbox, series passes,
subscriptions, rewarded-ad sessions, spend limits and TikTok tokens.

Each external id has a unique constraint, so the database itself refuses a second effect:
orders on (viewer, idempotency key) and (provider, provider order id), inbox events on
(provider, event id), ad rewards on (viewer, day, slot), passes on their order.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.db import Base, UTCDateTime, new_id, utcnow


def _enum(cls: type[enum.Enum], length: int = 16) -> Enum:
    return Enum(cls, native_enum=False, length=length)


class OfferKind(enum.StrEnum):
    coin_pack = "coin_pack"
    """Coins (plus optional bonus coins) for money."""
    series_pass = "series_pass"  # noqa: S105 (not a password)
    """Every episode of one series, for good (until refunded)."""
    subscription = "subscription"
    """Every series while the subscription is active."""


class Period(enum.StrEnum):
    weekly = "weekly"
    monthly = "monthly"


class Channel(enum.StrEnum):
    web = "web"
    tiktok_minis = "tiktok_minis"


class Offer(Base):
    """Something a viewer can buy. Coin packs and subscriptions are platform offers; a series
    pass offer belongs to one series and is priced by its organisation."""

    __tablename__ = "offer"
    __table_args__ = (
        CheckConstraint("price_minor > 0", name="price_positive"),
        CheckConstraint("coins >= 0 AND bonus_coins >= 0", name="coins_non_negative"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[OfferKind] = mapped_column(_enum(OfferKind))
    title: Mapped[str] = mapped_column(String(100))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    tiktok_beans: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Price in TikTok Beans inside TikTok Minis; null: not sold there."""
    coins: Mapped[int] = mapped_column(Integer, default=0)
    bonus_coins: Mapped[int] = mapped_column(Integer, default=0)
    bonus_expires_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    period: Mapped[Period | None] = mapped_column(_enum(Period), nullable=True)
    series_id: Mapped[str | None] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), nullable=True, index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChannelDiscount(Base):
    """A per-series discount on the per-episode coin price in one sales channel."""

    __tablename__ = "channel_discount"
    __table_args__ = (
        CheckConstraint("discount_bps >= 0 AND discount_bps <= 9000", name="discount_range"),
    )

    series_id: Mapped[str] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[Channel] = mapped_column(_enum(Channel, 16), primary_key=True)
    discount_bps: Mapped[int] = mapped_column(Integer)
    """Basis points off the coin price (1000 = 10 %)."""


class PriceLock(Base):
    """The per-episode coin price a viewer saw when they started a series; never raised after."""

    __tablename__ = "price_lock"

    viewer_id: Mapped[str] = mapped_column(
        ForeignKey("viewer.id", ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[str] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    price_coins: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OrderStatus(enum.StrEnum):
    created = "created"
    """Recorded; the provider has not been asked yet (or asking failed and may be retried)."""
    pending = "pending"
    """The provider knows the order; waiting for the viewer to pay."""
    paid = "paid"
    failed = "failed"
    cancelled = "cancelled"
    refunded = "refunded"
    """Fully refunded (a partial refund keeps `paid` and raises `refunded_minor`)."""


class Order(Base):
    __tablename__ = "purchase_order"
    __table_args__ = (
        UniqueConstraint("viewer_id", "idempotency_key"),
        UniqueConstraint("provider", "external_id"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("refunded_minor >= 0", name="refunded_non_negative"),
        Index("ix_purchase_order_viewer_created", "viewer_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    viewer_id: Mapped[str] = mapped_column(ForeignKey("viewer.id"))
    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id"))
    kind: Mapped[OfferKind] = mapped_column(_enum(OfferKind))
    provider: Mapped[str] = mapped_column(String(24))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), default=OrderStatus.created)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    coins: Mapped[int] = mapped_column(Integer, default=0)
    bonus_coins: Mapped[int] = mapped_column(Integer, default=0)
    bonus_expires_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    series_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    subscription_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    period_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """For subscription orders: 1 for the first period, n for the n-th renewal."""
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """The provider's id of this order (TikTok `trade_order_id`, sandbox payment id)."""
    is_sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookEvent(Base):
    """The inbox: every inbound provider event, once per (provider, event id). Its handler
    stamps `handled_at` in the same transaction as the event's effect."""

    __tablename__ = "webhook_event"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(24))
    external_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(80))
    payload: Mapped[str] = mapped_column(Text)
    """The event as received (the raw body or query string), for audit."""
    data: Mapped[str] = mapped_column(Text)
    """The provider-neutral event (JSON) the handler acts on."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    outcome: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class PassStatus(enum.StrEnum):
    active = "active"
    revoked = "revoked"


class SeriesPass(Base):
    """All episodes of one series for one viewer, bought with one order."""

    __tablename__ = "series_pass"
    __table_args__ = (Index("ix_series_pass_viewer_series", "viewer_id", "series_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    viewer_id: Mapped[str] = mapped_column(ForeignKey("viewer.id", ondelete="CASCADE"))
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    order_id: Mapped[str] = mapped_column(ForeignKey("purchase_order.id"), unique=True)
    status: Mapped[PassStatus] = mapped_column(_enum(PassStatus), default=PassStatus.active)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SubscriptionStatus(enum.StrEnum):
    active = "active"
    """Paid up to `current_period_end` (may be set to stop at period end)."""
    past_due = "past_due"
    """A renewal failed; access continues until `grace_until` while the provider retries."""
    expired = "expired"
    """Ended at period end (cancelled, or grace ran out)."""
    refunded = "refunded"
    """Refunded: access ended at once."""
    revoked = "revoked"
    """Revoked by the provider or an operator (chargeback, fraud): access ended at once."""


class Subscription(Base):
    __tablename__ = "subscription"
    __table_args__ = (Index("ix_subscription_viewer_status", "viewer_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    viewer_id: Mapped[str] = mapped_column(ForeignKey("viewer.id", ondelete="CASCADE"))
    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id"))
    provider: Mapped[str] = mapped_column(String(24))
    provider_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """The provider's handle for charging renewals (a saved payment method)."""
    period: Mapped[Period] = mapped_column(_enum(Period))
    status: Mapped[SubscriptionStatus] = mapped_column(
        _enum(SubscriptionStatus), default=SubscriptionStatus.active
    )
    periods_paid: Mapped[int] = mapped_column(Integer, default=1)
    current_period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdStatus(enum.StrEnum):
    started = "started"
    completed = "completed"
    """Rewarded: the episode was unlocked (or was already unlocked)."""
    rejected = "rejected"
    """Closed early, over the daily cap, or failed verification: no reward, ever."""


class AdSession(Base):
    """A single-use rewarded-ad session bound to one viewer and one episode."""

    __tablename__ = "ad_session"
    __table_args__ = (
        UniqueConstraint("viewer_id", "cap_day", "cap_slot"),
        UniqueConstraint("provider", "reward_ref"),
        Index("ix_ad_session_viewer_day", "viewer_id", "cap_day"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    viewer_id: Mapped[str] = mapped_column(ForeignKey("viewer.id", ondelete="CASCADE"))
    episode_id: Mapped[str] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    series_id: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(16))
    status: Mapped[AdStatus] = mapped_column(_enum(AdStatus), default=AdStatus.started)
    min_watch_s: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cap_day: Mapped[str | None] = mapped_column(String(10), nullable=True)
    """UTC date (YYYY-MM-DD) of the reward that used a slot of the daily cap."""
    cap_slot: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """1..daily_cap: which of the day's ad unlocks this was (unique per viewer and day)."""
    daily_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reward_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """The ad network's reward transaction id (server-side verified providers)."""
    outcome: Mapped[str | None] = mapped_column(String(200), nullable=True)


class SpendLimit(Base):
    """A viewer's own spend limit: coins on unlocks (`unit='coin'`) or money on purchases (unit =
    currency), per UTC day or month. Lowering applies at once; raising after a cooling-off day."""

    __tablename__ = "spend_limit"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_non_negative"),)

    viewer_id: Mapped[str] = mapped_column(
        ForeignKey("viewer.id", ondelete="CASCADE"), primary_key=True
    )
    unit: Mapped[str] = mapped_column(String(8), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    """The limit in force; -1 is stored as no row, never here."""
    raise_to: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """A requested higher limit (or -1: none) that takes effect at `raise_at`."""
    raise_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TikTokToken(Base):
    """A viewer's TikTok user tokens (encrypted at rest), needed to create Beans trade orders."""

    __tablename__ = "viewer_tiktok_token"

    viewer_id: Mapped[str] = mapped_column(
        ForeignKey("viewer.id", ondelete="CASCADE"), primary_key=True
    )
    open_id: Mapped[str] = mapped_column(String(128), unique=True)
    access_token: Mapped[bytes] = mapped_column(LargeBinary)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_token: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scope: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
