"""Probing and validating masters on real generated files, one per kind of rejection."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from cliffhanger.media.constants import MAX_MASTER_DURATION_S, MIN_MASTER_DURATION_S
from cliffhanger.media.errors import MediaError, MediaRejected, RejectionCode
from cliffhanger.media.probe import MediaInfo, probe, validate_master

FFmpegRun = Callable[..., subprocess.CompletedProcess[str]]


def rejection(path: Path) -> MediaRejected:
    with pytest.raises(MediaRejected) as caught:
        validate_master(path)
    assert isinstance(caught.value, MediaError)
    return caught.value


def test_valid_master_is_described(master_360: Path) -> None:
    info = validate_master(master_360)
    assert info == MediaInfo(
        duration_s=pytest.approx(12.0, abs=0.1),
        width=360,
        height=640,
        fps=30.0,
        video_codec="h264",
        has_audio=True,
        audio_codec="aac",
        size_bytes=master_360.stat().st_size,
    )


def test_master_without_audio_is_accepted(master_360_silent: Path) -> None:
    info = validate_master(master_360_silent)
    assert info.has_audio is False and info.audio_codec is None


def test_text_file_renamed_mp4_is_not_media(tmp_path: Path) -> None:
    fake = tmp_path / "episode.mp4"
    fake.write_text("INT. KITCHEN - NIGHT\nShe opens the letter.\n")
    found = rejection(fake)
    assert found.code is RejectionCode.NOT_MEDIA
    assert "not a video" in found.message


def test_still_image_is_not_media(tmp_path: Path, ffmpeg_run: FFmpegRun) -> None:
    image = tmp_path / "poster.mp4"
    result = ffmpeg_run("-f", "lavfi", "-i", "color=red:size=360x640", "-frames:v", "1",
                        "-f", "image2", "-c:v", "png", str(image))  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = rejection(image)
    assert found.code is RejectionCode.NOT_MEDIA
    assert "still image" in found.message


def test_audio_only_file_has_no_video(tmp_path: Path, ffmpeg_run: FFmpegRun) -> None:
    audio = tmp_path / "voice.m4a"
    result = ffmpeg_run("-f", "lavfi", "-i", "sine=frequency=300:duration=12", "-c:a", "aac",
                        str(audio))  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = rejection(audio)
    assert found.code is RejectionCode.NO_VIDEO
    assert "only audio" in found.message


def test_square_video_is_not_portrait(make_master: Callable[..., Path]) -> None:
    found = rejection(make_master("square.mp4", width=640, height=640, duration_s=2.0))
    assert found.code is RejectionCode.NOT_PORTRAIT_9X16
    assert found.message == (
        "The video is 640x640 (1:1, square); "
        "Cliffhanger needs a 9:16 portrait master such as 1080x1920."
    )


def test_landscape_and_4x5_are_not_portrait(make_master: Callable[..., Path]) -> None:
    landscape = rejection(make_master("landscape.mp4", width=640, height=360, duration_s=2.0))
    assert landscape.code is RejectionCode.NOT_PORTRAIT_9X16
    assert "640x360 (16:9, landscape)" in landscape.message
    four_five = rejection(make_master("four-five.mp4", width=512, height=640, duration_s=2.0))
    assert "512x640 (4:5, portrait)" in four_five.message


def test_rotation_is_applied_before_the_shape_check(
    tmp_path: Path, master_360: Path, ffmpeg_run: FFmpegRun
) -> None:
    rotated = tmp_path / "rotated.mp4"
    # A portrait picture flagged to be displayed turned by 90 degrees is landscape on screen.
    result = ffmpeg_run("-display_rotation:v", "90", "-i", str(master_360), "-c", "copy",
                        str(rotated))  # fmt: skip
    assert result.returncode == 0, result.stderr
    info = probe(rotated)
    assert (info.width, info.height, info.rotation) == (640, 360, 90)
    assert rejection(rotated).code is RejectionCode.NOT_PORTRAIT_9X16


def test_five_second_clip_is_too_short(make_master: Callable[..., Path]) -> None:
    found = rejection(make_master("short.mp4", duration_s=5.0))
    assert found.code is RejectionCode.TOO_SHORT
    assert found.message == ("The video lasts 5 s; an episode master must last at least 10 s.")
    assert MIN_MASTER_DURATION_S == 10.0


def test_clip_over_ten_minutes_is_too_long(tmp_path: Path, ffmpeg_run: FFmpegRun) -> None:
    long_clip = tmp_path / "long.mp4"
    # 90x160 at 1 fps keeps a real 10 min 1 s file cheap to make (well under a second).
    result = ffmpeg_run("-f", "lavfi", "-i", "testsrc2=size=90x160:rate=1:duration=601",
                        "-c:v", "libx264", "-preset", "ultrafast", str(long_clip))  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = rejection(long_clip)
    assert found.code is RejectionCode.TOO_LONG
    assert found.message == (
        "The video lasts 10 min 1 s; an episode master may last at most 10 min."
    )
    assert MAX_MASTER_DURATION_S == 600.0


def test_corrupt_packets_in_the_middle_are_undecodable(corrupt_master: Path) -> None:
    info = probe(corrupt_master)  # headers still parse: only decoding finds the damage
    assert (info.width, info.height) == (360, 640)
    found = rejection(corrupt_master)
    assert found.code is RejectionCode.UNDECODABLE
    assert "around 6 s" in found.message
    assert "damaged" in found.message


def test_truncated_file_is_rejected(tmp_path: Path, master_360: Path) -> None:
    truncated = tmp_path / "truncated.mp4"
    data = master_360.read_bytes()
    truncated.write_bytes(data[: len(data) // 3])  # faststart: the index survives, the data not
    assert rejection(truncated).code is RejectionCode.UNDECODABLE


def test_empty_file_is_not_media(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    assert rejection(empty).code is RejectionCode.NOT_MEDIA


def test_probe_does_not_judge(tmp_path: Path, make_master: Callable[..., Path]) -> None:
    square = tmp_path / "square-copy.mp4"
    shutil.copyfile(make_master("square.mp4", width=640, height=640, duration_s=2.0), square)
    info = probe(square)
    assert (info.width, info.height, info.has_audio) == (640, 640, True)
