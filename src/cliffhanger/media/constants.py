"""Every limit, duration and file name of the media package, in one place.

The rendition ladder itself is data in :mod:`cliffhanger.media.ladder`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

# --- What a master must be -------------------------------------------------------------------
MIN_MASTER_DURATION_S: Final = 10.0
MAX_MASTER_DURATION_S: Final = 600.0
PORTRAIT_ASPECT: Final = Fraction(9, 16)
# Relative tolerance on width/height against 9/16: 1080x1920 exports that lost a few pixels to an
# editor's crop are fine, 4:5 or square are not.
ASPECT_TOLERANCE: Final = 0.02
# Validation decodes this many frames at the start, and as many from the key frame at or before
# the middle: a sample, cheap even for a 50 Mbit/s 1080p master.
VALIDATION_SAMPLE_FRAMES: Final = 5

# --- How we encode -------------------------------------------------------------------------
SEGMENT_S: Final = 2
X264_PRESET: Final = "veryfast"
MAX_OUTPUT_FPS: Final = 60
# Every phone decodes level 3.0; lower levels cap VBV below our small rungs' maxrate.
MIN_H264_LEVEL: Final = 30
AUDIO_SAMPLE_RATE: Final = 48_000
AUDIO_CHANNELS: Final = 2

# --- Output layout (relative to the episode's output folder) -----------------------------------
MASTER_PLAYLIST: Final = "master.m3u8"
VARIANT_PLAYLIST: Final = "index.m3u8"
SEGMENT_PATTERN: Final = "seg_%05d.ts"
POSTER_NAME: Final = "poster.jpg"

# --- Posters -------------------------------------------------------------------------------
POSTER_MAX_WIDTH: Final = 720
# Seek this far into the episode, then let the thumbnail filter pick the most representative of
# the next POSTER_THUMBNAIL_FRAMES key frames within POSTER_WINDOW_S (skips fades and blinks).
# Key frames only: decoding stays a handful of frames whatever the master's bit rate.
POSTER_POSITION: Final = 0.2
POSTER_WINDOW_S: Final = 16.0
POSTER_THUMBNAIL_FRAMES: Final = 8
POSTER_JPEG_QUALITY: Final = 3  # ffmpeg -q:v, 2 (best) .. 31
POSTER_TIMEOUT_S: Final = 120.0

# --- Encryption ------------------------------------------------------------------------------
# Written into every encrypted playlist; the playback service replaces it per viewer with
# /api/v1/keys/{episode_id}?token=... when it serves the playlist.
KEY_URI_PLACEHOLDER: Final = "cliffhanger-key://episode"
CONTENT_KEY_BYTES: Final = 16

# --- Running ffmpeg --------------------------------------------------------------------------
# After SIGTERM ffmpeg finishes its trailers; past this grace period it gets SIGKILL.
KILL_GRACE_S: Final = 5.0
STDERR_TAIL_LINES: Final = 40
RUNNER_POLL_S: Final = 0.1
