"""Benchmark: the viewer app's player in headless Chromium against a real server on loopback.

A demo season is seeded with real ffmpeg and packaging (6 episodes, all free so the viewer can
swipe through every one), the real app is served by `cliffhanger serve` (uvicorn, SQLite) in a
process of its own, and Debian's chromium drives the app on the e2e suite's phone profile
(390x844, touch).

Time to first frame is read from the app's own performance marks, each at the
`presentationTime` of a frame `requestVideoFrameCallback` reports: `cliffhanger:early-frame`,
the first frame of a deep link's episode on boot.js's stage (before the app has loaded), and
`cliffhanger:first-frame`, the first frame after `cliffhanger:activate` (an episode becomes the
feed's active slide: the app's first render, or a committed swipe).

- cold start: a fresh browser context (no cache, no viewer, no bandwidth estimate yet) opens
  `/watch/{series}/1`; navigation start → the episode's first presented frame. Also when the
  app had loaded and activated that episode in its feed (the controls are there), and
  "reload": the same context reloads (HTTP cache and bandwidth estimate warm).
- floor: the same measure for a bare page that does nothing but play episode 1 with the same
  hls.js, the same start-level policy (lowest rendition without a bandwidth estimate) and the
  same server (no app code, no API call, no UI): what any web player needs on this machine and
  browser, as a yardstick for the cold start. Each app cold start is paired with one of the
  floor page, in alternating order, and the per-pair difference is reported too: on a shared
  machine both move together.
- swipe: a real touch swipe (DevTools touch events) from episode N to the preloaded N+1;
  activation → first frame. Swipes back to the kept previous episode are reported apart.
- memory: in a separate pass that sends nothing into the page but touch input, the JS heap after
  `HeapProfiler.collectGarbage` (CDP `Performance.getMetrics` JSHeapUsedSize) after 5, 10, 20
  and 30 swipes, DOM nodes and listeners, and at 5 and 30 a heap snapshot split into compiled
  code, Blink's native objects and the app's JavaScript objects. Two passes: `mixed` (two
  forward, one back: both directions within the first five swipes; the target is read on it)
  and `ping-pong` (down all six episodes, then up: its first swipe back is the sixth, so the
  code of that path is compiled between the two readings, which shows as growth).

    PYTHONPATH=src .venv/bin/python bench/player.py [--runs 20] [--preload detached,attached]
        [--width 720 --height 1280 --duration 20] [--data-dir DIR]

Prints the figures and writes `bench/results/player.json`. Targets: cold start p50 ≤ 400 ms,
swipe to the preloaded next episode p50 ≤ 100 ms, heap after 30 swipes within 20 % of after 5.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cliffhanger import migrate
from cliffhanger.demo import seed_demo
from cliffhanger.kit.config import Settings
from cliffhanger.kit.runtime import Runtime, install

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "has_touch": True,
    "is_mobile": True,
}
TARGET_COLD_MS = 400
TARGET_SWIPE_MS = 100
TARGET_HEAP_GROWTH = 0.20

FIRST_FRAME_AFTER = """(since) => new Promise((resolve, reject) => {
  const find = () => performance.getEntriesByName('cliffhanger:first-frame', 'mark')
    .find((m) => m.startTime >= since);
  const started = performance.now();
  const poll = () => {
    const mark = find();
    if (mark) return resolve(mark.startTime);
    if (performance.now() - started > 15000) return reject(new Error('no first frame'));
    setTimeout(poll, 10);
  };
  poll();
})"""

# A deep link's first frame: on boot.js's stage if it got there first, else in the feed.
EPISODE_FIRST_FRAME = """() => new Promise((resolve, reject) => {
  const started = performance.now();
  const poll = () => {
    const mark = performance.getEntriesByName('cliffhanger:early-frame', 'mark')[0]
      ?? performance.getEntriesByName('cliffhanger:first-frame', 'mark')[0];
    if (mark) return resolve(mark.startTime);
    if (performance.now() - started > 15000) return reject(new Error('no first frame'));
    setTimeout(poll, 10);
  };
  poll();
})"""

LAST_ACTIVATE = """() => {
  const marks = performance.getEntriesByName('cliffhanger:activate', 'mark');
  return marks.length ? marks[marks.length - 1].startTime : null;
}"""

ACTIVE_PLAYING = """(n) => {
  const v = document.querySelector(`.slide[aria-current="true"][data-episode-number="${n}"] video`);
  return v && !v.paused && v.currentTime > 0.3;
}"""

NEXT_READY = """([n, mode]) => {
  const slide = document.querySelector(`.slide[data-episode-number="${n}"]`);
  if (!slide || slide.dataset.preloaded !== 'true') return false;
  if (mode === 'detached') return true;
  const v = slide.querySelector('video');
  return v && v.readyState >= 2;
}"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 1) if values else None,
        "p90_ms": round(pct(values, 0.9), 1) if values else None,
        "min_ms": round(min(values), 1) if values else None,
        "max_ms": round(max(values), 1) if values else None,
        "samples_ms": [round(v, 1) for v in values],
    }


def bench_env(data_dir: Path, secret: str) -> dict[str, str]:
    """The server's settings, as environment variables (`cliffhanger serve` reads them)."""
    return {
        "CLIFFHANGER_DATA_DIR": str(data_dir),
        "CLIFFHANGER_SECRET_KEY": secret,
        "CLIFFHANGER_WELCOME_COINS": "0",
        "CLIFFHANGER_QUEUE_WORKERS": "0",
        "CLIFFHANGER_RATE_LIMITS_ENABLED": "false",
    }


def seed(data_dir: Path, secret: str, width: int, height: int, duration: int) -> str:
    settings = Settings(
        data_dir=data_dir,
        secret_key=secret,
        welcome_coins=0,
        queue_workers=0,
        rate_limits_enabled=False,
    )
    rt = install(Runtime.build(settings))
    migrate.upgrade(rt.db.engine)
    started = time.monotonic()
    demo = seed_demo(
        rt,
        episode_count=6,
        duration_s=duration,
        width=width,
        height=height,
        free_episodes=6,
        price_coins=60,
    )
    print(
        f"seeded 6 episodes at {width}x{height} in {time.monotonic() - started:.0f} s", flush=True
    )
    rt.close()
    return demo.series_id


@contextmanager
def serve(data_dir: Path, secret: str) -> Iterator[str]:
    """`cliffhanger serve` in a process of its own, as deployed (not a thread beside the
    Playwright client in this process); yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, **bench_env(data_dir, secret), "CLIFFHANGER_HOST": "127.0.0.1",
           "CLIFFHANGER_PORT": str(port)}
    cli = Path(sys.executable).with_name("cliffhanger")
    log = open(data_dir / "bench-server.log", "ab")  # noqa: SIM115 (closed below)
    process = subprocess.Popen([str(cli), "serve"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {data_dir / 'bench-server.log'}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def new_context(browser: Any) -> Any:
    # No request interception here (the e2e suite enforces the CSP): a routed document would be
    # fetched by Playwright and replayed, which adds its own latency to every cold start.
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    return context


def watch_problems(page: Any, problems: list[str]) -> None:
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))


def touch_swipe(cdp: Any, up: bool = True) -> None:
    x, start, end = 195, 620, 180
    if not up:
        start, end = end, start
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": start}]}
    )
    for step in range(1, 7):
        y = start + (end - start) * step / 6
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def cold_starts(
    browser: Any, url: str, runs: int, mode: str, problems: list[str], floor_url: str
) -> dict[str, list[float]]:
    """Navigation → the first frame of episode 1, and → its activation in the app's feed (the
    app has loaded and rendered: the controls are on screen). Each run is paired with a cold
    start of the floor page, the two in alternating order, so both see the same moment of a
    shared machine."""
    out: dict[str, list[float]] = {
        "cold": [], "cold_app": [], "reload": [], "reload_app": [], "floor": []
    }
    for run in range(runs):
        if run % 2 == 0:
            out["floor"] += floor_starts(browser, floor_url, 1, problems)
        context = new_context(browser)
        page = context.new_page()
        watch_problems(page, problems)
        page.goto(f"{url}?preload={mode}")
        page.wait_for_function(ACTIVE_PLAYING, arg=1)
        out["cold"].append(page.evaluate(EPISODE_FIRST_FRAME))
        out["cold_app"].append(page.evaluate(LAST_ACTIVATE))
        page.reload()
        page.wait_for_function(ACTIVE_PLAYING, arg=1)
        out["reload"].append(page.evaluate(EPISODE_FIRST_FRAME))
        out["reload_app"].append(page.evaluate(LAST_ACTIVATE))
        context.close()
        if run % 2 == 1:
            out["floor"] += floor_starts(browser, floor_url, 1, problems)
    return out


FLOOR_HTML = """<!doctype html>
<html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="modulepreload" href="/static/{hls}">
<script type="module" src="floor.js"></script>
</head><body><video muted playsinline width="390" height="694"></video></body></html>
"""

FLOOR_JS = """import Hls from '/static/{hls}';
const video = document.querySelector('video');
video.requestVideoFrameCallback((now, meta) => performance.mark('cliffhanger:first-frame',
  {{ startTime: meta?.presentationTime ?? now }}));
const hls = new Hls({{ workerPath: '/static/{worker}', startFragPrefetch: true,
  capLevelToPlayerSize: true, startLevel: -1, testBandwidth: false }});
hls.loadSource(new URLSearchParams(location.search).get('src'));
hls.attachMedia(video);
video.play().catch(() => {{}});
"""


def write_floor_page(data_dir: Path) -> str:
    """A bare page that only plays an HLS URL with the same hls.js (no app, no API calls, no
    UI), served by the same server from the media folder: the floor under the app's cold start
    on this machine and browser."""
    from cliffhanger.web.viewer.pages import HLS_MODULE

    folder = data_dir / "media" / "hls" / "bench-floor"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(FLOOR_HTML.format(hls=HLS_MODULE))
    worker = HLS_MODULE.rsplit("/", 1)[0] + "/hls.worker.js"
    (folder / "floor.js").write_text(FLOOR_JS.format(hls=HLS_MODULE, worker=worker))
    return "/media/hls/bench-floor/index.html"


def first_manifest(server_url: str, series_id: str) -> str:
    request = urllib.request.Request(
        f"{server_url}/api/v1/watch",
        data=json.dumps({"series_id": series_id, "episode_number": 1}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.loads(answer.read())["playback"]["manifest_url"])


def floor_starts(browser: Any, page_url: str, runs: int, problems: list[str]) -> list[float]:
    out = []
    for _ in range(runs):
        context = new_context(browser)
        page = context.new_page()
        watch_problems(page, problems)
        page.goto(page_url)
        out.append(page.evaluate(FIRST_FRAME_AFTER, 0))
        context.close()
    return out


def heap(cdp: Any, snapshot: bool = False) -> dict[str, float]:
    """JS heap after GC (CDP Performance.getMetrics); with `snapshot`, a heap snapshot split into
    compiled code (bytecode, feedback vectors, optimized code: grows as the JIT warms up), Blink's
    native objects (DOM, styles, the browser's performance-timeline buffers, DevTools' network
    records while Playwright watches the page) and the JavaScript objects the app holds (objects,
    closures, arrays, strings…: where a leak of the app would show)."""
    for _ in range(2):
        cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    out = {
        "js_heap_used_mb": round(metrics["JSHeapUsedSize"] / 2**20, 3),
        "dom_nodes": int(metrics.get("Nodes", 0)),
        "js_event_listeners": int(metrics.get("JSEventListeners", 0)),
    }
    if snapshot:
        chunks: list[str] = []
        handler = lambda params: chunks.append(params["chunk"])  # noqa: E731
        cdp.on("HeapProfiler.addHeapSnapshotChunk", handler)
        cdp.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
        cdp.remove_listener("HeapProfiler.addHeapSnapshotChunk", handler)
        data = json.loads("".join(chunks))
        meta = data["snapshot"]["meta"]
        fields, types = meta["node_fields"], meta["node_types"][0]
        width, t_at, size_at = len(fields), fields.index("type"), fields.index("self_size")
        nodes = data["nodes"]
        by_type: dict[str, int] = {}
        for i in range(0, len(nodes), width):
            kind = types[nodes[i + t_at]]
            by_type[kind] = by_type.get(kind, 0) + nodes[i + size_at]
        code, native = by_type.get("code", 0), by_type.get("native", 0)
        total = sum(by_type.values())
        out["snapshot_total_mb"] = round(total / 2**20, 3)
        out["snapshot_code_mb"] = round(code / 2**20, 3)
        out["snapshot_native_mb"] = round(native / 2**20, 3)
        out["js_objects_mb"] = round((total - code - native) / 2**20, 3)
    return out


def swipes(browser: Any, url: str, total: int, mode: str, problems: list[str]) -> dict[str, Any]:
    """Swipe down and up the six episodes `total` times; time every swipe."""
    context = new_context(browser)
    page = context.new_page()
    watch_problems(page, problems)
    page.goto(f"{url}?preload={mode}")
    page.wait_for_function(ACTIVE_PLAYING, arg=1)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    forward: list[float] = []
    backward: list[float] = []
    episode, direction = 1, 1
    for _ in range(total):
        if not 1 <= episode + direction <= 6:
            direction = -direction
        target = episode + direction
        if direction > 0:
            page.wait_for_function(NEXT_READY, arg=[target, mode])
        page.wait_for_timeout(300)  # the current episode plays a little, as a viewer's would
        touch_swipe(cdp, up=direction > 0)
        page.wait_for_function(ACTIVE_PLAYING, arg=target)
        activated = page.evaluate(LAST_ACTIVATE)
        frame = page.evaluate(FIRST_FRAME_AFTER, activated)
        (forward if direction > 0 else backward).append(frame - activated)
        episode = target
    context.close()
    return {"forward": forward, "backward": backward}


def swipe_steps(pattern: str, total: int, episodes: int = 6) -> list[int]:
    """+1 (to the next episode) or -1 (back) for each swipe. `ping-pong`: down to the last
    episode, then up to the first, and so on (the first swipe back is the 6th). `mixed`: two
    forward and one back, turning at the ends (what viewers do: now and then back for a
    moment; both directions are in the first five swipes)."""
    steps: list[int] = []
    episode, direction = 1, 1
    while len(steps) < total:
        chunk = [direction] if pattern == "ping-pong" else [direction, direction, -direction]
        for step in chunk:
            if not 1 <= episode + step <= episodes:
                direction = -direction
                break
            steps.append(step)
            episode += step
            if len(steps) == total:
                break
    return steps


def memory_run(
    browser: Any, url: str, total: int, mode: str, problems: list[str], pattern: str
) -> dict[int, Any]:
    """`total` swipes (swipe_steps) with nothing but DevTools touch input and pauses in between:
    no `evaluate` or `wait_for_function` runs in the page (Playwright's own scripts would hold
    objects of their own in the heap being measured). Memory after 5, 10, 20 and 30 swipes."""
    context = new_context(browser)
    page = context.new_page()
    watch_problems(page, problems)
    page.goto(f"{url}?preload={mode}")
    page.wait_for_timeout(2500)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    memory: dict[int, Any] = {}
    episode = 1
    for n, step in enumerate(swipe_steps(pattern, total), start=1):
        touch_swipe(cdp, up=step > 0)
        episode += step
        page.wait_for_timeout(1500)  # watch a moment; the next episode preloads meanwhile
        if n in (5, 10, 20, 30):
            memory[n] = {**heap(cdp, snapshot=n in (5, 30)), "episode": episode}
    on_screen = page.locator('.slide[aria-current="true"]').get_attribute("data-episode-number")
    assert on_screen == str(episode), (on_screen, episode)
    memory[total]["videos"] = page.locator("video").count()
    context.close()
    return memory


def growth(memory: dict[int, Any], field: str) -> float | None:
    first, last = memory.get(5), memory.get(30)
    if not first or not last or field not in first or field not in last:
        return None
    return round((last[field] - first[field]) / first[field], 4)


def chromium_version() -> str:
    try:
        return subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=20, help="cold starts and forward swipes per mode"
    )
    parser.add_argument("--swipes", type=int, default=30, help="swipes for the memory check (≥ 30)")
    parser.add_argument(
        "--preload",
        default="detached,attached",
        help="preload modes to measure (the app's ?preload=); the first is the default",
    )
    parser.add_argument("--width", type=int, default=720)
    parser.add_argument("--height", type=int, default=1280)
    parser.add_argument("--duration", type=int, default=20, help="base episode length in seconds")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse a seeded data dir")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "player.json")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    load_at_start = list(os.getloadavg())

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="chbench-player-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_file = data_dir / "bench-secret"
    if not secret_file.exists():  # a reused data dir keeps the secret its content was made with
        secret_file.write_text("bench-" + uuid.uuid4().hex)
    secret = secret_file.read_text().strip()
    series_id = seed(data_dir, secret, args.width, args.height, args.duration)
    modes = [m.strip() for m in args.preload.split(",") if m.strip()]
    problems: list[str] = []
    results: dict[str, Any] = {}
    with serve(data_dir, secret) as server_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        url = f"{server_url}/watch/{series_id}/1"
        # A throwaway visit: the server's first requests (imports, SQLite pages) are not the app's.
        warm = new_context(browser)
        warm_page = warm.new_page()
        warm_page.goto(url)
        warm_page.wait_for_function(ACTIVE_PLAYING, arg=1)
        warm.close()
        floor_page = write_floor_page(data_dir)
        floor_url = f"{server_url}{floor_page}?src={first_manifest(server_url, series_id)}"
        floor_starts(browser, floor_url, 1, problems)  # its files' first requests
        floor: list[float] = []
        for mode in modes:
            print(f"[{mode}] cold starts, each paired with one of the floor page …", flush=True)
            starts = cold_starts(browser, url, args.runs, mode, problems, floor_url)
            floor = floor or starts["floor"]  # the default mode's pairs
            print(f"[{mode}] swipes …", flush=True)
            # Half the swipes go down to a preloaded episode: 2 * runs give `runs` samples.
            swiped = swipes(browser, url, 2 * args.runs, mode, problems)
            print(f"[{mode}] memory …", flush=True)
            memory = memory_run(browser, url, args.swipes, mode, problems, "mixed")
            print(f"[{mode}] memory, ping-pong …", flush=True)
            ping_pong = memory_run(browser, url, args.swipes, mode, problems, "ping-pong")
            forward = (
                swiped["forward"][: args.runs]
                if len(swiped["forward"]) >= args.runs
                else swiped["forward"]
            )
            results[mode] = {
                "cold_start": summary(starts["cold"]),
                "cold_start_to_app_activation": summary(starts["cold_app"]),
                # Per pair (same moment of the machine): the app's cold start minus the floor's.
                "cold_start_over_floor": summary(
                    [a - f for a, f in zip(starts["cold"], starts["floor"], strict=True)]
                ),
                "reload": summary(starts["reload"]),
                "reload_to_app_activation": summary(starts["reload_app"]),
                "swipe_to_preloaded_next": summary(forward),
                "swipe_back_to_previous": summary(swiped["backward"]),
                "memory": {str(k): v for k, v in memory.items()},
                "memory_pattern": "mixed",
                "heap_growth_5_to_30": growth(memory, "js_heap_used_mb"),
                "js_objects_growth_5_to_30": growth(memory, "js_objects_mb"),
                "compiled_code_growth_5_to_30": growth(memory, "snapshot_code_mb"),
                "memory_ping_pong": {str(k): v for k, v in ping_pong.items()},
                "heap_growth_5_to_30_ping_pong": growth(ping_pong, "js_heap_used_mb"),
                "js_objects_growth_5_to_30_ping_pong": growth(ping_pong, "js_objects_mb"),
                "compiled_code_growth_5_to_30_ping_pong": growth(ping_pong, "snapshot_code_mb"),
            }
        browser.close()

    default = modes[0]
    report = {
        "benchmark": "player",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "environment": {
            "chromium": chromium_version(),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "headless": True,
            "gpu": False,
            "network": "loopback",
            "viewport": "390x844 @2x, touch",
            "load_average_at_start": load_at_start,
            "load_average_at_end": list(os.getloadavg()),
        },
        "season": {
            "episodes": 6,
            "width": args.width,
            "height": args.height,
            "base_duration_s": args.duration,
        },
        "runs": args.runs,
        "default_preload": default,
        "floor_cold_start": summary(floor),
        "modes": results,
        "targets": {
            "cold_start_p50_ms": TARGET_COLD_MS,
            "swipe_p50_ms": TARGET_SWIPE_MS,
            "heap_growth_max": TARGET_HEAP_GROWTH,
        },
        "met": {
            "cold_start": results[default]["cold_start"]["p50_ms"] <= TARGET_COLD_MS,
            "swipe": results[default]["swipe_to_preloaded_next"]["p50_ms"] <= TARGET_SWIPE_MS,
            "memory": abs(results[default]["heap_growth_5_to_30"] or 0) <= TARGET_HEAP_GROWTH,
        },
        "console_errors": problems[:20],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    print()
    print(
        f"{'preload':<10} {'cold p50':>9} {'cold p90':>9} {'reload p50':>11} {'swipe p50':>10} "
        f"{'swipe p90':>10} {'back p50':>9} {'heap@5':>8} {'heap@30':>8} {'growth':>7} "
        f"{'js objs':>8}"
    )
    for mode, r in results.items():
        mem = r["memory"]
        last_key = "30"
        print(
            f"{mode:<10} {r['cold_start']['p50_ms']:>7.0f}ms {r['cold_start']['p90_ms']:>7.0f}ms "
            f"{r['reload']['p50_ms']:>9.0f}ms {r['swipe_to_preloaded_next']['p50_ms']:>8.0f}ms "
            f"{r['swipe_to_preloaded_next']['p90_ms']:>8.0f}ms "
            f"{r['swipe_back_to_previous']['p50_ms']:>7.0f}ms "
            f"{mem['5']['js_heap_used_mb']:>6.2f}MB {mem[last_key]['js_heap_used_mb']:>6.2f}MB "
            f"{r['heap_growth_5_to_30'] * 100:>6.1f}% "
            f"{(r['js_objects_growth_5_to_30'] or 0) * 100:>7.1f}%"
        )
    for mode, r in results.items():
        pp = r["heap_growth_5_to_30_ping_pong"]
        print(
            f"{mode}: heap growth 5→30 swipes {r['heap_growth_5_to_30'] * 100:.1f}% (mixed: two "
            f"forward, one back; JS objects {(r['js_objects_growth_5_to_30'] or 0) * 100:.1f}%, "
            f"compiled code {(r['compiled_code_growth_5_to_30'] or 0) * 100:.1f}%); ping-pong "
            f"{pp * 100 if pp is not None else float('nan'):.1f}% (JS objects "
            f"{(r['js_objects_growth_5_to_30_ping_pong'] or 0) * 100:.1f}%, compiled code "
            f"{(r['compiled_code_growth_5_to_30_ping_pong'] or 0) * 100:.1f}%)"
        )
        print(
            f"{mode}: the app (controls on screen, episode 1 active in the feed) p50 "
            f"{r['cold_start_to_app_activation']['p50_ms']:.0f} ms after navigation; on reload "
            f"{r['reload_to_app_activation']['p50_ms']:.0f} ms"
        )
    print(
        f"floor: a bare page that only plays episode 1 with the same hls.js (no app, no API, "
        f"same server and browser): first frame p50 {report['floor_cold_start']['p50_ms']:.0f} "
        f"ms, p90 {report['floor_cold_start']['p90_ms']:.0f} ms; the app's cold start over it, "
        f"per pair: p50 {report['modes'][default]['cold_start_over_floor']['p50_ms']:.0f} ms"
    )
    print(
        f"\ntargets (default preload '{default}'): cold start p50 ≤ {TARGET_COLD_MS} ms: "
        f"{'met' if report['met']['cold_start'] else 'MISSED'}; swipe p50 ≤ {TARGET_SWIPE_MS} ms: "
        f"{'met' if report['met']['swipe'] else 'MISSED'}; heap growth ≤ {TARGET_HEAP_GROWTH:.0%}: "
        f"{'met' if report['met']['memory'] else 'MISSED'}"
    )
    if problems:
        print(f"console errors: {len(problems)} (first: {problems[0]})")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
