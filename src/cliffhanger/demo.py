"""The demo season: a studio, a series of generated episodes, packaged and ready to watch.

Everything is generated locally with ffmpeg's lavfi sources and Pillow title cards: no network,
no copyrighted media. A second run finds the demo series and reuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from cliffhanger.accounts import service as accounts
from cliffhanger.accounts.models import Organisation
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus, Series
from cliffhanger.ingest import service as media
from cliffhanger.kit.runtime import Runtime
from cliffhanger.media.commands import build_synthetic_master_command
from cliffhanger.media.ffmpeg import ffmpeg_exe
from cliffhanger.media.runner import run_ffmpeg

DEMO_ORG = "Cliffhanger Demo Studio"
DEMO_SERIES = "The Last Voicemail"
DEMO_SYNOPSIS = (
    "A night-shift paramedic finds a voicemail from her missing sister, recorded tomorrow. "
    "Every episode brings her one call closer to the truth, and one step closer to the caller."
)
EPISODE_TITLES = [
    "The Message",
    "Static on the Line",
    "The Second Caller",
    "Room 414",
    "Tomorrow's Date",
    "Who Picked Up",
    "The Last Ring",
    "Dial Tone",
]
TONES = [330, 392, 440, 494, 523, 587, 659, 698]


@dataclass(frozen=True)
class DemoResult:
    series_id: str
    episode_ids: list[str]
    created: bool
    api_key: str | None


def _episode_duration(index: int, base_s: int) -> int:
    # Vary lengths a little (base, base+4, base+8, ...) within the 20-40 s the demo promises.
    return base_s + (index % 3) * 4


def seed_demo(
    rt: Runtime,
    *,
    episode_count: int = 6,
    duration_s: int = 20,
    width: int = 720,
    height: int = 1280,
    free_episodes: int = 3,
    price_coins: int = 80,
    on_step: Callable[[str, float], None] | None = None,
) -> DemoResult:
    """Create (or find) the demo season and package every episode that is not ready yet."""
    step = on_step or (lambda _msg, _frac: None)
    api_key: str | None = None
    with rt.db.session() as session:
        org = session.scalar(select(Organisation).where(Organisation.name == DEMO_ORG))
        if org is None:
            org, api_key = accounts.create_organisation(session, DEMO_ORG)
        series = session.scalar(
            select(Series).where(Series.organisation_id == org.id, Series.title == DEMO_SERIES)
        )
        created = series is None
        if series is None:
            series = catalog.create_series(
                session,
                org,
                title=DEMO_SERIES,
                synopsis=DEMO_SYNOPSIS,
                free_episodes=free_episodes,
                price_coins=price_coins,
            )
        existing = {e.number: e for e in catalog.org_episodes(session, series)}
        session.expunge(org)
    if api_key:
        key_file = rt.settings.resolved_data_dir / "demo-api-key.txt"
        key_file.write_text(api_key + "\n", encoding="ascii")
        key_file.chmod(0o600)

    scratch = rt.settings.work_dir / "demo"
    scratch.mkdir(parents=True, exist_ok=True)
    episode_ids: list[str] = []
    total = episode_count
    for i in range(episode_count):
        number = i + 1
        title = EPISODE_TITLES[i % len(EPISODE_TITLES)]
        episode = existing.get(number)
        if episode is None:
            step(f"Generating episode {number}: {title}", i / total)
            master = scratch / f"episode-{number}.mp4"
            run_ffmpeg(
                build_synthetic_master_command(
                    master,
                    ffmpeg=ffmpeg_exe(),
                    title=f"Ep. {number}  {title}",
                    duration_s=_episode_duration(i, duration_s),
                    width=width,
                    height=height,
                    tone_hz=TONES[i % len(TONES)],
                )
            )
            with master.open("rb") as stream:
                staged = media.stage_file(rt.settings, stream, master.name)
            master.unlink(missing_ok=True)
            episode = media.add_episode(
                rt, org, series.id, number=number, title=title, staged=staged, enqueue=False
            )
        episode_ids.append(episode.id)
        if episode.status is not EpisodeStatus.ready:
            step(f"Packaging episode {number}: {title}", (i + 0.5) / total)
            status = media.package_episode(rt, episode.id)
            if status is not EpisodeStatus.ready:
                with rt.db.session() as session:
                    failed = session.get(Episode, episode.id)
                    error = failed.error if failed else "unknown"
                raise RuntimeError(f"packaging demo episode {number} failed: {error}")
    step("Demo season ready", 1.0)
    return DemoResult(series.id, episode_ids, created, api_key)
