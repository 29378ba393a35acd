"""Test helpers: organisations, viewers, generated masters and published episodes (all real)."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cliffhanger.accounts import service as accounts
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus
from cliffhanger.ingest import service as media
from cliffhanger.kit.runtime import Runtime
from cliffhanger.media.commands import build_synthetic_master_command
from cliffhanger.media.runner import run_ffmpeg

_MASTER_CACHE: dict[tuple[float, int, int, bool], Path] = {}


def make_master(
    directory: Path,
    *,
    seconds: float = 10.5,
    width: int = 360,
    height: int = 640,
    audio: bool = True,
    title: str = "Test",
) -> Path:
    """A generated master clip, cached per shape for the whole test session."""
    key = (seconds, width, height, audio)
    cached = _MASTER_CACHE.get(key)
    if cached is not None and cached.exists():
        return cached
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / f"master-{seconds}-{width}x{height}-{int(audio)}.mp4"
    run_ffmpeg(
        build_synthetic_master_command(
            out,
            title=title,
            duration_s=seconds,
            width=width,
            height=height,
            tone_hz=440 if audio else None,
        )
    )
    _MASTER_CACHE[key] = out
    return out


def make_org(rt: Runtime, name: str = "Studio") -> tuple[str, str]:
    with rt.db.session() as session:
        org, key = accounts.create_organisation(session, f"{name} {uuid.uuid4().hex[:6]}")
    return org.id, key


def org_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_viewer(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/viewers")
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def viewer_id(client: TestClient, headers: dict[str, str]) -> str:
    from cliffhanger.kit.security import verify

    rt: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return str(verify(rt.settings.signing_key, "viewer", headers["Authorization"].split()[1])["v"])


def publish_series(
    rt: Runtime,
    org_key: str,
    master: Path,
    *,
    episodes: int = 4,
    free_episodes: int = 2,
    price_coins: int = 60,
) -> tuple[str, list[str]]:
    """A series whose episodes are really packaged (synchronously, without the queue)."""
    with rt.db.session() as session:
        org = accounts.authenticate_api_key(session, org_key)
        series = catalog.create_series(
            session,
            org,
            title="Series " + uuid.uuid4().hex[:6],
            free_episodes=free_episodes,
            price_coins=price_coins,
        )
        session.expunge(org)
    ids = []
    for n in range(1, episodes + 1):
        with master.open("rb") as stream:
            staged = media.stage_file(rt.settings, stream, "master.mp4")
        ep = media.add_episode(
            rt, org, series.id, number=n, title=f"Episode {n}", staged=staged, enqueue=False
        )
        assert media.package_episode(rt, ep.id) is EpisodeStatus.ready
        ids.append(ep.id)
    return series.id, ids


def wait_for_status(
    rt: Runtime, episode_id: str, statuses: set[EpisodeStatus], timeout: float = 120
) -> Episode:
    deadline = time.monotonic() + timeout
    while True:
        with rt.db.session() as session:
            ep = session.get(Episode, episode_id)
            assert ep is not None
            if ep.status in statuses:
                return ep
        if time.monotonic() > deadline:
            raise AssertionError(f"episode {episode_id} stayed {ep.status} (wanted {statuses})")
        time.sleep(0.2)


class LiveServer:
    """The real app served by uvicorn on a free loopback port, in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
