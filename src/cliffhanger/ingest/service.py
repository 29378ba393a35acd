"""The episode pipeline: accept a master, package it in the queue, publish it atomically.

Accepting: the upload is streamed to a scratch file under a size limit, validated with PyAV, and
only then stored under its SHA-256; a rejected upload leaves nothing behind.

Packaging: a worker claims the episode (status `processing`, a heartbeat every few seconds),
packages the master into a scratch folder, uploads every file under a fresh version prefix, and
only then flips the episode to `ready` in one transaction. A failure marks it `failed` with the
error and removes what was uploaded; a worker that dies mid-job leaves the episode `processing`
with a stale heartbeat, which the sweeper (or a studio retry) turns into a new attempt. Old and
partial versions are removed when a new version is published.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from cliffhanger.accounts.models import Organisation
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus, Series
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Conflict, Invalid, PayloadTooLarge
from cliffhanger.kit.queue import enqueue_after_commit
from cliffhanger.kit.runtime import Runtime
from cliffhanger.kit.storage import BlobStore
from cliffhanger.media.aes import new_content_key
from cliffhanger.media.errors import MediaError, MediaRejected
from cliffhanger.media.package import package_master
from cliffhanger.media.probe import MediaInfo, validate_master

log = logging.getLogger(__name__)

PACKAGE_TASK = "media.package_episode"
HEARTBEAT_S = 2.0
MAX_AUTO_ATTEMPTS = 3
CHUNK = 1024 * 1024


@dataclass
class StagedUpload:
    """A validated master waiting in scratch space to be stored."""

    path: Path
    sha256: str
    size: int
    info: MediaInfo
    suffix: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


MASTER_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm"})


def accept_master(path: Path, sha256: str, size: int, filename: str | None) -> StagedUpload:
    """Validate a master already in scratch space; on rejection the file is removed."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in MASTER_SUFFIXES:
        suffix = ".bin"  # the client's name never reaches a path; only a known suffix does
    try:
        if size == 0:
            raise Invalid("The uploaded file is empty.", code="not_media")
        try:
            info = validate_master(path)
        except MediaRejected as exc:
            raise Invalid(exc.message, code=exc.code) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StagedUpload(path, sha256, size, info, suffix)


def stage_file(settings: Settings, stream: BinaryIO, filename: str | None) -> StagedUpload:
    """Copy a master from a stream into scratch space under the size limit and validate it."""
    settings.ensure_dirs()
    path = settings.work_dir / f"upload-{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise PayloadTooLarge(
                        f"The upload is larger than the limit of {settings.max_upload_bytes} bytes."
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return accept_master(path, digest.hexdigest(), size, filename)


def master_key_for(staged: StagedUpload) -> str:
    return f"masters/{staged.sha256[:2]}/{staged.sha256}{staged.suffix}"


def add_episode(
    rt: Runtime,
    org: Organisation,
    series_id: str,
    *,
    number: int,
    title: str,
    staged: StagedUpload,
    enqueue: bool = True,
) -> Episode:
    """Create the episode for a staged master and queue its packaging; all or nothing."""
    key = master_key_for(staged)
    stored_here = False
    try:
        with rt.db.session() as session:
            series = catalog.series_for_org(session, org, series_id)
            title = catalog.check_episode_slot(session, series, number, title)
            if not rt.store.exists(key):
                rt.store.put_file(key, staged.path)
                stored_here = True
            episode = Episode(
                series_id=series.id,
                number=number,
                title=title,
                status=EpisodeStatus.uploaded,
                master_key=key,
                master_sha256=staged.sha256,
                width=staged.info.width,
                height=staged.info.height,
                duration_s=staged.info.duration_s,
            )
            session.add(episode)
            session.flush()
            if enqueue:
                enqueue_after_commit(session, PACKAGE_TASK, episode.id)
    except BaseException:
        if stored_here:
            _drop_master_if_unused(rt, key)
        raise
    finally:
        staged.discard()
    return episode


def _drop_master_if_unused(rt: Runtime, key: str) -> None:
    with rt.db.session() as session:
        used = session.scalar(select(Episode.id).where(Episode.master_key == key).limit(1))
    if used is None:
        rt.store.delete_prefix(key)


def retry_episode(rt: Runtime, org: Organisation, episode_id: str) -> Episode:
    with rt.db.session() as session:
        episode = catalog.episode_for_org(session, org, episode_id)
        if episode.status is EpisodeStatus.ready:
            raise Conflict("This episode is already ready.", code="already_ready")
        if episode.status is EpisodeStatus.processing and not _is_stale(rt.settings, episode):
            raise Conflict("This episode is being packaged right now.", code="in_progress")
        episode.status = EpisodeStatus.uploaded
        episode.error = None
        episode.progress = 0.0
        enqueue_after_commit(session, PACKAGE_TASK, episode.id)
    return episode


def _is_stale(settings: Settings, episode: Episode, now: datetime | None = None) -> bool:
    beat = episode.heartbeat_at or episode.updated_at
    return beat < (now or utcnow()) - timedelta(seconds=settings.job_stale_after_s)


# ----- the worker side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    episode_id: str
    version: str
    encrypt: bool
    master_key: str


def _claim(rt: Runtime, episode_id: str) -> _Claim | None:
    with rt.db.session() as session:
        episode = session.get(Episode, episode_id, with_for_update=True)
        if episode is None or episode.status is EpisodeStatus.ready:
            return None
        if episode.status is EpisodeStatus.processing and not _is_stale(rt.settings, episode):
            log.info("episode %s is already being packaged; skipping duplicate job", episode_id)
            return None
        series = session.get(Series, episode.series_id)
        assert series is not None
        episode.status = EpisodeStatus.processing
        episode.attempts += 1
        episode.error = None
        episode.progress = 0.0
        episode.heartbeat_at = utcnow()
        return _Claim(
            episode.id,
            f"v{episode.attempts}-{uuid.uuid4().hex[:8]}",
            encrypt=not catalog.is_free(series, episode),
            master_key=episode.master_key,
        )


class _Heartbeat:
    """Stamps progress and liveness on the episode row from a side thread while ffmpeg runs."""

    def __init__(self, rt: Runtime, episode_id: str) -> None:
        self.rt, self.episode_id = rt, episode_id
        self.progress = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{episode_id}", daemon=True
        )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                with self.rt.db.session() as session:
                    episode = session.get(Episode, self.episode_id)
                    if episode is not None and episode.status is EpisodeStatus.processing:
                        episode.heartbeat_at = utcnow()
                        episode.progress = round(self.progress, 4)
            except Exception:
                log.exception("heartbeat for episode %s failed", self.episode_id)


def _local_master(rt: Runtime, key: str, scratch: Path) -> Path:
    local = rt.store.local_path(key)
    if local is not None:
        return local
    target = scratch / ("master" + Path(key).suffix)
    target.write_bytes(rt.store.get_bytes(key))
    return target


def _publish(store: BlobStore, prefix: str, folder: Path, files: list[str]) -> None:
    for rel in files:
        content_type = (
            "application/vnd.apple.mpegurl"
            if rel.endswith(".m3u8")
            else "video/mp2t"
            if rel.endswith(".ts")
            else "image/jpeg"
            if rel.endswith(".jpg")
            else None
        )
        store.put_file(f"{prefix}/{rel}", folder / rel, content_type)


def package_episode(rt: Runtime, episode_id: str) -> EpisodeStatus | None:
    """Package and publish one episode; the body of the queue task."""
    claim = _claim(rt, episode_id)
    if claim is None:
        return None
    # Scratch folders of earlier attempts belong to dead workers (a live one would still hold
    # the claim), so they are removed before this attempt starts.
    for stale in rt.settings.work_dir.glob(f"job-{episode_id}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    scratch = rt.settings.work_dir / f"job-{episode_id}-{claim.version}"
    out_dir = scratch / "out"
    prefix = f"hls/{episode_id}/{claim.version}"
    key = new_content_key() if claim.encrypt else None
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        master = _local_master(rt, claim.master_key, scratch)
        with _Heartbeat(rt, episode_id) as beat:

            def on_progress(fraction: float) -> None:
                beat.progress = fraction

            result = package_master(
                master,
                out_dir,
                key=key,
                on_progress=on_progress,
                cancel=rt.stop_event,
                timeout_s=rt.settings.ffmpeg_timeout_s,
            )
            _publish(rt.store, prefix, out_dir, result.files)
        with rt.db.session() as session:
            episode = session.get(Episode, episode_id, with_for_update=True)
            if episode is None:
                raise MediaError("the episode was deleted while it was packaged")
            episode.status = EpisodeStatus.ready
            episode.hls_prefix = prefix
            episode.encrypted = key is not None
            episode.content_key = key
            episode.renditions = ",".join(r.name for r in result.rungs)
            episode.duration_s = result.duration_s
            episode.progress = 1.0
            episode.error = None
            episode.heartbeat_at = utcnow()
        _remove_other_versions(rt.store, episode_id, keep=prefix)
        return EpisodeStatus.ready
    except Exception as exc:
        log.exception("packaging episode %s failed", episode_id)
        rt.store.delete_prefix(prefix)
        message = exc.message if isinstance(exc, MediaRejected) else str(exc) or type(exc).__name__
        with rt.db.session() as session:
            episode = session.get(Episode, episode_id)
            if episode is not None and episode.status is EpisodeStatus.processing:
                episode.status = EpisodeStatus.failed
                episode.error = message[-4000:]
        return EpisodeStatus.failed
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _remove_other_versions(store: BlobStore, episode_id: str, keep: str) -> None:
    versions = {"/".join(k.split("/")[:3]) for k in store.list_prefix(f"hls/{episode_id}")}
    for version in versions - {keep}:
        store.delete_prefix(version)


def sweep_stale(rt: Runtime) -> list[str]:
    """Re-queue episodes whose worker died mid-job (stale heartbeat), up to a few attempts."""
    requeued: list[str] = []
    with rt.db.session() as session:
        cutoff = utcnow() - timedelta(seconds=rt.settings.job_stale_after_s)
        stale = session.scalars(
            select(Episode)
            .where(Episode.status == EpisodeStatus.processing, Episode.heartbeat_at < cutoff)
            .with_for_update()
        ).all()
        for episode in stale:
            if episode.attempts >= MAX_AUTO_ATTEMPTS:
                episode.status = EpisodeStatus.failed
                episode.error = (
                    f"The worker stopped while packaging, {episode.attempts} times; retry by hand."
                )
                continue
            episode.status = EpisodeStatus.uploaded
            episode.error = None
            enqueue_after_commit(session, PACKAGE_TASK, episode.id)
            requeued.append(episode.id)
    return requeued
