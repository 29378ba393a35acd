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
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.kit.db import Base, UTCDateTime, enum_column, utcnow


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
    kind: Mapped[OfferKind] = mapped_column(enum_column(OfferKind))
    title: Mapped[str] = mapped_column(String(100))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    tiktok_beans: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Price in TikTok Beans inside TikTok Minis; null: not sold there."""
    coins: Mapped[int] = mapped_column(Integer, default=0)
    bonus_coins: Mapped[int] = mapped_column(Integer, default=0)
    bonus_expires_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    period: Mapped[Period | None] = mapped_column(enum_column(Period), nullable=True)
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
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 16), primary_key=True)
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


