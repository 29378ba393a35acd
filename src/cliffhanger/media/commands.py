"""Pure builders of ffmpeg argument lists (the PeerTube split): no I/O, no processes.

Each function returns the full ``argv`` (executable first) for
:func:`cliffhanger.media.runner.run_ffmpeg`; unit tests assert on these lists without ffmpeg.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from cliffhanger.media.constants import (
    AUDIO_CHANNELS,
    AUDIO_SAMPLE_RATE,
    MASTER_PLAYLIST,
    POSTER_JPEG_QUALITY,
    POSTER_MAX_WIDTH,
    POSTER_POSITION,
    POSTER_THUMBNAIL_FRAMES,
    POSTER_WINDOW_S,
    SEGMENT_PATTERN,
    SEGMENT_S,
    VARIANT_PLAYLIST,
    X264_PRESET,
)
from cliffhanger.media.ffmpeg import ffmpeg_exe
from cliffhanger.media.ladder import Rung, level_name, rung_level
from cliffhanger.media.titlecard import render_title_card_png

StrPath = str | os.PathLike[str]

SYNTHETIC_MASTER_MAXRATE = "20M"
SYNTHETIC_MASTER_BUFSIZE = "40M"

# Common to every command: never read stdin (a worker has none), keep stderr to what matters
# (it becomes FFmpegFailed.stderr_tail), and overwrite outputs we own.
_GLOBAL_OPTIONS = ("-hide_banner", "-nostdin", "-loglevel", "warning", "-y")
# Machine-readable progress on stdout for the runner; no human stats line on stderr.
_PROGRESS_OPTIONS = ("-progress", "pipe:1", "-nostats")


def _fps_arg(fps: Fraction | float) -> str:
    rate = fps if isinstance(fps, Fraction) else Fraction(fps).limit_denominator(1001)
    return f"{rate.numerator}/{rate.denominator}" if rate.denominator != 1 else str(rate.numerator)


def _ladder_filter_graph(
    rungs: Sequence[Rung], fps: Fraction | float, *, silent_audio_s: float | None
) -> str:
    """Decode once, convert to constant frame rate once, split, then scale+crop per rung.

    ``force_original_aspect_ratio=increase`` + ``crop`` fills the rung exactly, trimming at most
    the aspect tolerance (2 %) instead of stretching the picture.
    """
    count = len(rungs)
    outputs = "".join(f"[s{i}]" for i in range(count))
    chains = [f"[0:v:0]fps={_fps_arg(fps)},split={count}{outputs}"]
    for i, rung in enumerate(rungs):
        size = f"{rung.width}:{rung.height}"
        chains.append(
            f"[s{i}]scale={size}:force_original_aspect_ratio=increase,crop={size},"
            f"setsar=1,format=yuv420p[v{i}]"
        )
    if silent_audio_s is not None:
        # Every rung must carry audio (players switch variants mid-stream, and a variant without
        # audio next to one with audio breaks some of them), so a silent master gets silent AAC.
        audio_outputs = "".join(f"[a{i}]" for i in range(count))
        chains.append(
            f"anullsrc=r={AUDIO_SAMPLE_RATE}:cl=stereo,atrim=end={silent_audio_s:.3f},"
            f"asplit={count}{audio_outputs}"
        )
    return ";".join(chains)


def build_package_command(
    ffmpeg: str,
    input_path: StrPath,
    out_dir: StrPath,
    rungs: Sequence[Rung],
    *,
    fps: Fraction | float,
    has_audio: bool = True,
    duration_s: float | None = None,
    segment_s: int = SEGMENT_S,
    key_info_path: StrPath | None = None,
) -> list[str]:
    """One ffmpeg process that decodes the master once and writes the whole HLS ladder.

    Output: ``{rung}/index.m3u8`` + ``{rung}/seg_00000.ts``... per rung and ``master.m3u8``.
    GOPs are closed, exactly ``segment_s`` long and aligned across rungs (time-based forced key
    frames, no scene-cut key frames), so every rung has the same segment boundaries and a player
    can switch at any segment. With ``key_info_path`` segments are AES-128 encrypted; that needs
    MPEG-TS segments (ffmpeg cannot encrypt fMP4 in the HLS muxer).
    ``duration_s`` is required when ``has_audio`` is false (the length of the silent track).
    """
    if not rungs:
        raise ValueError("at least one rung is required")
    if not has_audio and (duration_s is None or duration_s <= 0):
        raise ValueError("duration_s is required to synthesise audio for a master without audio")
    gop_frames = max(1, round(float(fps) * segment_s))
    out = Path(out_dir)

    args = [ffmpeg, *_GLOBAL_OPTIONS, "-i", os.fspath(input_path)]
    args += [
        "-filter_complex",
        _ladder_filter_graph(rungs, fps, silent_audio_s=None if has_audio else duration_s),
    ]
    for i in range(len(rungs)):
        args += ["-map", f"[v{i}]"]
    for i in range(len(rungs)):
        args += ["-map", "0:a:0" if has_audio else f"[a{i}]"]

    args += ["-c:v", "libx264", "-preset", X264_PRESET, "-profile:v", "high"]
    args += [
        "-g", str(gop_frames),
        "-keyint_min", str(gop_frames),
        "-sc_threshold", "0",
        "-flags", "+cgop",
        "-force_key_frames", f"expr:gte(t,n_forced*{segment_s})",
    ]  # fmt: skip
    for i, rung in enumerate(rungs):
        args += [
            f"-crf:v:{i}", str(rung.crf),
            f"-maxrate:v:{i}", f"{rung.video_maxrate_kbps}k",
            f"-bufsize:v:{i}", f"{rung.video_bufsize_kbps}k",
            # Pin the level so the stream matches the CODECS string we write in the master.
            f"-level:v:{i}", level_name(rung_level(rung, float(fps))),
        ]  # fmt: skip

    args += ["-c:a", "aac", "-ac", str(AUDIO_CHANNELS), "-ar", str(AUDIO_SAMPLE_RATE)]
    for i, rung in enumerate(rungs):
        args += [f"-b:a:{i}", f"{rung.audio_kbps}k"]

    args += [
        "-f", "hls",
        "-hls_time", str(segment_s),
        "-hls_playlist_type", "vod",
        "-hls_segment_type", "mpegts",
        "-hls_flags", "independent_segments",
        "-hls_segment_filename", os.fspath(out / "%v" / SEGMENT_PATTERN),
        "-master_pl_name", MASTER_PLAYLIST,
        "-var_stream_map",
        " ".join(f"v:{i},a:{i},name:{rung.name}" for i, rung in enumerate(rungs)),
    ]  # fmt: skip
    if key_info_path is not None:
        args += ["-hls_key_info_file", os.fspath(key_info_path)]
    args += [*_PROGRESS_OPTIONS, os.fspath(out / "%v" / VARIANT_PLAYLIST)]
    return args


def poster_seek_s(duration_s: float) -> float:
    """Where the poster window starts: a fifth in, past cold opens and title cards."""
    return max(0.0, duration_s * POSTER_POSITION)


def build_poster_command(
    ffmpeg: str,
    input_path: StrPath,
    out_path: StrPath,
    *,
    duration_s: float,
    max_width: int = POSTER_MAX_WIDTH,
    key_frames_only: bool = True,
) -> list[str]:
    """A JPEG poster from the most representative frame of a window a fifth into the video.

    Input seeking (``-ss`` before ``-i``) jumps there without decoding the way, ``-skip_frame
    nokey`` decodes key frames only, and ``thumbnail`` picks among them (avoiding a fade or a
    blink), so the cost is a handful of decoded frames whatever the master's bit rate. A master
    with no key frame inside the window yields no poster that way (ffmpeg fails); then call again
    with ``key_frames_only=False``. Never upscaled past the source.
    """
    return [
        ffmpeg, *_GLOBAL_OPTIONS,
        *(("-skip_frame", "nokey") if key_frames_only else ()),
        "-ss", f"{poster_seek_s(duration_s):.3f}",
        "-t", f"{POSTER_WINDOW_S:g}",
        "-i", os.fspath(input_path),
        "-map", "0:v:0",
        "-vf",
        f"thumbnail=n={POSTER_THUMBNAIL_FRAMES},"
        f"scale=w='min({max_width},iw)':h=-2:flags=lanczos",
        "-frames:v", "1",
        "-q:v", str(POSTER_JPEG_QUALITY),
        "-update", "1",
        os.fspath(out_path),
    ]  # fmt: skip


def build_synthetic_master_command(
    out_path: StrPath,
    *,
    title: str,
    duration_s: float,
    width: int,
    height: int,
    tone_hz: float | None,
    fps: int = 30,
    grain: int = 0,
    ffmpeg: str | None = None,
) -> list[str]:
    """A generated H.264/AAC MP4 master: ``testsrc2`` (moving) with ``title`` on a band, and a tone.

    ``tone_hz=None`` makes a master without an audio stream. ``grain`` (0-100) adds temporal noise
    so the encoder has real work to do (benchmarks); a clean test pattern compresses trivially.
    The title card is rendered by Pillow and passed inline as a ``data:`` URI.
    """
    card_png = render_title_card_png(title, width)
    card_uri = "data:image/png;base64," + base64.b64encode(card_png).decode("ascii")
    size = f"{width}x{height}"

    video_filter = "[0:v][1:v]overlay=x=0:y=(main_h-overlay_h)/3:format=auto"
    if grain > 0:
        video_filter += f",noise=alls={grain}:allf=t"
    video_filter += ",format=yuv420p[v]"

    args = [ffmpeg or ffmpeg_exe(), *_GLOBAL_OPTIONS]
    args += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={duration_s:.3f}"]
    args += ["-f", "png_pipe", "-i", card_uri]
    if tone_hz is not None:
        args += [
            "-f", "lavfi",
            "-i",
            f"sine=frequency={tone_hz:g}:sample_rate={AUDIO_SAMPLE_RATE}"
            f":duration={duration_s:.3f}",
        ]  # fmt: skip
    args += ["-filter_complex", video_filter, "-map", "[v]"]
    if tone_hz is not None:
        args += ["-map", "2:a", "-c:a", "aac", "-b:a", "128k", "-ac", str(AUDIO_CHANNELS)]
    args += [
        # A mezzanine-like master: high quality, yet capped like a real 1080p export (with grain,
        # uncapped CRF 18 runs past 100 Mbit/s and the benchmark would measure decoding).
        "-c:v", "libx264", "-preset", X264_PRESET, "-crf", "18",
        "-maxrate", SYNTHETIC_MASTER_MAXRATE, "-bufsize", SYNTHETIC_MASTER_BUFSIZE,
        "-g", str(2 * fps),
        "-t", f"{duration_s:.3f}",
        "-movflags", "+faststart",
        *_PROGRESS_OPTIONS,
        os.fspath(out_path),
    ]  # fmt: skip
    return args
