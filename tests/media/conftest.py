"""Tiny generated clips (real ffmpeg), each made once per test session."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import av
import pytest

from cliffhanger.media.aes import new_content_key
from cliffhanger.media.commands import build_synthetic_master_command
from cliffhanger.media.ffmpeg import ffmpeg_exe
from cliffhanger.media.package import PackageResult, package_master
from cliffhanger.media.runner import run_ffmpeg

CLIP_SECONDS = 12.0


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return ffmpeg_exe()


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-clips")


MakeMaster = Callable[..., Path]


@pytest.fixture(scope="session")
def make_master(clips: Path) -> MakeMaster:
    """Generate (once per name) a synthetic master through our own builder and runner."""

    def make(name: str, **options: object) -> Path:
        path = clips / name
        if not path.exists():
            settings: dict[str, object] = {
                "title": name,
                "duration_s": CLIP_SECONDS,
                "width": 360,
                "height": 640,
                "tone_hz": 440.0,
            }
            settings.update(options)
            run_ffmpeg(build_synthetic_master_command(path, **settings))
        return path

    return make


@pytest.fixture(scope="session")
def master_360(make_master: MakeMaster) -> Path:
    return make_master("master-360.mp4")


@pytest.fixture(scope="session")
def master_720(make_master: MakeMaster) -> Path:
    return make_master("master-720.mp4", width=720, height=1280, fps=25)


@pytest.fixture(scope="session")
def master_360_silent(make_master: MakeMaster) -> Path:
    return make_master("master-360-silent.mp4", tone_hz=None, duration_s=11.0)


@pytest.fixture(scope="session")
def packaged_720(
    tmp_path_factory: pytest.TempPathFactory, master_720: Path
) -> tuple[Path, PackageResult]:
    out = tmp_path_factory.mktemp("pkg720") / "episode"
    return out, package_master(master_720, out, key=None)


@pytest.fixture(scope="session")
def packaged_encrypted(
    tmp_path_factory: pytest.TempPathFactory, master_360: Path
) -> tuple[Path, PackageResult, bytes]:
    out = tmp_path_factory.mktemp("pkgenc") / "episode"
    key = new_content_key()
    return out, package_master(master_360, out, key=key), key


@pytest.fixture(scope="session")
def corrupt_master(clips: Path, master_360: Path) -> Path:
    """``master_360`` with the video packets around the middle overwritten by random bytes.

    The moov box and each packet's first bytes are untouched, so the file still opens and
    probes; only decoding the middle of the video can tell it is damaged.
    """
    path = clips / "corrupt.mp4"
    shutil.copyfile(master_360, path)
    with av.open(str(master_360)) as container:
        stream = container.streams.video[0]
        assert stream.time_base is not None
        middle = CLIP_SECONDS / 2
        spots = [
            (packet.pos, packet.size)
            for packet in container.demux(stream)
            if packet.pts is not None
            and packet.pos is not None
            and abs(float(packet.pts * stream.time_base) - middle) <= 0.3
        ]
    assert spots, "no packets found around the middle"
    noise = random.Random(1234)
    with path.open("r+b") as handle:
        for pos, size in spots:
            handle.seek(pos + 8)
            handle.write(noise.randbytes(max(0, size - 8)))
    return path


@pytest.fixture(scope="session")
def ffmpeg_run(ffmpeg: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ffmpeg directly (the thing under test is our output, not our runner)."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ffmpeg, "-hide_banner", "-nostdin", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
