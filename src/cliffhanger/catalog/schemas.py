from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SeriesSummary(BaseModel):
    id: str
    title: str
    synopsis: str
    poster_url: str | None
    episode_count: int
    free_episodes: int
    price_coins: int


class SeriesList(BaseModel):
    items: list[SeriesSummary]


class EpisodeView(BaseModel):
    id: str
    number: int
    title: str
    duration_s: float
    free: bool
    price_coins: int
    unlocked: bool
    poster_url: str | None


class SeriesDetail(BaseModel):
    id: str
    title: str
    synopsis: str
    poster_url: str | None
    free_episodes: int
    price_coins: int
    episodes: list[EpisodeView]
    cost_to_finish_coins: int


class SeriesCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    synopsis: str = Field(default="", max_length=5000)
    free_episodes: int = Field(default=3, ge=0, le=500)
    price_coins: int = Field(default=80, ge=0, le=100_000)


class StudioSeries(BaseModel):
    id: str
    title: str
    synopsis: str
    free_episodes: int
    price_coins: int
    created_at: datetime


class StudioEpisode(BaseModel):
    id: str
    series_id: str
    number: int
    title: str
    status: str
    error: str | None
    progress: float
    attempts: int
    duration_s: float
    width: int
    height: int
    encrypted: bool
    renditions: list[str]


class StudioSeriesDetail(StudioSeries):
    episodes: list[StudioEpisode]
