"""The ladder table and the pure rules around it."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cliffhanger.media.ladder import (
    LADDER,
    codecs_string,
    h264_level,
    level_name,
    output_fps,
    select_rungs,
)


def test_ladder_is_data_with_bufsize_twice_the_maxrate() -> None:
    assert [(r.width, r.height) for r in LADDER] == [
        (1080, 1920),
        (720, 1280),
        (540, 960),
        (360, 640),
    ]
    assert len({r.name for r in LADDER}) == len(LADDER)
    for rung in LADDER:
        assert rung.video_bufsize_kbps == 2 * rung.video_maxrate_kbps
        assert Fraction(rung.width, rung.height) == Fraction(9, 16)
    rates = [r.video_maxrate_kbps for r in LADDER]
    assert rates == sorted(rates, reverse=True)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1080, 1920), ["1080p", "720p", "540p", "360p"]),
        ((2160, 3840), ["1080p", "720p", "540p", "360p"]),
        ((1064, 1920), ["1080p", "720p", "540p", "360p"]),  # within the 2 % tolerance
        ((1000, 1778), ["720p", "540p", "360p"]),
        ((720, 1280), ["720p", "540p", "360p"]),
        ((360, 640), ["360p"]),
    ],
)
def test_select_rungs_never_upscales(size: tuple[int, int], expected: list[str]) -> None:
    width, height = size
    rungs = select_rungs(width, height)
    assert [r.name for r in rungs] == expected
    for rung in rungs:
        assert rung.width <= width * 1.02 and rung.height <= height * 1.02


def test_source_below_the_ladder_gets_one_rung_at_its_own_even_size() -> None:
    (rung,) = select_rungs(301, 535)
    assert (rung.width, rung.height) == (300, 534)
    smallest = LADDER[-1]
    assert rung.video_maxrate_kbps < smallest.video_maxrate_kbps
    assert rung.video_bufsize_kbps == 2 * rung.video_maxrate_kbps
    (tiny,) = select_rungs(90, 160)
    assert (tiny.width, tiny.height) == (90, 160)
    assert tiny.video_maxrate_kbps >= 150  # a floor, not a pixel-proportional trickle


def test_select_rungs_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="invalid picture size"):
        select_rungs(0, 640)


@pytest.mark.parametrize(
    ("name", "fps", "codecs"),
    [
        ("1080p", 30, "avc1.640028,mp4a.40.2"),
        ("720p", 30, "avc1.64001f,mp4a.40.2"),
        ("540p", 30, "avc1.64001f,mp4a.40.2"),
        ("360p", 30, "avc1.64001e,mp4a.40.2"),
        ("1080p", 60, "avc1.64002a,mp4a.40.2"),
        ("720p", 60, "avc1.640020,mp4a.40.2"),
    ],
)
def test_codecs_string_is_high_profile_at_the_needed_level(
    name: str, fps: int, codecs: str
) -> None:
    rung = next(r for r in LADDER if r.name == name)
    assert codecs_string(rung, fps) == codecs


def test_h264_level_limits() -> None:
    assert h264_level(1920, 1080, 30, 4500) == 40
    assert h264_level(1080, 1920, 50, 4500) == 42  # 8160 MBs x 50 > level 4.1's 245760 MB/s
    assert h264_level(320, 240, 30, 300) == 30  # floor: every phone decodes 3.0
    assert h264_level(1920, 1080, 30, 40_000) == 41  # bitrate alone pushes the level up
    assert level_name(31) == "3.1"
    with pytest.raises(ValueError, match=r"no H\.264 level"):
        h264_level(8192, 8192, 120, 1000)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (30.0, Fraction(30)),
        (29.97, Fraction(30000, 1001)),
        (23.976, Fraction(24000, 1001)),
        (25.1, Fraction(25)),  # a phone's measured VFR average
        (120.0, Fraction(60)),  # capped
        (12.5, Fraction(25, 2)),  # unusual but kept
    ],
)
def test_output_fps_snaps_and_caps(source: float, expected: Fraction) -> None:
    assert output_fps(source) == expected
