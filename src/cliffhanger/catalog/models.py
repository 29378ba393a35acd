"""Tables of the catalog domain."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.db import Base, UTCDateTime, new_id, utcnow


class Series(Base):
    """A season of a show; its pricing policy decides which episodes are free and what the rest cost."""

    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("free_episodes >= 0", name="free_episodes_non_negative"),
        CheckConstraint("price_coins >= 0", name="price_coins_non_negative"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    synopsis: Mapped[str] = mapped_column(Text, default="")
    free_episodes: Mapped[int] = mapped_column(Integer, default=3)
    price_coins: Mapped[int] = mapped_column(Integer, default=80)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EpisodeStatus(enum.StrEnum):
    uploaded = "uploaded"
    """The master is stored and validated; packaging is queued."""
    processing = "processing"
    """A worker is packaging the master (heartbeat_at shows it is alive)."""
    ready = "ready"
    """Every rendition, the poster and the playlists are published."""
    failed = "failed"
    """Packaging failed; `error` says why; the episode can be retried."""


class Episode(Base):
    __tablename__ = "episode"
    __table_args__ = (
        UniqueConstraint("series_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[EpisodeStatus] = mapped_column(
        Enum(EpisodeStatus, native_enum=False, length=16), default=EpisodeStatus.uploaded
    )
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    master_key: Mapped[str] = mapped_column(String(200))
    """Storage key of the master file, named by its SHA-256."""
    master_sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)

    encrypted: Mapped[bool] = mapped_column(default=False)
    content_key: Mapped[bytes | None] = mapped_column(LargeBinary(16), nullable=True)
    """AES-128 key of the published segments; served only by the key server."""
    hls_prefix: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Storage prefix of the published version (master.m3u8, rungs, poster.jpg)."""
    renditions: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Comma-separated rung names of the published version, highest first."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
