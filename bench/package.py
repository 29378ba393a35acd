"""Benchmark: packaging a 60 s 1080x1920 master, against the bare ffmpeg floor.

(a) ``package_master`` end to end: probe and validation, the ladder encode, poster, playlist
    checks and the master rewrite, the move into place.
(b) the floor: the very same ``build_package_command`` argument list run directly with
    ``subprocess.run``, nothing else.

Runs alternate (b, a, b, a, ...) so drifting machine load hits both alike. Prints wall times,
speed as a multiple of real time and the ratio (a)/(b) (target <= 1.10), and writes
``bench/results/package.json``. The master is generated once into ``bench/.cache/``.

    PYTHONPATH=src .venv/bin/python bench/package.py [--runs 2] [--encrypt]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from cliffhanger.media.aes import KeyInfo, key_info_file, new_content_key
from cliffhanger.media.commands import (
    SYNTHETIC_MASTER_MAXRATE,
    build_package_command,
    build_poster_command,
)
from cliffhanger.media.ffmpeg import ffmpeg_exe
from cliffhanger.media.ladder import output_fps, select_rungs
from cliffhanger.media.package import package_master
from cliffhanger.media.probe import probe, validate_master
from cliffhanger.media.runner import run_ffmpeg
from cliffhanger.media.synthetic import make_synthetic_master

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_FILE = BENCH_DIR / "results" / "package.json"

MASTER_SECONDS = 60.0
MASTER_WIDTH, MASTER_HEIGHT, MASTER_FPS = 1080, 1920, 30
# Temporal noise gives x264 real work on every frame; a clean test pattern encodes trivially.
MASTER_GRAIN = 12
TARGET_RATIO = 1.10


def cached_master() -> Path:
    size = f"{MASTER_WIDTH}x{MASTER_HEIGHT}"
    rate = SYNTHETIC_MASTER_MAXRATE
    path = (
        CACHE_DIR
        / f"master-{MASTER_SECONDS:.0f}s-{size}-{MASTER_FPS}fps-g{MASTER_GRAIN}-{rate}.mp4"
    )
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    print(f"generating {path.name} (once) ...", flush=True)
    started = time.monotonic()
    make_synthetic_master(
        path,
        title="Cliffhanger bench - Episode 1",
        duration_s=MASTER_SECONDS,
        width=MASTER_WIDTH,
        height=MASTER_HEIGHT,
        tone_hz=440.0,
        fps=MASTER_FPS,
        grain=MASTER_GRAIN,
    )
    print(f"generated in {time.monotonic() - started:.1f} s", flush=True)
    return path


def run_floor(master: Path, scratch: Path, key: bytes | None) -> float:
    """(b): the ladder command alone; probing happens outside the timed span."""
    info = probe(master)
    out = scratch / "floor"
    key_context: AbstractContextManager[KeyInfo | None] = (
        key_info_file(key) if key is not None else nullcontext(None)
    )
    with key_context as key_info:
        args = build_package_command(
            ffmpeg_exe(),
            master,
            out,
            select_rungs(info.width, info.height),
            fps=output_fps(info.fps),
            has_audio=info.has_audio,
            duration_s=info.duration_s,
            key_info_path=key_info.path if key_info is not None else None,
        )
        started = time.monotonic()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.monotonic() - started
    shutil.rmtree(out)
    return elapsed


def run_package(master: Path, scratch: Path, key: bytes | None) -> float:
    """(a): everything a worker does for one episode."""
    out = scratch / "package"
    started = time.monotonic()
    package_master(master, out, key=key)
    elapsed = time.monotonic() - started
    shutil.rmtree(out)
    return elapsed


def measure_overhead(master: Path, scratch: Path) -> dict[str, float]:
    """The steps (a) adds to (b), timed alone: nearly load-independent, unlike the encode."""
    started = time.monotonic()
    info = validate_master(master)
    validated = time.monotonic()
    poster = scratch / "poster.jpg"
    run_ffmpeg(build_poster_command(ffmpeg_exe(), master, poster, duration_s=info.duration_s))
    # (The key-frame poster works on this master; package_master may need a second, full pass.)
    done = time.monotonic()
    poster.unlink()
    return {
        "validate_s": round(validated - started, 3),
        "poster_s": round(done - validated, 3),
    }


def summary(times: list[float]) -> dict[str, float]:
    best, median = min(times), statistics.median(times)
    return {
        "best_s": round(best, 2),
        "median_s": round(median, 2),
        "speed_best_x": round(MASTER_SECONDS / best, 3),
        "speed_median_x": round(MASTER_SECONDS / median, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2, help="runs of each kind (default 2)")
    parser.add_argument("--encrypt", action="store_true", help="AES-128 encrypt in both kinds")
    options = parser.parse_args()

    master = cached_master()
    key = new_content_key() if options.encrypt else None
    info = probe(master)
    rungs = select_rungs(info.width, info.height)
    print(f"master: {master.name}, {info.duration_s:.1f} s, {info.fps:g} fps")
    names = ", ".join(r.name for r in rungs)
    print(f"ladder: {names}; encrypted: {key is not None}; cpus: {os.cpu_count()}")

    load_before = os.getloadavg()[0]
    floor_times: list[float] = []
    package_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cliffhanger-bench-") as folder:
        scratch = Path(folder)
        for run in range(1, options.runs + 1):
            floor_times.append(run_floor(master, scratch, key))
            print(f"run {run}: (b) ffmpeg floor     {floor_times[-1]:7.2f} s", flush=True)
            package_times.append(run_package(master, scratch, key))
            print(f"run {run}: (a) package_master   {package_times[-1]:7.2f} s", flush=True)
        overhead = measure_overhead(master, scratch)

    floor, package = summary(floor_times), summary(package_times)
    ratio_best = package["best_s"] / floor["best_s"]
    ratio_median = package["median_s"] / floor["median_s"]
    print()
    print(f"{'':22}{'best':>10}{'median':>10}{'speed (best)':>16}")
    for label, figures in (("(a) package_master", package), ("(b) ffmpeg floor", floor)):
        print(
            f"{label:22}{figures['best_s']:>9.2f}s{figures['median_s']:>9.2f}s"
            f"{figures['speed_best_x']:>14.2f}x"
        )
    print(
        f"steps (a) adds, timed alone: validation {overhead['validate_s']:.2f} s, "
        f"poster {overhead['poster_s']:.2f} s"
    )
    verdict = "OK" if ratio_median <= TARGET_RATIO else "OVER TARGET"
    print(
        f"ratio (a)/(b): best {ratio_best:.3f}, median {ratio_median:.3f} "
        f"(target <= {TARGET_RATIO}) {verdict}"
    )

    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(
        json.dumps(
            {
                "benchmark": "package",
                "master": {
                    "duration_s": round(info.duration_s, 3),
                    "width": info.width,
                    "height": info.height,
                    "fps": info.fps,
                    "grain": MASTER_GRAIN,
                },
                "ladder": [r.name for r in rungs],
                "encrypted": key is not None,
                "runs": options.runs,
                "package_master": {**package, "times_s": [round(t, 2) for t in package_times]},
                "ffmpeg_floor": {**floor, "times_s": [round(t, 2) for t in floor_times]},
                "overhead_alone": overhead,
                "ratio_best": round(ratio_best, 4),
                "ratio_median": round(ratio_median, 4),
                "target_ratio": TARGET_RATIO,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    # Other work on the machine skews both kinds; alternating runs limit the harm.
                    "load_average_1m_before": round(load_before, 2),
                    "load_average_1m_after": round(os.getloadavg()[0], 2),
                },
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS_FILE.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
