from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from cliffhanger.catalog.schemas import SubtitleTrack


class PlaybackResponse(BaseModel):
    episode_id: str
    manifest_url: str
    """HLS master playlist; lists the subtitle renditions, the viewer's language as DEFAULT."""
    expires_at: datetime
    poster_url: str | None
    subtitles: list[SubtitleTrack] = []
    """The same subtitles as WebVTT files, for players that add `<track>` elements."""
    resume_position_s: float | None = None
    """Where this viewer stopped in this episode (null: start from the beginning)."""
    playlists: dict[str, str] = {}
    """The master playlist and its variant playlists, by the URL each is fetched from (as in
    `manifest_url`; variants resolved against it), with the text that URL answers. A player may
    take them from here instead of fetching them: two round trips fewer before the first frame."""
