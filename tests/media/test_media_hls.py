"""Checking variant playlists and writing the master from measured segment sizes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import m3u8
import pytest

from cliffhanger.media.aes import KEY_URI_PLACEHOLDER
from cliffhanger.media.errors import PackagingFailed
from cliffhanger.media.hls import (
    Segment,
    Variant,
    check_aligned,
    master_playlist_text,
    read_variant,
)
from cliffhanger.media.ladder import LADDER, Rung

RUNG_360 = LADDER[-1]
RUNG_540 = LADDER[-2]


def variant(*segments: tuple[float, int], rung: Rung = RUNG_360) -> Variant:
    return Variant(
        rung,
        "360p/index.m3u8",
        2,
        tuple(Segment(f"360p/seg_{i:05d}.ts", d, s) for i, (d, s) in enumerate(segments)),
    )


def test_peak_bandwidth_is_the_busiest_two_second_window() -> None:
    v = variant((2.0, 500_000), (2.0, 250_000), (2.0, 250_000))
    assert v.peak_bandwidth == 2_000_000
    assert v.average_bandwidth == 8 * 1_000_000 // 6 + 1


def test_a_tiny_last_segment_does_not_inflate_the_peak() -> None:
    # A 40 ms tail holding one key frame is 8 Mbit/s on its own; RFC 8216 judges it together
    # with its neighbour (windows of 0.5 to 1.5 target durations).
    v = variant((2.0, 250_000), (2.0, 250_000), (0.04, 40_000))
    assert v.peak_bandwidth == pytest.approx(8 * 290_000 / 2.04, abs=1)
    assert v.peak_bandwidth < 1_200_000


def test_master_lists_every_variant_with_codecs_resolution_and_bandwidth() -> None:
    variants = [
        Variant(RUNG_540, "540p/index.m3u8", 2, (Segment("540p/seg_00000.ts", 2.0, 300_000),)),
        Variant(RUNG_360, "360p/index.m3u8", 2, (Segment("360p/seg_00000.ts", 2.0, 150_000),)),
    ]
    master = m3u8.loads(master_playlist_text(variants, fps=30.0))
    assert [p.uri for p in master.playlists] == ["540p/index.m3u8", "360p/index.m3u8"]
    first, second = (p.stream_info for p in master.playlists)
    assert (first.bandwidth, first.average_bandwidth) == (1_200_000, 1_200_000)
    assert first.resolution == (540, 960) and first.codecs == "avc1.64001f,mp4a.40.2"
    assert second.resolution == (360, 640) and second.codecs == "avc1.64001e,mp4a.40.2"
    assert second.frame_rate == 30.0
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in master_playlist_text(variants, fps=30.0)


def write_variant(
    root: Path, *, key_line: str = "", segments: int = 2, endlist: bool = True
) -> None:
    folder = root / "360p"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-TARGETDURATION:2", "#EXT-X-PLAYLIST-TYPE:VOD"]
    if key_line:
        lines.append(key_line)
    for i in range(segments):
        lines += ["#EXTINF:2.000000,", f"seg_{i:05d}.ts"]
        (folder / f"seg_{i:05d}.ts").write_bytes(b"\x47" * 188 * 10)
    if endlist:
        lines.append("#EXT-X-ENDLIST")
    (folder / "index.m3u8").write_text("\n".join(lines) + "\n")


def test_read_variant_measures_segments(tmp_path: Path) -> None:
    write_variant(tmp_path)
    found = read_variant(tmp_path, RUNG_360, encrypted=False)
    assert found.playlist == "360p/index.m3u8"
    assert [s.path for s in found.segments] == ["360p/seg_00000.ts", "360p/seg_00001.ts"]
    assert {s.size_bytes for s in found.segments} == {1880}
    assert found.duration_s == 4.0


def _no_playlist(root: Path) -> None:
    root.mkdir(exist_ok=True)


def _unfinished(root: Path) -> None:
    write_variant(root, endlist=False)


def _no_segments(root: Path) -> None:
    write_variant(root, segments=0)


def _missing_segment(root: Path) -> None:
    write_variant(root)
    (root / "360p" / "seg_00001.ts").unlink()


def _empty_segment(root: Path) -> None:
    write_variant(root)
    (root / "360p" / "seg_00000.ts").write_bytes(b"")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (_no_playlist, "no playlist"),
        (_unfinished, "not a finished VOD"),
        (_no_segments, "no segments"),
        (_missing_segment, "missing"),
        (_empty_segment, "empty"),
    ],
)
def test_read_variant_refuses_broken_output(
    tmp_path: Path, setup: Callable[[Path], None], message: str
) -> None:
    setup(tmp_path)
    with pytest.raises(PackagingFailed, match=message):
        read_variant(tmp_path, RUNG_360, encrypted=False)


def test_read_variant_checks_encryption_both_ways(tmp_path: Path) -> None:
    key = f'#EXT-X-KEY:METHOD=AES-128,URI="{KEY_URI_PLACEHOLDER}",IV=0x{"ab" * 16}'
    write_variant(tmp_path / "enc", key_line=key)
    assert read_variant(tmp_path / "enc", RUNG_360, encrypted=True).segments
    with pytest.raises(PackagingFailed, match="encrypted but no key"):
        read_variant(tmp_path / "enc", RUNG_360, encrypted=False)

    write_variant(tmp_path / "clear")
    with pytest.raises(PackagingFailed, match="not AES-128"):
        read_variant(tmp_path / "clear", RUNG_360, encrypted=True)

    wrong_uri = f'#EXT-X-KEY:METHOD=AES-128,URI="https://evil.example/key",IV=0x{"ab" * 16}'
    write_variant(tmp_path / "leaky", key_line=wrong_uri)
    with pytest.raises(PackagingFailed, match="placeholder"):
        read_variant(tmp_path / "leaky", RUNG_360, encrypted=True)


def test_misaligned_rungs_are_refused() -> None:
    three = variant((2.0, 1), (2.0, 1), (1.0, 1))
    two = variant((2.0, 1), (3.0, 1), rung=RUNG_540)
    with pytest.raises(PackagingFailed, match="3 and 2 segments"):
        check_aligned([three, two], frame_s=1 / 30)
    shifted = variant((2.0, 1), (2.5, 1), (0.5, 1), rung=RUNG_540)
    with pytest.raises(PackagingFailed, match="not aligned"):
        check_aligned([three, shifted], frame_s=1 / 30)
    check_aligned([three, variant((2.0, 5), (2.0, 5), (1.0, 5), rung=RUNG_540)], frame_s=1 / 30)
