from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PlaybackResponse(BaseModel):
    episode_id: str
    manifest_url: str
    expires_at: datetime
    poster_url: str | None
