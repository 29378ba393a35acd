"""Generated episode masters for the demo, the tests and the benchmarks (no footage needed)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from cliffhanger.media.commands import build_synthetic_master_command
from cliffhanger.media.runner import run_ffmpeg


def make_synthetic_master(
    out_path: str | os.PathLike[str],
    *,
    title: str,
    duration_s: float,
    width: int = 360,
    height: int = 640,
    tone_hz: float | None = 440.0,
    fps: int = 30,
    grain: int = 0,
    on_progress: Callable[[float], None] | None = None,
    timeout_s: float | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Render a master MP4 (see :func:`build_synthetic_master_command`) and return its path.

    Written under a temporary name and renamed at the end, so an interrupted run never leaves a
    truncated file that a cache would later mistake for a finished master.
    """
    target = Path(out_path)
    partial = target.with_name(f".{target.name}.partial{target.suffix}")
    command = build_synthetic_master_command(
        partial,
        title=title,
        duration_s=duration_s,
        width=width,
        height=height,
        tone_hz=tone_hz,
        fps=fps,
        grain=grain,
    )
    try:
        run_ffmpeg(
            command,
            expected_duration_s=duration_s,
            on_progress=on_progress,
            timeout_s=timeout_s,
            cancel=cancel,
        )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
