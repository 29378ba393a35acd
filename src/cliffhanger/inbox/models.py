"""The inbox table: one row per external event, unique on (source, external id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.kit.db import Base, UTCDateTime, new_id, utcnow


class WebhookEvent(Base):
    """The inbox: every inbound external event, once per (source, event id). `provider` is the
    source (a payment provider, an ad network, later a publishing platform); `task_name` is the
    queue task that applies it. Its handler stamps `handled_at` in the same transaction as the
    event's effect."""

    __tablename__ = "webhook_event"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(24))
    external_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(80))
    task_name: Mapped[str] = mapped_column(String(64), server_default="commerce.handle_webhook")
    """The queue task that applies this event (see `inbox.service.record`)."""
    payload: Mapped[str] = mapped_column(Text)
    """The event as received (the raw body or query string), for audit."""
    data: Mapped[str] = mapped_column(Text)
    """The provider-neutral event (JSON) the handler acts on."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    outcome: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
