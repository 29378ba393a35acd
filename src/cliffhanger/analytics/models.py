"""Tables of the analytics domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.kit.db import Base, UTCDateTime, new_id, utcnow


class WatchEvent(Base):
    """One thing a viewer did in the player, as reported by the app (append-only).

    `(viewer_id, event_id)` is unique: the app retries a batch until it is acknowledged, and a
    replayed event is recognised by the id the client gave it.
    """

    __tablename__ = "watch_event"
    __table_args__ = (
        UniqueConstraint("viewer_id", "event_id"),
        CheckConstraint("quartile IS NULL OR quartile IN (25, 50, 75, 100)", name="quartile_valid"),
        CheckConstraint("position_s IS NULL OR position_s >= 0", name="position_non_negative"),
        # The ranking aggregates read by (type, series) and (type, viewer); see analytics.service.
        Index("ix_watch_event_type_series", "type", "series_id", "viewer_id"),
        Index("ix_watch_event_type_episode", "type", "episode_id", "viewer_id"),
        Index("ix_watch_event_viewer_type", "viewer_id", "type"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    viewer_id: Mapped[str] = mapped_column(ForeignKey("viewer.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    episode_id: Mapped[str] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    position_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    quartile: Mapped[int | None] = mapped_column(Integer, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    props: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Small JSON object of extra fields (validated size and shape)."""
