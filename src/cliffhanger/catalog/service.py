"""Series and episodes: creation by organisations, the viewer-facing catalogue, and access rules.

Every studio read or write goes through `series_for_org` / `episode_for_org`, which refuse an
object of another organisation exactly as if it did not exist.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import Organisation
from cliffhanger.catalog.models import Episode, EpisodeStatus, Series
from cliffhanger.kit.errors import Conflict, Invalid, NotFound

MAX_EPISODES = 500
MAX_PRICE_COINS = 100_000


def _check_text(value: str, field: str, max_len: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{field} must not be empty.", field=field)
    if len(value) > max_len:
        raise Invalid(f"{field} must be at most {max_len} characters.", field=field)
    return value


def check_pricing(free_episodes: int, price_coins: int) -> None:
    if not 0 <= free_episodes <= MAX_EPISODES:
        raise Invalid(f"free_episodes must be between 0 and {MAX_EPISODES}.", field="free_episodes")
    if not 0 <= price_coins <= MAX_PRICE_COINS:
        raise Invalid(f"price_coins must be between 0 and {MAX_PRICE_COINS}.", field="price_coins")


def create_series(
    session: Session, org: Organisation, *, title: str, synopsis: str = "",
    free_episodes: int = 3, price_coins: int = 80,
) -> Series:
    check_pricing(free_episodes, price_coins)
    series = Series(
        organisation_id=org.id,
        title=_check_text(title, "title", 200),
        synopsis=_check_text(synopsis, "synopsis", 5000, required=False),
        free_episodes=free_episodes,
        price_coins=price_coins,
    )
    session.add(series)
    session.flush()
    return series


def series_for_org(session: Session, org: Organisation, series_id: str) -> Series:
    series = session.get(Series, series_id)
    if series is None or series.organisation_id != org.id:
        raise NotFound("No such series.")
    return series


def episode_for_org(session: Session, org: Organisation, episode_id: str) -> Episode:
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound("No such episode.")
    series_for_org(session, org, episode.series_id)
    return episode


def list_org_series(session: Session, org: Organisation) -> list[Series]:
    return list(
        session.scalars(
            select(Series).where(Series.organisation_id == org.id).order_by(Series.created_at)
        )
    )


def org_episodes(session: Session, series: Series) -> list[Episode]:
    return list(
        session.scalars(
            select(Episode).where(Episode.series_id == series.id).order_by(Episode.number)
        )
    )


def check_episode_slot(session: Session, series: Series, number: int, title: str) -> str:
    if not 1 <= number <= MAX_EPISODES:
        raise Invalid(f"number must be between 1 and {MAX_EPISODES}.", field="number")
    title = _check_text(title, "title", 200)
    taken = session.scalar(
        select(Episode.id).where(Episode.series_id == series.id, Episode.number == number)
    )
    if taken is not None:
        raise Conflict(f"Episode {number} already exists in this series.", code="episode_exists")
    return title


# ----- viewer side -------------------------------------------------------------------------------


def published_series(session: Session) -> list[tuple[Series, int]]:
    """Series with at least one ready episode, newest first, with their ready-episode count."""
    rows = session.execute(
        select(Series, func.count(Episode.id))
        .join(Episode, Episode.series_id == Series.id)
        .where(Episode.status == EpisodeStatus.ready)
        .group_by(Series.id)
        .order_by(Series.created_at.desc())
    ).all()
    return [(series, int(count)) for series, count in rows]


def ready_episodes(session: Session, series_id: str) -> list[Episode]:
    return list(
        session.scalars(
            select(Episode)
            .where(Episode.series_id == series_id, Episode.status == EpisodeStatus.ready)
            .order_by(Episode.number)
        )
    )


def viewable_series(session: Session, series_id: str) -> Series:
    series = session.get(Series, series_id)
    if series is None or not ready_episodes(session, series_id):
        raise NotFound("No such series.")
    return series


def viewable_episode(session: Session, episode_id: str) -> tuple[Series, Episode]:
    episode = session.get(Episode, episode_id)
    if episode is None or episode.status is not EpisodeStatus.ready:
        raise NotFound("No such episode.")
    series = session.get(Series, episode.series_id)
    assert series is not None
    return series, episode


def is_free(series: Series, episode: Episode) -> bool:
    return episode.number <= series.free_episodes
