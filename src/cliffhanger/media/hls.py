"""Checking ffmpeg's HLS output and writing the master playlist from what was really encoded.

The master is ours, not ffmpeg's: BANDWIDTH follows RFC 8216's peak segment bit rate measured on
the segment files (encryption padding included), CODECS matches the level each rung was encoded
at, and FRAME-RATE is present. Players pick renditions from these numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import m3u8

from cliffhanger.media.constants import KEY_URI_PLACEHOLDER, MASTER_PLAYLIST, VARIANT_PLAYLIST
from cliffhanger.media.errors import PackagingFailed
from cliffhanger.media.ladder import Rung, codecs_string

_HLS_VERSION = 6  # what ffmpeg writes in the variant playlists


@dataclass(frozen=True)
class Segment:
    """One media segment: path relative to the package root, duration and size."""

    path: str
    duration_s: float
    size_bytes: int


@dataclass(frozen=True)
class Variant:
    """One rung's media playlist as found on disk."""

    rung: Rung
    playlist: str
    target_duration_s: int
    segments: tuple[Segment, ...]

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)

    @property
    def average_bandwidth(self) -> int:
        """Bits per second over the whole rendition."""
        total_bits = 8 * sum(s.size_bytes for s in self.segments)
        return math.ceil(total_bits / self.duration_s)

    @property
    def peak_bandwidth(self) -> int:
        """RFC 8216 peak segment bit rate: the highest bit rate of any run of contiguous segments
        lasting between 0.5 and 1.5 times the target duration.

        Runs rather than single segments, so a short final segment (a key frame and little else)
        is judged together with its neighbour instead of inflating the figure.
        """
        low, high = 0.5 * self.target_duration_s, 1.5 * self.target_duration_s
        peak = 0.0
        for start in range(len(self.segments)):
            bits, seconds = 0, 0.0
            for segment in self.segments[start:]:
                bits += 8 * segment.size_bytes
                seconds += segment.duration_s
                if seconds > high:
                    break
                if seconds >= low:
                    peak = max(peak, bits / seconds)
        return math.ceil(peak) if peak else self.average_bandwidth


def read_variant(root: Path, rung: Rung, *, encrypted: bool) -> Variant:
    """Parse and check ``{rung}/index.m3u8`` under ``root``; raise PackagingFailed if unusable.

    A usable variant is a finished VOD playlist whose segments all exist and are non-empty, and
    whose segments are all encrypted with the placeholder key URI (or none is, when unencrypted).
    """
    relative = f"{rung.name}/{VARIANT_PLAYLIST}"
    path = root / relative
    if not path.is_file():
        raise PackagingFailed(f"ffmpeg wrote no playlist for rung {rung.name} ({relative})")
    playlist = m3u8.loads(path.read_text(), uri=str(path))
    if not playlist.is_endlist or (playlist.playlist_type or "").upper() != "VOD":
        raise PackagingFailed(f"{relative} is not a finished VOD playlist")
    if not playlist.segments:
        raise PackagingFailed(f"{relative} lists no segments")

    segments = []
    for entry in playlist.segments:
        key = entry.key
        method = (key.method if key is not None else "NONE") or "NONE"
        if encrypted and (method != "AES-128" or key.uri != KEY_URI_PLACEHOLDER or not key.iv):
            raise PackagingFailed(
                f"{relative}: segment {entry.uri} is not AES-128 with the placeholder key"
            )
        if not encrypted and method != "NONE":
            raise PackagingFailed(
                f"{relative}: segment {entry.uri} is encrypted but no key was given"
            )
        segment_path = path.parent / entry.uri
        size = segment_path.stat().st_size if segment_path.is_file() else 0
        if size == 0:
            raise PackagingFailed(f"{relative}: segment {entry.uri} is missing or empty")
        segments.append(Segment(f"{rung.name}/{entry.uri}", float(entry.duration), size))
    return Variant(rung, relative, int(playlist.target_duration or 0), tuple(segments))


def check_aligned(variants: Sequence[Variant], *, frame_s: float) -> None:
    """Every rung must cut segments at the same times, or switching rungs would skip or repeat."""
    reference = variants[0]
    for variant in variants[1:]:
        if len(variant.segments) != len(reference.segments):
            raise PackagingFailed(
                f"rungs {reference.rung.name} and {variant.rung.name} have "
                f"{len(reference.segments)} and {len(variant.segments)} segments; "
                "GOPs are not aligned"
            )
        for ours, theirs in zip(reference.segments, variant.segments, strict=True):
            if abs(ours.duration_s - theirs.duration_s) > frame_s:
                raise PackagingFailed(
                    f"{ours.path} lasts {ours.duration_s:.3f} s but {theirs.path} "
                    f"{theirs.duration_s:.3f} s; GOPs are not aligned"
                )


def master_playlist_text(variants: Sequence[Variant], *, fps: float) -> str:
    """The master playlist listing every variant, in ladder order (highest first)."""
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{_HLS_VERSION}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        rung = variant.rung
        attributes = ",".join(
            (
                f"BANDWIDTH={variant.peak_bandwidth}",
                f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
                f'CODECS="{codecs_string(rung, fps)}"',
                f"RESOLUTION={rung.width}x{rung.height}",
                f"FRAME-RATE={fps:.3f}",
            )
        )
        lines += [f"#EXT-X-STREAM-INF:{attributes}", variant.playlist]
    return "\n".join(lines) + "\n"


def write_master_playlist(root: Path, variants: Sequence[Variant], *, fps: float) -> str:
    """Write (replacing ffmpeg's) ``master.m3u8`` under ``root``; return its relative name."""
    (root / MASTER_PLAYLIST).write_text(master_playlist_text(variants, fps=fps))
    return MASTER_PLAYLIST
