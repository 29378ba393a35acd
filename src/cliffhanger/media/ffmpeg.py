"""Where the ffmpeg executable comes from.

The imageio-ffmpeg wheel ships a full static build, so no system package is needed; operators can
point ``CLIFFHANGER_FFMPEG`` at another build (for example one with hardware encoders).
"""

from __future__ import annotations

import os

import imageio_ffmpeg

FFMPEG_ENV_VAR = "CLIFFHANGER_FFMPEG"


def ffmpeg_exe() -> str:
    """The ffmpeg executable to run: ``$CLIFFHANGER_FFMPEG`` if set, else the wheel's build."""
    override = os.environ.get(FFMPEG_ENV_VAR, "").strip()
    if override:
        return override
    return str(imageio_ffmpeg.get_ffmpeg_exe())
