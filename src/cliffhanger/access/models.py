"""Tables of the access domain: rewarded-ad sessions (entitlements live in the ledger's tables)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.kit.db import Base, UTCDateTime, enum_column, new_id


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
    status: Mapped[AdStatus] = mapped_column(enum_column(AdStatus), default=AdStatus.started)
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
