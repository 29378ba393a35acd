"""Tables of the catalog domain."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.kit.db import Base, UTCDateTime, new_id, utcnow


class Series(Base):
    """A season of a show; its pricing policy decides which episodes are free and what the rest
    cost."""

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

    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    """Language of `title` and `synopsis` as written (one of the supported locales)."""
    cover_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Storage key of an uploaded cover; without one the first episode's poster is the cover."""
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    """Release date shown to viewers and used for recency; null: the first episode's upload."""
    search_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Case- and accent-folded title, localized titles, tags and cast, for LIKE search.
    Rebuilt by `catalog.metadata.reindex`; null means not indexed yet."""


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
    subtitles_published: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """`<hls_prefix>#<digest>` of the subtitle set last published into the current version;
    a mismatch (new version, changed subtitles) makes the next playback publish them again."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# ----- metadata shown to viewers -----------------------------------------------------------------


class SeriesGenre(Base):
    """A series' genres, from the fixed vocabulary in `catalog.metadata.GENRES`."""

    __tablename__ = "series_genre"

    series_id: Mapped[str] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    genre: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class SeriesTag(Base):
    """A free-form tag of a series (TikTok asks for 1-3; we allow up to ten)."""

    __tablename__ = "series_tag"

    series_id: Mapped[str] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CastMember(Base):
    """A credited performer of a series; at most one is the lead."""

    __tablename__ = "series_cast"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(100), default="")
    lead: Mapped[bool] = mapped_column(Boolean, default=False)


class SeriesLocalization(Base):
    """A series' title and synopsis in one more language."""

    __tablename__ = "series_localization"

    series_id: Mapped[str] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    synopsis: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class EpisodeSubtitle(Base):
    """One language's subtitles of an episode, kept as validated WebVTT text.

    The text lives here rather than only in the blob store so that it survives re-packaging:
    every published version gets its own copy (see `catalog.subtitles.ensure_published`).
    """

    __tablename__ = "episode_subtitle"
    __table_args__ = (UniqueConstraint("episode_id", "lang"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    episode_id: Mapped[str] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str] = mapped_column(String(35))
    label: Mapped[str] = mapped_column(String(64))
    vtt: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    cue_count: Mapped[int] = mapped_column(Integer)
    source_format: Mapped[str] = mapped_column(String(8))
    """`vtt` or `srt` (converted to WebVTT on upload)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# ----- shoppable products ------------------------------------------------------------------------


class Product(Base):
    """Something a series sells: shown as a card while one of its placements is on screen."""

    __tablename__ = "product"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    price_text: Mapped[str] = mapped_column(String(40))
    link: Mapped[str] = mapped_column(String(2000))
    """The only place a click on this product ever redirects to (https, checked on save)."""
    image_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ProductPlacement(Base):
    """A product shown during [start_s, end_s) of one episode of its series."""

    __tablename__ = "product_placement"
    __table_args__ = (
        CheckConstraint("start_s >= 0", name="start_non_negative"),
        CheckConstraint("end_s > start_s", name="end_after_start"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    product_id: Mapped[str] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    episode_id: Mapped[str] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProductClick(Base):
    """One click on a product card, recorded by the redirect (every click counts)."""

    __tablename__ = "product_click"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    placement_id: Mapped[str] = mapped_column(
        ForeignKey("product_placement.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[str] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    viewer_id: Mapped[str | None] = mapped_column(
        ForeignKey("viewer.id", ondelete="SET NULL"), nullable=True, index=True
    )
    """Set when the click URL carried a valid signed viewer reference."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# ----- the viewer's library ----------------------------------------------------------------------


class WatchProgress(Base):
    """Where a viewer is in an episode (saved by the player every few seconds)."""

    __tablename__ = "watch_progress"
    __table_args__ = (Index("ix_watch_progress_viewer_updated", "viewer_id", "updated_at"),)

    viewer_id: Mapped[str] = mapped_column(
        ForeignKey("viewer.id", ondelete="CASCADE"), primary_key=True
    )
    episode_id: Mapped[str] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    position_s: Mapped[float] = mapped_column(Float)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    """Sticky: the viewer reached the end once (a later rewatch does not clear it)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MyListItem(Base):
    """A series a viewer saved to My List."""

    __tablename__ = "my_list_item"

    viewer_id: Mapped[str] = mapped_column(
        ForeignKey("viewer.id", ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[str] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
