"""Typed errors raised by the media package.

Callers map these to HTTP problems or task outcomes in one place; nothing here knows about HTTP.
"""

from __future__ import annotations

from enum import StrEnum


class MediaError(Exception):
    """Base class of every error the media package raises on purpose."""


class RejectionCode(StrEnum):
    """Why a master was refused; the value is the stable machine-readable code."""

    NOT_MEDIA = "not_media"
    """FFmpeg cannot recognise the file as audio or video (or it is a still image)."""
    NO_VIDEO = "no_video"
    """The file has no video stream (audio only, or only cover art)."""
    NOT_PORTRAIT_9X16 = "not_portrait_9x16"
    """The displayed picture is not 9:16 portrait within the aspect tolerance."""
    TOO_SHORT = "too_short"
    """Shorter than the minimum episode length."""
    TOO_LONG = "too_long"
    """Longer than the maximum episode length."""
    UNDECODABLE = "undecodable"
    """Headers parse but the sampled video frames cannot be decoded (damaged file)."""


class MediaRejected(MediaError):
    """A master that must not be packaged; ``message`` is a sentence fit to show the uploader."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"MediaRejected(code={self.code.value!r}, message={self.message!r})"


class FFmpegFailed(MediaError):
    """ffmpeg exited with a non-zero status; ``stderr_tail`` holds its last lines of log."""

    def __init__(self, returncode: int | None, stderr_tail: str, reason: str | None = None) -> None:
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        summary = reason or f"ffmpeg exited with status {returncode}"
        last_line = stderr_tail.strip().splitlines()[-1] if stderr_tail.strip() else ""
        super().__init__(f"{summary}: {last_line}" if last_line else summary)


class FFmpegTimedOut(FFmpegFailed):
    """ffmpeg ran past its deadline and was stopped."""


class FFmpegCancelled(FFmpegFailed):
    """ffmpeg was stopped because the caller set its cancel event."""


class PackagingFailed(MediaError):
    """ffmpeg succeeded but its HLS output does not hold up to our checks."""
