"""API shapes of the analytics domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class EventItem(BaseModel):
    event_id: str = Field(max_length=200, description="Client-generated UUID; replays are ignored.")
    type: str = Field(
        max_length=64,
        description="play, progress, complete, swipe_away, unlock_sheet_shown, product_click, "
                    "pause, resume, seek, subtitle_change, share, ad_shown",
    )
    episode_id: str = Field(max_length=64)
    series_id: str | None = Field(default=None, max_length=64)
    position_s: float | None = None
    quartile: int | None = Field(default=None, description="25, 50, 75 or 100; progress only")
    occurred_at: datetime = Field(description="ISO 8601 with a time zone")
    props: dict[str, Any] | None = Field(default=None, description="Small flat object (<= 2 KB)")


class EventBatch(BaseModel):
    events: list[EventItem]


class EventResult(BaseModel):
    accepted: int
    """Events stored by this request."""
    duplicates: int
    """Events already stored earlier (or repeated within the batch) and ignored."""
