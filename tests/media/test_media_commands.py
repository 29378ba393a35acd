"""The pure command builders, asserted on their argument lists (no ffmpeg runs here)."""

from __future__ import annotations

import base64
import io
import re
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from cliffhanger.media.commands import (
    build_package_command,
    build_poster_command,
    build_synthetic_master_command,
)
from cliffhanger.media.ladder import LADDER, select_rungs

FF = "/opt/ffmpeg"


def values(args: list[str], flag: str) -> list[str]:
    """Every value that follows ``flag``."""
    return [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == flag]


def value(args: list[str], flag: str) -> str:
    found = values(args, flag)
    assert len(found) == 1, f"{flag} appears {len(found)} times"
    return found[0]


def ladder_args(**options: object) -> list[str]:
    settings: dict[str, object] = {"fps": 30}
    settings.update(options)
    return build_package_command(
        FF,
        "/in/master.mp4",
        "/out/ep",
        select_rungs(1080, 1920),
        **settings,
    )


def test_one_process_decodes_once_and_splits_into_every_rung() -> None:
    args = ladder_args()
    assert args[0] == FF
    assert values(args, "-i") == ["/in/master.mp4"]
    graph = value(args, "-filter_complex")
    assert graph.count("split=") == 1
    assert "fps=30,split=4[s0][s1][s2][s3]" in graph
    for i, rung in enumerate(LADDER):
        assert f"[s{i}]scale={rung.width}:{rung.height}:" in graph
        assert f"crop={rung.width}:{rung.height}" in graph
    assert values(args, "-map") == ["[v0]", "[v1]", "[v2]", "[v3]"] + ["0:a:0"] * 4
    assert all(isinstance(a, str) for a in args)


def test_gops_are_closed_two_seconds_and_aligned() -> None:
    args = ladder_args(fps=30)
    assert value(args, "-g") == "60"
    assert value(args, "-keyint_min") == "60"
    assert value(args, "-sc_threshold") == "0"
    assert value(args, "-flags") == "+cgop"
    assert value(args, "-force_key_frames") == "expr:gte(t,n_forced*2)"
    pal = ladder_args(fps=25)
    assert value(pal, "-g") == "50"
    ntsc = ladder_args(fps=Fraction(30000, 1001))
    assert "fps=30000/1001," in value(ntsc, "-filter_complex")
    assert value(ntsc, "-g") == "60"


def test_each_rung_gets_capped_crf_level_and_audio_bitrate() -> None:
    args = ladder_args()
    assert value(args, "-c:v") == "libx264"
    assert value(args, "-preset") == "veryfast"
    assert value(args, "-profile:v") == "high"
    assert value(args, "-c:a") == "aac"
    assert value(args, "-ac") == "2"
    for i, rung in enumerate(LADDER):
        assert value(args, f"-crf:v:{i}") == str(rung.crf)
        assert value(args, f"-maxrate:v:{i}") == f"{rung.video_maxrate_kbps}k"
        assert value(args, f"-bufsize:v:{i}") == f"{rung.video_bufsize_kbps}k"
        assert value(args, f"-b:a:{i}") == f"{rung.audio_kbps}k"
    assert [value(args, f"-level:v:{i}") for i in range(4)] == ["4.0", "3.1", "3.1", "3.0"]


def test_hls_muxer_writes_two_second_ts_segments_per_rung_and_a_master() -> None:
    args = ladder_args()
    assert value(args, "-f") == "hls"
    assert value(args, "-hls_time") == "2"
    assert value(args, "-hls_playlist_type") == "vod"
    assert value(args, "-hls_segment_type") == "mpegts"
    assert value(args, "-master_pl_name") == "master.m3u8"
    assert value(args, "-hls_segment_filename") == "/out/ep/%v/seg_%05d.ts"
    assert value(args, "-var_stream_map") == (
        "v:0,a:0,name:1080p v:1,a:1,name:720p v:2,a:2,name:540p v:3,a:3,name:360p"
    )
    assert args[-1] == "/out/ep/%v/index.m3u8"
    assert value(args, "-progress") == "pipe:1"
    assert "-nostats" in args
    assert "-nostdin" in args


def test_key_info_flag_only_when_encrypting() -> None:
    assert "-hls_key_info_file" not in ladder_args()
    encrypted = ladder_args(key_info_path=Path("/private/key_info.txt"))
    assert value(encrypted, "-hls_key_info_file") == "/private/key_info.txt"
    assert value(encrypted, "-hls_segment_type") == "mpegts"


def test_master_without_audio_gets_silent_aac_on_every_rung() -> None:
    args = ladder_args(has_audio=False, duration_s=61.5)
    assert values(args, "-i") == ["/in/master.mp4"]  # still one input: silence is a filter
    graph = value(args, "-filter_complex")
    assert "anullsrc=r=48000:cl=stereo,atrim=end=61.500,asplit=4[a0][a1][a2][a3]" in graph
    assert values(args, "-map") == ["[v0]", "[v1]", "[v2]", "[v3]", "[a0]", "[a1]", "[a2]", "[a3]"]
    with pytest.raises(ValueError, match="duration_s"):
        ladder_args(has_audio=False)


def test_segment_length_is_a_parameter() -> None:
    args = ladder_args(segment_s=4, fps=25)
    assert value(args, "-hls_time") == "4"
    assert value(args, "-g") == "100"
    assert value(args, "-force_key_frames") == "expr:gte(t,n_forced*4)"


def test_package_command_needs_rungs() -> None:
    with pytest.raises(ValueError, match="rung"):
        build_package_command(FF, "/in.mp4", "/out", [], fps=30)


def test_poster_seeks_a_fifth_in_and_picks_a_representative_frame() -> None:
    args = build_poster_command(FF, "/in/master.mp4", "/tmp/work/poster.jpg", duration_s=90.0)
    assert args.index("-ss") < args.index("-i")  # input seeking: decode only the window
    assert value(args, "-ss") == "18.000"
    assert value(args, "-t") == "16"
    assert value(args, "-skip_frame") == "nokey"
    assert args.index("-skip_frame") < args.index("-i")
    vf = value(args, "-vf")
    assert vf.startswith("thumbnail=")
    assert "scale=w='min(720,iw)':h=-2" in vf
    assert value(args, "-frames:v") == "1"
    assert args[-1] == "/tmp/work/poster.jpg"
    smaller = build_poster_command(FF, "/in.mp4", "/p.jpg", duration_s=10.0, max_width=480)
    assert "min(480,iw)" in value(smaller, "-vf")
    every_frame = build_poster_command(
        FF, "/in.mp4", "/p.jpg", duration_s=10.0, key_frames_only=False
    )
    assert "-skip_frame" not in every_frame


def test_synthetic_master_draws_the_title_from_an_inline_png() -> None:
    args = build_synthetic_master_command(
        "/tmp/m.mp4", title="Ep. 3  The Letter", duration_s=12.0, width=360, height=640,
        tone_hz=523.25, ffmpeg=FF,
    )  # fmt: skip
    inputs = values(args, "-i")
    assert inputs[0] == "testsrc2=size=360x640:rate=30:duration=12.000"
    card_uri = inputs[1]
    assert card_uri.startswith("data:image/png;base64,")
    card = Image.open(io.BytesIO(base64.b64decode(card_uri.split(",", 1)[1])))
    assert card.format == "PNG" and card.width == 360 and card.mode == "RGBA"
    assert re.fullmatch(r"sine=frequency=523\.25:sample_rate=48000:duration=12\.000", inputs[2])
    assert "overlay=" in value(args, "-filter_complex")
    assert values(args, "-map") == ["[v]", "2:a"]
    assert value(args, "-c:v") == "libx264"
    assert value(args, "-c:a") == "aac"
    assert value(args, "-movflags") == "+faststart"
    assert args[-1] == "/tmp/m.mp4"
    assert sum(len(a) for a in args) < 100_000  # far below Linux's 128 KiB per-argument limit


def test_synthetic_master_without_tone_has_no_audio_and_grain_adds_noise() -> None:
    args = build_synthetic_master_command(
        "/tmp/m.mp4", title="x", duration_s=5, width=90, height=160, tone_hz=None, grain=12,
        ffmpeg=FF,
    )  # fmt: skip
    assert len(values(args, "-i")) == 2
    assert values(args, "-map") == ["[v]"]
    assert "-c:a" not in args
    assert "noise=alls=12:allf=t" in value(args, "-filter_complex")


def test_synthetic_master_defaults_to_the_configured_ffmpeg(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLIFFHANGER_FFMPEG", "/custom/ffmpeg")
    args = build_synthetic_master_command(
        "/tmp/m.mp4", title="x", duration_s=5, width=90, height=160, tone_hz=None
    )
    assert args[0] == "/custom/ffmpeg"
