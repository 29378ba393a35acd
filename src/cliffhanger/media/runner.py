"""The one place that runs ffmpeg: progress parsing, deadline, cancellation, no orphans.

ffmpeg is started with an argument list (never a shell), reports ``-progress`` key=value lines on
stdout and its log on stderr; two reader threads drain both pipes so neither can fill up and
stall the encoder, while the calling thread watches the deadline and the cancel event.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import IO

from cliffhanger.media.constants import KILL_GRACE_S, RUNNER_POLL_S, STDERR_TAIL_LINES
from cliffhanger.media.errors import FFmpegCancelled, FFmpegFailed, FFmpegTimedOut

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[float], None]

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    # Resolved once in the parent: the child between fork and exec should only make the call.
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
    except OSError:
        logger.warning("libc not loadable; ffmpeg will not die with its parent", exc_info=True)
        return None
    prctl: Callable[..., int] = libc.prctl
    return prctl


_PRCTL = _load_prctl()


def _die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL ffmpeg when the process that started it dies.

    Without it a worker killed with SIGKILL (OOM killer, ``docker stop`` timeout) would leave its
    ffmpeg encoding for nobody. Linux ties the signal to the *thread* that forked; run_ffmpeg
    blocks that thread until ffmpeg ends, so the two lifetimes match.
    """
    prctl = _PRCTL
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # The parent may have died between fork and prctl; then nobody would ever signal us.
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec


class _ProgressReader:
    """Turns ``-progress`` lines (reader thread) into the latest 0..1 fraction (any thread)."""

    def __init__(self, expected_duration_s: float | None) -> None:
        self._expected_us = expected_duration_s * 1_000_000 if expected_duration_s else None
        # A float assignment is atomic under the GIL; the watcher only ever reads it.
        self.fraction = 0.0

    def feed(self, line: str) -> None:
        key, _, value = line.strip().partition("=")
        # out_time_ms is in microseconds too (a historical ffmpeg misnomer); prefer out_time_us.
        if key in ("out_time_us", "out_time_ms") and self._expected_us:
            try:
                out_time_us = int(value)
            except ValueError:  # "N/A" before the first frame is muxed
                return
            self.fraction = max(self.fraction, min(1.0, out_time_us / self._expected_us))
        elif key == "progress" and value == "end":
            self.fraction = 1.0


def _drain(stream: IO[str], sink: Callable[[str], None]) -> None:
    for line in stream:
        sink(line)


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM (ffmpeg closes its outputs), then SIGKILL after a grace period; always reaped."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        logger.warning(
            "ffmpeg pid %s ignored SIGTERM for %.0f s; killing it", proc.pid, KILL_GRACE_S
        )
        proc.kill()
        proc.wait()


def run_ffmpeg(
    args: Sequence[str],
    *,
    expected_duration_s: float | None = None,
    on_progress: ProgressCallback | None = None,
    timeout_s: float | None = None,
    cancel: threading.Event | None = None,
) -> None:
    """Run ffmpeg to completion, reporting progress as a fraction of ``expected_duration_s``.

    Raises :class:`FFmpegFailed` on a non-zero exit, :class:`FFmpegTimedOut` past ``timeout_s``
    and :class:`FFmpegCancelled` once ``cancel`` is set (both subclasses of FFmpegFailed); in every
    case ffmpeg has exited and been reaped before this returns. ``on_progress`` is called on the
    calling thread (at most every poll interval) with increasing values, ending with 1.0 on success;
    an exception it raises stops ffmpeg and propagates.
    """
    if not args:
        raise ValueError("empty ffmpeg command")
    logger.debug("running %s", shlex.join(args)[:2000])
    reader = _ProgressReader(expected_duration_s)
    reported = 0.0
    stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    started = time.monotonic()
    deadline = started + timeout_s if timeout_s is not None else None

    proc = subprocess.Popen(
        list(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        bufsize=1,
        preexec_fn=_die_with_parent(os.getpid()),
    )
    assert proc.stdout is not None and proc.stderr is not None
    readers = [
        threading.Thread(target=_drain, args=(proc.stdout, reader.feed), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, stderr_tail.append), daemon=True),
    ]
    for thread in readers:
        thread.start()

    outcome: type[FFmpegFailed] | None = None
    try:
        while True:
            try:
                proc.wait(timeout=RUNNER_POLL_S)
                break
            except subprocess.TimeoutExpired:
                pass
            if on_progress is not None and reader.fraction > reported:
                reported = reader.fraction
                on_progress(reported)
            if cancel is not None and cancel.is_set():
                outcome = FFmpegCancelled
                break
            if deadline is not None and time.monotonic() >= deadline:
                outcome = FFmpegTimedOut
                break
    finally:
        # Also on KeyboardInterrupt or an exception from a callback: never leave ffmpeg behind.
        _stop(proc)
        for thread in readers:
            thread.join(timeout=KILL_GRACE_S)
        proc.stdout.close()
        proc.stderr.close()

    tail = "".join(stderr_tail)
    elapsed = time.monotonic() - started
    if outcome is FFmpegCancelled:
        raise FFmpegCancelled(
            proc.returncode, tail, reason=f"ffmpeg cancelled after {elapsed:.1f} s"
        )
    if outcome is FFmpegTimedOut:
        raise FFmpegTimedOut(
            proc.returncode, tail, reason=f"ffmpeg exceeded its {timeout_s:.1f} s timeout"
        )
    if proc.returncode != 0:
        raise FFmpegFailed(proc.returncode, tail)
    if on_progress is not None and reported < 1.0:
        on_progress(1.0)
    logger.debug("ffmpeg finished in %.1f s", elapsed)
