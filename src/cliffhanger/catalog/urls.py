"""Public URLs of stored media: posters, covers and other files under the media mount."""

from __future__ import annotations

from cliffhanger.catalog.models import Episode, Series
from cliffhanger.kit.config import Settings


def media_url(settings: Settings, key: str) -> str:
    return f"{settings.media_base_url.rstrip('/')}/{key}"


def poster_url(settings: Settings, episode: Episode) -> str | None:
    if not episode.hls_prefix:
        return None
    return media_url(settings, f"{episode.hls_prefix}/poster.jpg")


def cover_url(settings: Settings, series: Series, first: Episode | None) -> str | None:
    if series.cover_key:
        return media_url(settings, series.cover_key)
    return poster_url(settings, first) if first is not None else None
