"""Tables of the orders domain: orders, series passes, spend limits and viewers' TikTok tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.kit.db import Base, UTCDateTime, enum_column, new_id, utcnow
from cliffhanger.pricing.models import OfferKind


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
    kind: Mapped[OfferKind] = mapped_column(enum_column(OfferKind))
    provider: Mapped[str] = mapped_column(String(24))
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus), default=OrderStatus.created
    )
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
    status: Mapped[PassStatus] = mapped_column(enum_column(PassStatus), default=PassStatus.active)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


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
