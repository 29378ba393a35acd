"""Queue workers in both deployment modes, and what a worker killed mid-job leaves behind.

Embedded: SQLite database + Huey on SQLite. Scale-out: PostgreSQL + Huey on Redis with a
separate `cliffhanger worker` process. Both run the same task code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from tests.helpers import make_master, wait_for_status

from cliffhanger.accounts import service as accounts
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus
from cliffhanger.ingest import service as media
from cliffhanger.kit.queue import enqueue_after_commit
from cliffhanger.kit.runtime import Runtime


@pytest.fixture
def deployment(db_backend, make_runtime, request):
    """Embedded mode on SQLite; scale-out mode (Redis queue) on PostgreSQL."""
    overrides: dict[str, object] = {"job_stale_after_s": 3}
    if db_backend == "postgres":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        overrides["queue_url"] = url
        # A queue of its own, so no worker of another run or test can take this test's jobs.
        overrides["queue_name"] = f"test-{uuid.uuid4().hex[:12]}"
    rt = make_runtime(**overrides)
    yield rt
    if rt.settings.queue_is_redis:
        redis.Redis.from_url(str(rt.settings.queue_url)).flushdb()


def _worker_env(rt: Runtime) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIFFHANGER_")}
    env.update(
        {
            "CLIFFHANGER_DATA_DIR": str(rt.settings.resolved_data_dir),
            "CLIFFHANGER_SECRET_KEY": rt.settings.secret_key or "",
            "CLIFFHANGER_JOB_STALE_AFTER_S": str(rt.settings.job_stale_after_s),
            "CLIFFHANGER_QUEUE_NAME": rt.settings.queue_name,
        }
    )
    if rt.settings.database_url:
        env["CLIFFHANGER_DATABASE_URL"] = rt.settings.database_url
    if rt.settings.queue_url:
        env["CLIFFHANGER_QUEUE_URL"] = rt.settings.queue_url
    return env


def _start_worker(rt: Runtime) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cliffhanger.cli", "worker", "--workers", "1"],
        env=_worker_env(rt),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _queued_episode(rt: Runtime, master: Path) -> str:
    with rt.db.session() as session:
        org, _ = accounts.create_organisation(session, "Worker Studio")
        series = catalog.create_series(session, org, title="Night Shift", free_episodes=0)
        session.expunge(org)
    with master.open("rb") as f:
        staged = media.stage_file(rt.settings, f, "m.mp4")
    episode = media.add_episode(
        rt, org, series.id, number=1, title="One", staged=staged, enqueue=False
    )
    with rt.db.session() as session:
        enqueue_after_commit(session, media.PACKAGE_TASK, episode.id)
    return episode.id


def _ffmpeg_processes_for(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "ffmpeg" in cmd and marker in cmd:
            pids.append(int(entry.name))
    return pids


def test_enqueue_happens_only_after_commit(deployment):
    rt = deployment
    rt.queue.flush()
    with rt.db.session() as session:
        enqueue_after_commit(session, media.PACKAGE_TASK, "committed")
    assert rt.queue.pending_count() == 1
    with pytest.raises(RuntimeError), rt.db.session() as session:
        enqueue_after_commit(session, media.PACKAGE_TASK, "rolled-back")
        raise RuntimeError("the request failed")
    assert rt.queue.pending_count() == 1
    rt.queue.flush()


def test_worker_process_packages_a_queued_episode(deployment, tmp_path_factory):
    rt = deployment
    episode_id = _queued_episode(rt, make_master(tmp_path_factory.getbasetemp() / "masters"))
    worker = _start_worker(rt)
    try:
        done = wait_for_status(
            rt, episode_id, {EpisodeStatus.ready, EpisodeStatus.failed}, timeout=120
        )
        assert done.status is EpisodeStatus.ready, done.error
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)


def test_worker_killed_mid_job_leaves_a_retryable_episode(deployment, tmp_path_factory):
    rt = deployment
    # A longer, larger master so the kill lands while ffmpeg is encoding.
    master = make_master(
        tmp_path_factory.getbasetemp() / "masters", seconds=24, width=540, height=960
    )
    episode_id = _queued_episode(rt, master)
    worker = _start_worker(rt)
    try:
        deadline = time.monotonic() + 60
        while True:
            with rt.db.session() as session:
                ep = session.get(Episode, episode_id)
                assert ep is not None
                if ep.status is EpisodeStatus.processing and ep.progress > 0.05:
                    break
                assert ep.status is not EpisodeStatus.ready, (
                    "finished before the kill; make the clip longer"
                )
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.1)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    # ffmpeg dies with its parent: nothing keeps encoding for a dead job.
    time.sleep(0.5)
    assert _ffmpeg_processes_for(episode_id) == []

    with rt.db.session() as session:
        ep = session.get(Episode, episode_id)
        assert ep is not None
        assert ep.status is EpisodeStatus.processing and ep.hls_prefix is None
        assert ep.attempts == 1
    # Nothing is published and the viewer catalogue does not list it.
    published = (
        list((rt.settings.media_dir / "hls").rglob("*.m3u8"))
        if (rt.settings.media_dir / "hls").exists()
        else []
    )
    assert published == []

    # While the heartbeat is fresh a retry is refused; once it is stale the sweeper re-queues it.
    with rt.db.session() as session:
        assert media.sweep_stale(rt) == []
    time.sleep(rt.settings.job_stale_after_s + 0.5)
    assert media.sweep_stale(rt) == [episode_id]
    worker = _start_worker(rt)
    try:
        done = wait_for_status(
            rt, episode_id, {EpisodeStatus.ready, EpisodeStatus.failed}, timeout=180
        )
        assert done.status is EpisodeStatus.ready, done.error
        assert done.attempts == 2
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    versions = sorted(p.name for p in (rt.settings.media_dir / "hls" / episode_id).iterdir())
    assert len(versions) == 1 and versions[0].startswith("v2-")
    assert versions[0] == done.hls_prefix.split("/")[-1]
    # The dead attempt's scratch folder was cleaned up by the next attempt.
    assert list(rt.settings.work_dir.glob(f"job-{episode_id}-*")) == []
