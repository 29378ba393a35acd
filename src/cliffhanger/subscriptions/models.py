"""Tables of the subscriptions domain."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.kit.db import Base, UTCDateTime, enum_column, new_id, utcnow
from cliffhanger.pricing.models import Period


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
    period: Mapped[Period] = mapped_column(enum_column(Period))
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus), default=SubscriptionStatus.active
    )
    periods_paid: Mapped[int] = mapped_column(Integer, default=1)
    current_period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
