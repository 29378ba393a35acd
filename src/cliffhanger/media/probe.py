"""Probing and validating episode masters with PyAV (the ffmpeg wheel has no ffprobe).

:func:`probe` describes a file; :func:`validate_master` decides whether it may become an episode
and says why not in a sentence the uploader can act on.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
from av.container import InputContainer
from av.stream import Disposition
from av.video.stream import VideoStream

from cliffhanger.media.constants import (
    ASPECT_TOLERANCE,
    MAX_MASTER_DURATION_S,
    MIN_MASTER_DURATION_S,
    PORTRAIT_ASPECT,
    VALIDATION_SAMPLE_FRAMES,
)
from cliffhanger.media.errors import MediaRejected, RejectionCode

# Demuxers that yield a single picture: a poster uploaded as the master is not a video.
_IMAGE_FORMATS = frozenset(
    {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "gif", "bmp_pipe", "tiff_pipe"}
)


@dataclass(frozen=True)
class MediaInfo:
    """What a master is. ``width``/``height`` are as displayed (rotation applied)."""

    duration_s: float
    width: int
    height: int
    fps: float
    video_codec: str
    has_audio: bool
    audio_codec: str | None
    size_bytes: int
    rotation: int = 0


def _open(path: Path) -> InputContainer:
    try:
        return av.open(os.fspath(path), mode="r")
    except (av.error.InvalidDataError, av.error.EOFError, av.error.PatchWelcomeError) as exc:
        raise MediaRejected(
            RejectionCode.NOT_MEDIA,
            "The file is not a video Cliffhanger can read (FFmpeg does not recognise its format, "
            "or the file is incomplete); "
            "upload the episode master as a video file such as an H.264 MP4.",
        ) from exc


def _video_stream(container: InputContainer) -> VideoStream:
    # Cover art in audio files shows up as a one-picture video stream; it is not a video.
    streams = [s for s in container.streams.video if not s.disposition & Disposition.attached_pic]
    if not streams:
        found = "only audio" if container.streams.audio else "no audio or video"
        raise MediaRejected(
            RejectionCode.NO_VIDEO,
            f"The file has no video stream (it contains {found}); "
            "Cliffhanger needs a 9:16 portrait video master.",
        )
    return streams[0]


def _fps(stream: VideoStream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 0.0


def _duration_s(container: InputContainer, stream: VideoStream) -> float:
    if container.duration is not None:
        return container.duration / av.time_base
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return 0.0


def _first_frame_rotation(container: InputContainer, stream: VideoStream) -> int:
    """Display rotation in degrees from the first decoded frame's display matrix.

    PyAV exposes the matrix on frames, not streams; one frame is cheap. ffmpeg auto-rotates when
    it decodes, so the ladder sees the displayed orientation too.
    """
    for frame in container.decode(stream):
        return int(frame.rotation) % 360
    return 0


def _undecodable(where: str, detail: str) -> MediaRejected:
    return MediaRejected(
        RejectionCode.UNDECODABLE,
        f"The video cannot be decoded {where} ({detail}); the file is probably damaged or "
        "truncated. Export the master again and re-upload it.",
    )


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe a media file. Raises MediaRejected (``not_media``, ``no_video``, ``undecodable``)
    when there is nothing to describe."""
    file = Path(path)
    size_bytes = file.stat().st_size
    with _open(file) as container:
        if container.format.name in _IMAGE_FORMATS:
            raise MediaRejected(
                RejectionCode.NOT_MEDIA,
                f"The file is a still image ({container.format.name}), not a video; "
                "upload the episode master as a video file such as an H.264 MP4.",
            )
        stream = _video_stream(container)
        try:
            rotation = _first_frame_rotation(container, stream)
        except av.error.FFmpegError as exc:
            raise _undecodable("at its first frame", str(exc)) from exc
        width, height = stream.width, stream.height
        if rotation in (90, 270):
            width, height = height, width
        audio = container.streams.audio[0] if container.streams.audio else None
        return MediaInfo(
            duration_s=_duration_s(container, stream),
            width=width,
            height=height,
            fps=_fps(stream),
            video_codec=stream.codec_context.name,
            has_audio=audio is not None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            size_bytes=size_bytes,
            rotation=rotation,
        )


def _ratio_label(width: int, height: int) -> str:
    ratio = Fraction(width, height)
    if ratio.numerator <= 32 and ratio.denominator <= 32:
        return f"{ratio.numerator}:{ratio.denominator}"
    return f"{width / height:.3f}:1"


def _duration_label(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}".removesuffix(".0") + " s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _check_shape(info: MediaInfo) -> None:
    if info.width <= 0 or info.height <= 0:
        raise _undecodable("at all", "the picture size is unknown")
    aspect = info.width / info.height
    if abs(aspect / float(PORTRAIT_ASPECT) - 1) > ASPECT_TOLERANCE:
        orientation = (
            "landscape"
            if info.width > info.height
            else "square"
            if info.width == info.height
            else "portrait"
        )
        raise MediaRejected(
            RejectionCode.NOT_PORTRAIT_9X16,
            f"The video is {info.width}x{info.height} ({_ratio_label(info.width, info.height)}, "
            f"{orientation}); Cliffhanger needs a 9:16 portrait master such as 1080x1920.",
        )


def _check_duration(info: MediaInfo) -> None:
    if info.duration_s < MIN_MASTER_DURATION_S:
        raise MediaRejected(
            RejectionCode.TOO_SHORT,
            f"The video lasts {_duration_label(info.duration_s)}; an episode master must last "
            f"at least {_duration_label(MIN_MASTER_DURATION_S)}.",
        )
    if info.duration_s > MAX_MASTER_DURATION_S:
        raise MediaRejected(
            RejectionCode.TOO_LONG,
            f"The video lasts {_duration_label(info.duration_s)}; an episode master may last "
            f"at most {_duration_label(MAX_MASTER_DURATION_S)}.",
        )


def _decode_sample(container: InputContainer, stream: VideoStream, where: str) -> None:
    decoded = 0
    try:
        for _frame in container.decode(stream):
            decoded += 1
            if decoded >= VALIDATION_SAMPLE_FRAMES:
                return
    except av.error.FFmpegError as exc:
        raise _undecodable(where, str(exc)) from exc
    if decoded == 0:
        raise _undecodable(where, "no picture could be decoded there")


def _check_decodes(path: Path, duration_s: float) -> None:
    """Decode a few frames at the start and at the middle; headers alone prove nothing.

    ``err_detect=explode`` makes the decoder fail on damage it would otherwise conceal, so a file
    with valid headers and corrupt packets is caught here, not half-way through the ladder.
    """
    with _open(path) as container:
        stream = _video_stream(container)
        stream.codec_context.options = {"err_detect": "explode"}
        # Frame threads: x264 masters have one slice per frame, so slice threads would idle.
        stream.codec_context.thread_type = "AUTO"
        _decode_sample(container, stream, "at its start")

        middle_s = duration_s / 2
        where = f"around {_duration_label(middle_s)}"
        time_base = stream.time_base
        if time_base is None:
            raise _undecodable(where, "the stream has no time base")
        target_pts = (stream.start_time or 0) + math.floor(middle_s / time_base)
        try:
            # Lands on the key frame at or before the middle, which the sample starts with.
            container.seek(target_pts, stream=stream, backward=True, any_frame=False)
        except av.error.FFmpegError as exc:
            raise _undecodable(where, str(exc)) from exc
        _decode_sample(container, stream, where)


def validate_master(path: str | os.PathLike[str]) -> MediaInfo:
    """Probe ``path`` and check it can be an episode master; raise MediaRejected if not.

    Checks, in order: readable media, a video stream, 9:16 portrait within the tolerance (as
    displayed), duration within the limits, and that frames at the start and middle decode.
    """
    info = probe(path)
    _check_shape(info)
    _check_duration(info)
    if info.fps <= 0:
        raise _undecodable("at all", "the frame rate is unknown")
    _check_decodes(Path(path), info.duration_s)
    return info
