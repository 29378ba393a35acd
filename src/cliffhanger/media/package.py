"""Packaging one episode master into a published HLS folder: validate, encode, poster, check.

All work happens in a hidden sibling folder of ``out_dir`` (same file system) that is renamed into
place only when every check passed, so ``out_dir`` holds a complete package or nothing at all.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from cliffhanger.media.aes import key_info_file
from cliffhanger.media.commands import build_package_command, build_poster_command
from cliffhanger.media.constants import POSTER_NAME, POSTER_TIMEOUT_S
from cliffhanger.media.errors import (
    FFmpegCancelled,
    FFmpegFailed,
    FFmpegTimedOut,
    PackagingFailed,
)
from cliffhanger.media.ffmpeg import ffmpeg_exe
from cliffhanger.media.hls import check_aligned, read_variant, write_master_playlist
from cliffhanger.media.ladder import Rung, output_fps, select_rungs
from cliffhanger.media.probe import validate_master
from cliffhanger.media.runner import run_ffmpeg

logger = logging.getLogger(__name__)

# Share of the progress bar each step gets; the ladder encode is nearly all of the time.
_VALIDATED_AT = 0.02
_ENCODED_AT = 0.97
_POSTER_AT = 0.99


@dataclass(frozen=True)
class PackageResult:
    """A finished package. Paths are relative to the output folder, with ``/`` separators."""

    rungs: list[Rung]
    master_playlist: str
    poster: str
    duration_s: float
    width: int
    height: int
    encrypted: bool
    files: list[str]


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(f"{out_dir} already exists and is not an empty folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def _relative_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _write_poster(
    ffmpeg: str,
    source: Path,
    poster: Path,
    duration_s: float,
    deadline: float | None,
    cancel: threading.Event | None,
) -> None:
    """Poster from key frames (cheap); from all frames if the window holds no key frame."""
    for key_frames_only in (True, False):
        remaining = _remaining(deadline)
        command = build_poster_command(
            ffmpeg, source, poster, duration_s=duration_s, key_frames_only=key_frames_only
        )
        try:
            run_ffmpeg(
                command,
                timeout_s=POSTER_TIMEOUT_S
                if remaining is None
                else min(remaining, POSTER_TIMEOUT_S),
                cancel=cancel,
            )
        except (FFmpegCancelled, FFmpegTimedOut):
            raise
        except FFmpegFailed as failure:
            if not key_frames_only:
                raise
            logger.info(
                "no key frame in the poster window of %s (%s); decoding all", source, failure
            )
        if poster.is_file():
            return
    raise PackagingFailed("ffmpeg wrote no poster")


def package_master(
    input_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    key: bytes | None,
    on_progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float | None = None,
) -> PackageResult:
    """Turn a master into ``out_dir/master.m3u8``, one folder of segments per rung, ``poster.jpg``.

    ``key`` (16 bytes, see :func:`cliffhanger.media.aes.new_content_key`) encrypts every segment
    with AES-128; the key is not written anywhere under ``out_dir``. ``out_dir`` must not exist or
    be empty; on any failure it is left as it was. ``timeout_s`` bounds the whole call.
    Raises MediaRejected (bad master), FFmpegFailed and its subclasses, PackagingFailed.
    """
    source = Path(input_path)
    target = Path(out_dir)
    deadline = time.monotonic() + timeout_s if timeout_s is not None else None
    report = on_progress or (lambda _fraction: None)

    def stop_if_cancelled_or_late() -> None:
        # Checked between steps; run_ffmpeg checks both while ffmpeg runs.
        if cancel is not None and cancel.is_set():
            raise FFmpegCancelled(None, "", reason="packaging cancelled")
        if deadline is not None and time.monotonic() >= deadline:
            raise FFmpegTimedOut(None, "", reason=f"packaging exceeded its {timeout_s:g} s timeout")

    _check_out_dir(target)
    info = validate_master(source)
    fps = output_fps(info.fps)
    rungs = select_rungs(info.width, info.height)
    report(_VALIDATED_AT)
    stop_if_cancelled_or_late()

    ffmpeg = ffmpeg_exe()
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.packaging-", dir=target.parent))
    try:
        # mkdtemp makes it 0700; the renamed folder is served as static files.
        work.chmod(0o755)
        with ExitStack() as stack:
            key_info = stack.enter_context(key_info_file(key)) if key is not None else None
            command = build_package_command(
                ffmpeg,
                source,
                work,
                rungs,
                fps=fps,
                has_audio=info.has_audio,
                duration_s=info.duration_s,
                key_info_path=key_info.path if key_info is not None else None,
            )
            run_ffmpeg(
                command,
                expected_duration_s=info.duration_s,
                on_progress=lambda f: report(_VALIDATED_AT + f * (_ENCODED_AT - _VALIDATED_AT)),
                timeout_s=_remaining(deadline),
                cancel=cancel,
            )
        # The key info folder is gone here; a package never shares a folder with its key.

        stop_if_cancelled_or_late()
        _write_poster(ffmpeg, source, work / POSTER_NAME, info.duration_s, deadline, cancel)
        report(_POSTER_AT)

        variants = [read_variant(work, rung, encrypted=key is not None) for rung in rungs]
        check_aligned(variants, frame_s=1 / float(fps))
        master = write_master_playlist(work, variants, fps=float(fps))

        stop_if_cancelled_or_late()
        # rename() replaces an empty directory atomically on POSIX.
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise

    report(1.0)
    logger.info("packaged %s into %s: %s", source, target, ", ".join(r.name for r in rungs))
    return PackageResult(
        rungs=rungs,
        master_playlist=master,
        poster=POSTER_NAME,
        duration_s=info.duration_s,
        width=info.width,
        height=info.height,
        encrypted=key is not None,
        files=_relative_files(target),
    )
