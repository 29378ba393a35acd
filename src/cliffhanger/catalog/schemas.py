"""API shapes of the catalog: viewer catalogue, discovery, library, and studio metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class GenreRef(BaseModel):
    slug: str
    name: str
    """English name; the app shows its own translation by slug."""


class CastView(BaseModel):
    id: str
    name: str
    role: str
    lead: bool


class SubtitleTrack(BaseModel):
    lang: str
    """BCP 47 tag, e.g. `en`, `pt-BR`."""
    label: str
    url: str | None
    """The WebVTT file for a `<track>`; null while the episode is locked for this viewer."""
    default: bool
    """The track to show by default for this viewer (their language when available)."""


class ProductCardView(BaseModel):
    id: str
    """The placement id (use it in `product_click` events)."""
    product_id: str
    title: str
    image_url: str | None
    price_text: str
    start_s: float
    end_s: float
    click_url: str
    """Open this on tap: it records the click and redirects to the shop."""


class ResumePoint(BaseModel):
    episode_id: str
    number: int
    position_s: float


class SeriesSummary(BaseModel):
    id: str
    title: str
    """In `lang`: the viewer's language when the series has it, else the original."""
    synopsis: str
    poster_url: str | None
    episode_count: int
    free_episodes: int
    price_coins: int
    lang: str
    """Language of `title` and `synopsis`."""
    original_title: str
    language: str
    """The series' original language."""
    cover_url: str | None
    """Uploaded cover, else the first episode's poster."""
    total_runtime_s: float
    genres: list[GenreRef]
    tags: list[str]
    released_at: datetime
    in_my_list: bool


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
    position_s: float | None = None
    """Where this viewer stopped in the episode (null: never started)."""
    watched: bool = False
    """The viewer reached the end of the episode at least once."""
    subtitles: list[SubtitleTrack] = []
    products: list[ProductCardView] = []


class SeriesDetail(BaseModel):
    id: str
    title: str
    synopsis: str
    poster_url: str | None
    free_episodes: int
    price_coins: int
    episodes: list[EpisodeView]
    cost_to_finish_coins: int
    lang: str
    original_title: str
    language: str
    cover_url: str | None
    tags: list[str]
    genres: list[GenreRef]
    cast: list[CastView]
    episode_count: int
    total_runtime_s: float
    released_at: datetime
    in_my_list: bool
    resume: ResumePoint | None
    """Where to pick the series up (null: not started, or finished)."""


# ----- discovery ---------------------------------------------------------------------------------


class FeedEpisode(BaseModel):
    id: str
    number: int
    title: str
    duration_s: float
    poster_url: str | None
    free: bool
    unlocked: bool
    price_coins: int


class FeedItem(BaseModel):
    kind: Literal["continue", "for_you"]
    series: SeriesSummary
    episode: FeedEpisode
    """The opening episode, or for `continue` the episode to resume."""
    position_s: float
    """Where to start playing `episode` (0 unless resuming)."""
    score: float | None
    """The ranking score of a `for_you` item (see docs/discovery.md)."""


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None


class RankingItem(BaseModel):
    rank: int
    series: SeriesSummary
    value: float
    """What the ranking is by: distinct viewers (popular, trending) or release time (new)."""


class RankingList(BaseModel):
    by: str
    items: list[RankingItem]


class GenreInfo(BaseModel):
    slug: str
    name: str
    series_count: int


class GenreList(BaseModel):
    items: list[GenreInfo]


class GenreSeries(BaseModel):
    genre: GenreRef
    items: list[SeriesSummary]


class SearchItem(BaseModel):
    series: SeriesSummary
    matched: list[Literal["title", "tag", "cast"]]


class SearchResult(BaseModel):
    query: str
    items: list[SearchItem]


class ContinueItem(BaseModel):
    series: SeriesSummary
    episode: FeedEpisode
    position_s: float
    updated_at: datetime


class ContinueList(BaseModel):
    items: list[ContinueItem]


class LocaleView(BaseModel):
    code: str
    name: str
    english_name: str


class LocaleList(BaseModel):
    default: str
    detected: str
    """The best supported match of this request's Accept-Language (else the default)."""
    items: list[LocaleView]


# ----- library -----------------------------------------------------------------------------------


class MyListEntry(BaseModel):
    series: SeriesSummary
    added_at: datetime


class MyListPage(BaseModel):
    items: list[MyListEntry]


class MyListState(BaseModel):
    series_id: str
    in_my_list: bool
    added_at: datetime | None


class ProgressIn(BaseModel):
    position_s: float = Field(ge=0, le=100_000)


class ProgressOut(BaseModel):
    episode_id: str
    series_id: str
    position_s: float
    completed: bool
    updated_at: datetime


class HistoryItem(BaseModel):
    series: SeriesSummary
    episode: FeedEpisode
    position_s: float
    completed: bool
    updated_at: datetime


class HistoryList(BaseModel):
    items: list[HistoryItem]


class EpisodeProducts(BaseModel):
    episode_id: str
    items: list[ProductCardView]


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
    language: str = "en"
    published_at: datetime | None = None
    cover_url: str | None = None
    """The uploaded cover (null: the first episode's poster is used)."""
    genres: list[str] = []
    tags: list[str] = []
    cast: list[CastView] = []
    localizations: list[str] = []
    """Languages the series has a translated title and synopsis in."""


# ----- studio metadata ---------------------------------------------------------------------------


class SeriesPatch(BaseModel):
    """Only the fields sent are changed; `published_at: null` clears the release date."""

    title: str | None = Field(default=None, max_length=200)
    synopsis: str | None = Field(default=None, max_length=5000)
    language: str | None = Field(default=None, max_length=16)
    genres: list[str] | None = Field(default=None, max_length=20)
    tags: list[str] | None = Field(default=None, max_length=50)
    published_at: datetime | None = None


class CastIn(BaseModel):
    name: str = Field(max_length=200)
    role: str = Field(default="", max_length=200)
    lead: bool = False


class CastReplace(BaseModel):
    cast: list[CastIn] = Field(max_length=100)


class CastList(BaseModel):
    items: list[CastView]


class LocalizationIn(BaseModel):
    title: str = Field(max_length=400)
    synopsis: str = Field(default="", max_length=10_000)


class LocalizationView(BaseModel):
    lang: str
    title: str
    synopsis: str
    updated_at: datetime


class LocalizationList(BaseModel):
    items: list[LocalizationView]


class StudioSubtitle(BaseModel):
    lang: str
    label: str
    cue_count: int
    source_format: Literal["vtt", "srt"]
    sha256: str
    url: str | None
    """The published WebVTT file (null until the episode is ready)."""
    updated_at: datetime


class StudioSubtitleList(BaseModel):
    items: list[StudioSubtitle]


class ProductIn(BaseModel):
    title: str = Field(max_length=400)
    price_text: str = Field(max_length=200)
    link: str = Field(max_length=4000)
    """https URL the click redirect sends viewers to."""
    image_url: str | None = Field(default=None, max_length=4000)
    """An https image URL; or upload an image with PUT .../image."""


class ProductPatch(BaseModel):
    title: str | None = Field(default=None, max_length=400)
    price_text: str | None = Field(default=None, max_length=200)
    link: str | None = Field(default=None, max_length=4000)
    image_url: str | None = Field(default=None, max_length=4000)


class PlacementIn(BaseModel):
    episode_id: str = Field(max_length=64)
    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)


class PlacementView(BaseModel):
    id: str
    episode_id: str
    start_s: float
    end_s: float
    clicks: int


class StudioProduct(BaseModel):
    id: str
    series_id: str
    title: str
    price_text: str
    link: str
    image_url: str | None
    placements: list[PlacementView]
    clicks: int


class StudioProductList(BaseModel):
    items: list[StudioProduct]
