"""The ffmpeg runner: progress, failure reports, timeout, cancellation, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from tests.media.proc_helpers import ffmpeg_children, process_alive

from cliffhanger.media.errors import FFmpegCancelled, FFmpegFailed, FFmpegTimedOut
from cliffhanger.media.ffmpeg import ffmpeg_exe
from cliffhanger.media.runner import run_ffmpeg


def endless(ffmpeg: str) -> list[str]:
    """A job that runs for a minute in real time unless stopped."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=25:duration=60",
        "-progress", "pipe:1", "-nostats", "-f", "null", "-",
    ]  # fmt: skip


def paced(ffmpeg: str, seconds: float) -> list[str]:
    """``seconds`` of tiny video read at 4x real time, reporting progress every 0.1 s."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-readrate", "4",
        "-f", "lavfi", "-i", f"testsrc2=size=64x64:rate=25:duration={seconds}",
        "-stats_period", "0.1", "-progress", "pipe:1", "-nostats", "-f", "null", "-",
    ]  # fmt: skip


def test_progress_rises_to_one(ffmpeg: str) -> None:
    seen: list[float] = []
    run_ffmpeg(paced(ffmpeg, 4), expected_duration_s=4.0, on_progress=seen.append)
    assert len(seen) >= 4
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert 0.0 < seen[0] < 0.9
    assert seen[-1] == 1.0


def test_progress_callback_runs_on_the_calling_thread(ffmpeg: str) -> None:
    threads: set[int] = set()
    run_ffmpeg(
        paced(ffmpeg, 1), expected_duration_s=1.0,
        on_progress=lambda _f: threads.add(threading.get_ident()),
    )  # fmt: skip
    assert threads == {threading.get_ident()}


def test_failure_raises_with_the_stderr_tail(ffmpeg: str, tmp_path: Path) -> None:
    args = [
        ffmpeg, "-hide_banner", "-nostdin", "-v", "debug",
        "-f", "lavfi", "-i", "testsrc2=size=64x64:duration=1",
        "-c:v", "libx264", str(tmp_path / "missing-folder" / "out.mp4"),
    ]  # fmt: skip
    with pytest.raises(FFmpegFailed) as caught:
        run_ffmpeg(args)
    failure = caught.value
    assert type(failure) is FFmpegFailed
    assert failure.returncode not in (None, 0)
    assert "No such file or directory" in failure.stderr_tail
    # -v debug writes well over 40 lines; only the last 40 are kept.
    assert len(failure.stderr_tail.splitlines()) == 40


def test_timeout_kills_ffmpeg_and_raises(ffmpeg: str) -> None:
    started = time.monotonic()
    with pytest.raises(FFmpegTimedOut, match="timeout"):
        run_ffmpeg(endless(ffmpeg), timeout_s=0.5)
    assert time.monotonic() - started < 15  # far from the 60 s the job would take
    assert ffmpeg_children() == []


def test_cancel_event_kills_ffmpeg(ffmpeg: str) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.4, cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(FFmpegCancelled, match="cancelled"):
            run_ffmpeg(endless(ffmpeg), cancel=cancel)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 15  # far from the 60 s the job would take
    assert ffmpeg_children() == []


def test_exception_in_progress_callback_stops_ffmpeg(ffmpeg: str) -> None:
    def explode(_fraction: float) -> None:
        raise RuntimeError("progress sink is gone")

    with pytest.raises(RuntimeError, match="progress sink"):
        run_ffmpeg(endless(ffmpeg), expected_duration_s=60, on_progress=explode)
    assert ffmpeg_children() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_ffmpeg_dies_with_a_killed_worker(tmp_path: Path) -> None:
    worker_code = textwrap.dedent(
        f"""
        from cliffhanger.media.runner import run_ffmpeg
        run_ffmpeg({endless(ffmpeg_exe())!r})
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    worker = subprocess.Popen([sys.executable, "-c", worker_code], env=env)
    try:
        deadline = time.monotonic() + 15
        children: list[int] = []
        while not children and time.monotonic() < deadline:
            time.sleep(0.05)
            children = ffmpeg_children(worker.pid)
        assert children, "the worker never started ffmpeg"
        worker.send_signal(signal.SIGKILL)  # no cleanup code runs in the worker
        worker.wait(timeout=5)
        deadline = time.monotonic() + 5
        while process_alive(children[0]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not process_alive(children[0]), "ffmpeg outlived its worker"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
