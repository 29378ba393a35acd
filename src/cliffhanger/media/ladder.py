"""The HLS rendition ladder as data, and the pure rules that pick rungs, frame rate and H.264 level.

Renditions are a table, not code paths (MediaCMS's profiles): changing the ladder is a data edit.
Rung names are the picture width ("720p" is 720x1280), the way vertical platforms name them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from cliffhanger.media.constants import ASPECT_TOLERANCE, MAX_OUTPUT_FPS, MIN_H264_LEVEL

AAC_LC_CODEC = "mp4a.40.2"
H264_HIGH_PROFILE_IDC = 0x64


@dataclass(frozen=True)
class Rung:
    """One rendition: picture size, capped-CRF rate control and audio bitrate."""

    name: str
    width: int
    height: int
    video_maxrate_kbps: int
    video_bufsize_kbps: int
    audio_kbps: int
    crf: int


# Maxrates suit 9:16 short drama (talking heads, night scenes, little fast motion) on phones;
# bufsize is 2x maxrate so CRF can spend bits on cuts without breaking the cap for long.
LADDER: tuple[Rung, ...] = (
    Rung(
        "1080p",
        1080,
        1920,
        video_maxrate_kbps=4500,
        video_bufsize_kbps=9000,
        audio_kbps=128,
        crf=23,
    ),
    Rung(
        "720p", 720, 1280, video_maxrate_kbps=2800, video_bufsize_kbps=5600, audio_kbps=128, crf=23
    ),
    Rung("540p", 540, 960, video_maxrate_kbps=1600, video_bufsize_kbps=3200, audio_kbps=96, crf=23),
    Rung("360p", 360, 640, video_maxrate_kbps=800, video_bufsize_kbps=1600, audio_kbps=64, crf=23),
)

# Floor for the single rung made for a source below the smallest ladder rung.
_SMALL_RUNG_MIN_MAXRATE_KBPS = 150


def select_rungs(width: int, height: int, ladder: Sequence[Rung] = LADDER) -> list[Rung]:
    """Rungs to encode for a ``width``x``height`` (displayed) source, highest first.

    Rungs larger than the source are dropped: we never upscale, except by up to the aspect
    tolerance, so a 1064x1920 export still gets the 1080p rung. A source smaller than the
    smallest rung gets exactly one rung at its own size rounded down to even numbers (x264 needs
    even dimensions), with the smallest rung's bitrates scaled by pixel count.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"invalid picture size {width}x{height}")
    slack = 1 + ASPECT_TOLERANCE
    fitting = [r for r in ladder if r.width <= width * slack and r.height <= height * slack]
    if fitting:
        return fitting
    smallest = min(ladder, key=lambda r: r.width * r.height)
    even_w, even_h = max(2, width - width % 2), max(2, height - height % 2)
    share = (even_w * even_h) / (smallest.width * smallest.height)
    maxrate = max(_SMALL_RUNG_MIN_MAXRATE_KBPS, round(smallest.video_maxrate_kbps * share))
    return [
        Rung(
            name=f"{even_w}p",
            width=even_w,
            height=even_h,
            video_maxrate_kbps=maxrate,
            video_bufsize_kbps=2 * maxrate,
            audio_kbps=smallest.audio_kbps,
            crf=smallest.crf,
        )
    ]


# Frame rates players and editors expect; a measured 29.87 from a phone means 30.
_STANDARD_RATES = tuple(
    Fraction(n, d)
    for n, d in (
        (24000, 1001),
        (24, 1),
        (25, 1),
        (30000, 1001),
        (30, 1),
        (50, 1),
        (60000, 1001),
        (60, 1),
    )
)


def output_fps(source_fps: float) -> Fraction:
    """Constant frame rate to encode at: the source rate snapped to a standard one, capped at 60."""
    if source_fps <= 0 or math.isnan(source_fps):
        raise ValueError(f"invalid frame rate {source_fps}")
    capped = min(source_fps, float(MAX_OUTPUT_FPS))
    nearest = min(_STANDARD_RATES, key=lambda rate: abs(float(rate) - capped))
    if abs(float(nearest) - capped) / capped <= 0.01:
        return nearest
    return Fraction(capped).limit_denominator(1001)


# (level_idc, MaxFS macroblocks, MaxMBPS macroblocks/s, MaxBR kbit/s for Main): H.264 Table A-1.
_H264_LEVELS: tuple[tuple[int, int, int, int], ...] = (
    (30, 1620, 40500, 10000),
    (31, 3600, 108000, 14000),
    (32, 5120, 216000, 20000),
    (40, 8192, 245760, 20000),
    (41, 8192, 245760, 50000),
    (42, 8704, 522240, 50000),
    (50, 22080, 589824, 135000),
    (51, 36864, 983040, 240000),
    (52, 36864, 2073600, 240000),
)
# High profile may use 1.25x the Main profile bitrate (Table A-6, cpbBrVclFactor 1250 vs 1000).
_HIGH_PROFILE_BR_FACTOR = 1.25


def h264_level(width: int, height: int, fps: float, maxrate_kbps: int) -> int:
    """Smallest H.264 level_idc (e.g. 40 for 4.0) that allows this size, rate and bitrate."""
    mbs_w, mbs_h = math.ceil(width / 16), math.ceil(height / 16)
    frame_mbs = mbs_w * mbs_h
    for level_idc, max_fs, max_mbps, max_br in _H264_LEVELS:
        if level_idc < MIN_H264_LEVEL:
            continue
        # A frame side may not exceed sqrt(8 * MaxFS) macroblocks (A.3.1 h/i).
        side_limit = math.sqrt(8 * max_fs)
        if (
            frame_mbs <= max_fs
            and mbs_w <= side_limit
            and mbs_h <= side_limit
            and frame_mbs * fps <= max_mbps
            and maxrate_kbps <= max_br * _HIGH_PROFILE_BR_FACTOR
        ):
            return level_idc
    raise ValueError(f"no H.264 level fits {width}x{height} at {fps} fps and {maxrate_kbps} kbit/s")


def level_name(level_idc: int) -> str:
    """ffmpeg/x264 spelling of a level: 31 -> "3.1"."""
    return f"{level_idc // 10}.{level_idc % 10}"


def rung_level(rung: Rung, fps: float) -> int:
    """The level the encoder is told to use for ``rung``; the CODECS string announces it."""
    return h264_level(rung.width, rung.height, fps, rung.video_maxrate_kbps)


def video_codec_string(rung: Rung, fps: float = 30.0) -> str:
    """RFC 6381 codec of the rung's video: H.264 High, no constraint flags, its level."""
    return f"avc1.{H264_HIGH_PROFILE_IDC:02x}00{rung_level(rung, fps):02x}"


def codecs_string(rung: Rung, fps: float = 30.0) -> str:
    """Value of the master playlist's CODECS attribute, e.g. ``avc1.640028,mp4a.40.2``."""
    return f"{video_codec_string(rung, fps)},{AAC_LC_CODEC}"
