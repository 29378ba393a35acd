"""Packaging real masters: the ladder, the playlists, encryption and failure cleanup."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import av
import m3u8
import pytest
from PIL import Image
from tests.media.proc_helpers import ffmpeg_children

from cliffhanger.media.aes import KEY_URI_PLACEHOLDER, new_content_key
from cliffhanger.media.errors import FFmpegCancelled, FFmpegTimedOut, MediaRejected
from cliffhanger.media.package import PackageResult, package_master

FFmpegRun = Callable[..., subprocess.CompletedProcess[str]]
EXPECTED_CODECS = {
    "720p": "avc1.64001f,mp4a.40.2",
    "540p": "avc1.64001f,mp4a.40.2",
    "360p": "avc1.64001e,mp4a.40.2",
}


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".packaging-" in p.name]


def test_360_master_gets_exactly_one_rung(tmp_path: Path, master_360: Path) -> None:
    out = tmp_path / "ep"
    result = package_master(master_360, out, key=None)
    assert [r.name for r in result.rungs] == ["360p"]
    assert (result.width, result.height, result.encrypted) == (360, 640, False)
    assert result.duration_s == pytest.approx(12.0, abs=0.1)
    assert result.master_playlist == "master.m3u8" and result.poster == "poster.jpg"
    assert (
        sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == result.files
    )
    assert {"master.m3u8", "poster.jpg", "360p/index.m3u8", "360p/seg_00000.ts"} <= set(
        result.files
    )
    with Image.open(out / "poster.jpg") as poster:
        assert (poster.format, poster.size) == ("JPEG", (360, 640))  # never upscaled to 720
    assert leftovers(tmp_path) == []


def test_720_master_gets_an_aligned_three_rung_ladder(
    packaged_720: tuple[Path, PackageResult],
) -> None:
    out, result = packaged_720
    assert [r.name for r in result.rungs] == ["720p", "540p", "360p"]
    master = m3u8.load(str(out / result.master_playlist))
    assert master.is_variant
    assert [p.uri for p in master.playlists] == [
        "720p/index.m3u8",
        "540p/index.m3u8",
        "360p/index.m3u8",
    ]
    segment_counts = set()
    for variant in master.playlists:
        rung = next(r for r in result.rungs if variant.uri.startswith(f"{r.name}/"))
        info = variant.stream_info
        assert info.resolution == (rung.width, rung.height)
        assert info.codecs == EXPECTED_CODECS[rung.name]
        assert info.frame_rate == pytest.approx(25.0)
        assert 0 < info.average_bandwidth <= info.bandwidth
        media = m3u8.load(str(out / variant.uri))
        assert media.is_endlist and media.playlist_type == "vod"
        durations = [s.duration for s in media.segments]
        assert all(d <= 2.1 for d in durations)
        assert sum(durations) == pytest.approx(12.0, abs=0.1)
        segment_counts.add(len(durations))
        sizes = [(out / rung.name / s.uri).stat().st_size for s in media.segments]
        measured_average = 8 * sum(sizes) / sum(durations)
        assert info.average_bandwidth == pytest.approx(measured_average, rel=0.01)
        # BANDWIDTH is a peak over ~2 s windows: at least the busiest single full segment.
        assert (
            info.bandwidth
            >= max(8 * s / d for s, d in zip(sizes, durations, strict=True) if d >= 1) - 1
        )
    assert len(segment_counts) == 1  # aligned GOPs: same cut points in every rung
    with Image.open(out / "poster.jpg") as poster:
        assert poster.size == (720, 1280)


def test_every_variant_decodes_without_errors(
    packaged_720: tuple[Path, PackageResult], ffmpeg_run: FFmpegRun
) -> None:
    out, result = packaged_720
    for rung in result.rungs:
        decoded = ffmpeg_run(
            "-v", "error", "-i", str(out / rung.name / "index.m3u8"), "-f", "null", "-"
        )
        assert decoded.returncode == 0 and decoded.stderr == "", decoded.stderr


def test_segments_carry_what_the_master_announces(packaged_720: tuple[Path, PackageResult]) -> None:
    out, result = packaged_720
    for rung in result.rungs:
        with av.open(str(out / rung.name / "seg_00001.ts")) as segment:
            video = segment.streams.video[0]
            audio = segment.streams.audio[0]
            assert (video.codec_context.width, video.codec_context.height) == (
                rung.width,
                rung.height,
            )
            assert video.codec_context.profile == "High"
            expected_level = int(EXPECTED_CODECS[rung.name][9:11], 16)
            assert video.codec_context.level == expected_level
            assert audio.codec_context.name == "aac" and audio.codec_context.channels == 2
            first = next(segment.decode(video))
            assert first.key_frame  # every segment starts on a key frame


def test_master_without_audio_gets_silent_audio_in_every_rung(
    tmp_path: Path, master_360_silent: Path
) -> None:
    out = tmp_path / "ep"
    package_master(master_360_silent, out, key=None)
    with av.open(str(out / "360p" / "seg_00000.ts")) as segment:
        assert [s.codec_context.name for s in segment.streams.audio] == ["aac"]
    assert "mp4a.40.2" in (out / "master.m3u8").read_text()


def test_encrypted_package_names_the_placeholder_key_and_holds_no_key(
    packaged_encrypted: tuple[Path, PackageResult, bytes],
) -> None:
    out, result, key = packaged_encrypted
    assert result.encrypted
    media = m3u8.load(str(out / "360p" / "index.m3u8"))
    ivs = {(s.key.method, s.key.uri, s.key.iv) for s in media.segments}
    assert len(ivs) == 1
    ((method, uri, iv),) = ivs
    assert (method, uri) == ("AES-128", KEY_URI_PLACEHOLDER)
    assert iv.startswith("0x") and len(iv) == 34
    for file in out.rglob("*"):
        assert not file.name.endswith((".key", "key_info.txt"))
        if file.is_file():
            assert key not in file.read_bytes(), f"{file} contains the content key"
            assert key.hex() not in file.read_bytes().decode("latin-1")


def test_encrypted_segments_need_the_key(
    packaged_encrypted: tuple[Path, PackageResult, bytes], ffmpeg_run: FFmpegRun, tmp_path: Path
) -> None:
    out, _result, key = packaged_encrypted
    segment = out / "360p" / "seg_00001.ts"
    without_key = ffmpeg_run("-v", "error", "-i", str(segment), "-f", "null", "-")
    assert without_key.returncode != 0
    data = segment.read_bytes()
    sync_bytes = sum(data[i] == 0x47 for i in range(0, len(data), 188))
    assert sync_bytes < len(data) // 188 // 10  # not even MPEG-TS packet structure is visible

    iv = m3u8.load(str(out / "360p" / "index.m3u8")).segments[0].key.iv.removeprefix("0x")
    with_key = ffmpeg_run("-v", "error", "-key", key.hex(), "-iv", iv,
                          "-i", f"crypto:{segment}", "-f", "null", "-")  # fmt: skip
    assert with_key.returncode == 0 and with_key.stderr == "", with_key.stderr


def test_rewritten_playlist_plays_with_the_key(
    packaged_encrypted: tuple[Path, PackageResult, bytes], ffmpeg_run: FFmpegRun, tmp_path: Path
) -> None:
    """What the playback service does: swap the placeholder for a real key URI per viewer."""
    out, _result, key = packaged_encrypted
    key_file = tmp_path / "episode.key"
    key_file.write_bytes(key)
    playlist = (out / "360p" / "index.m3u8").read_text()
    local = out / "360p" / "viewer-test.m3u8"
    local.write_text(playlist.replace(KEY_URI_PLACEHOLDER, key_file.as_uri()))
    try:
        played = ffmpeg_run("-v", "error", "-allowed_extensions", "ALL", "-i", str(local),
                            "-f", "null", "-")  # fmt: skip
    finally:
        local.unlink()
    assert played.returncode == 0 and played.stderr == "", played.stderr


def test_key_lives_in_a_private_temp_folder_only_while_encoding(
    tmp_path: Path, master_360: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    seen_during_encode: list[list[str]] = []

    def look(_fraction: float) -> None:
        seen_during_encode.append([p.name for p in private_tmp.iterdir()])

    package_master(master_360, tmp_path / "ep", key=new_content_key(), on_progress=look)
    assert any(
        len(names) == 1 and names[0].startswith("cliffhanger-key-") for names in seen_during_encode
    )
    assert list(private_tmp.iterdir()) == []


def test_poster_falls_back_to_all_frames_for_a_long_gop_master(
    tmp_path: Path, ffmpeg_run: FFmpegRun, caplog: pytest.LogCaptureFixture
) -> None:
    master = tmp_path / "one-key-frame.mp4"
    # A single key frame at 0 s: the poster window (6 s to 22 s) holds none.
    made = ffmpeg_run("-f", "lavfi", "-i", "testsrc2=size=180x320:rate=10:duration=30",
                      "-c:v", "libx264", "-preset", "ultrafast", "-g", "1000",
                      "-sc_threshold", "0", str(master))  # fmt: skip
    assert made.returncode == 0, made.stderr
    caplog.set_level("INFO", logger="cliffhanger.media.package")
    result = package_master(master, tmp_path / "ep", key=None)
    assert "no key frame in the poster window" in caplog.text
    with Image.open(tmp_path / "ep" / result.poster) as poster:
        assert poster.size == (180, 320)


def test_cancelled_package_leaves_nothing(tmp_path: Path, master_720: Path) -> None:
    out = tmp_path / "ep"
    cancel = threading.Event()

    def cancel_midway(fraction: float) -> None:
        if fraction > 0.1:
            cancel.set()

    with pytest.raises(FFmpegCancelled):
        package_master(
            master_720, out, key=new_content_key(), on_progress=cancel_midway, cancel=cancel
        )
    assert not out.exists()
    assert leftovers(tmp_path) == []
    assert ffmpeg_children() == []


def test_timed_out_package_leaves_an_empty_out_dir_empty(tmp_path: Path, master_720: Path) -> None:
    out = tmp_path / "ep"
    out.mkdir()
    with pytest.raises(FFmpegTimedOut):
        package_master(master_720, out, key=None, timeout_s=0.8)
    assert list(out.iterdir()) == []
    assert leftovers(tmp_path) == []


def test_rejected_master_creates_nothing(tmp_path: Path, corrupt_master: Path) -> None:
    out = tmp_path / "ep"
    with pytest.raises(MediaRejected):
        package_master(corrupt_master, out, key=None)
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_out_dir_must_be_new_or_empty(tmp_path: Path, master_360: Path) -> None:
    out = tmp_path / "ep"
    out.mkdir()
    (out / "previous.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        package_master(master_360, out, key=None)
    assert [p.name for p in out.iterdir()] == ["previous.txt"]
