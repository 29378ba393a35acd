"""Benchmark: coin unlock throughput and latency with 32 concurrent clients, on PostgreSQL and on
SQLite, followed by `cliffhanger ledger verify`.

Each client is one viewer with enough paid coins, unlocking its own list of locked episodes with
`POST /api/v1/unlocks` (a fresh idempotency key each) over HTTP/1.1 keep-alive on loopback against
`uvicorn` serving the real app (`--workers 2`, uvloop, httptools, no access log; rate limits off,
queue consumer off). Every request must answer 201 with the price charged. Afterwards the ledger
is replayed with the CLI's `ledger verify`, and entitlements are counted against the 201s.

The 32 clients are asyncio tasks in this one process, so the load generator does not take the CPU
the server needs. `--client raw` (default) writes the requests and reads the responses itself
(status line, `content-length`, JSON body); `--client httpx` uses `httpx.AsyncClient` instead
(about ten times the client CPU per request).

`--mode service` calls `commerce.service.unlock_with_coins` directly from 32 threads (spread over
`--workers` processes) instead, measuring the money path without HTTP.

Besides throughput and latency, each run reports the CPU time per unlock of the server processes,
of the PostgreSQL backends serving the bench database and of the load generator (from /proc), the
load average during the run, and how much CPU other processes on the machine took meanwhile, so
figures taken on a shared machine can be judged. `--profile DIR` records the server with py-spy
(when installed; CPU samples holding the GIL) and prints where the time goes.

    PYTHONPATH=src .venv/bin/python bench/unlocks.py [--backend both|postgres|sqlite]
        [--clients 32] [--per-client 60] [--workers 2] [--mode http|service]
        [--client raw|httpx] [--repeat 1] [--profile DIR]

Prints a table and writes `bench/results/unlocks.json` (the median run of each repeat set).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text

from cliffhanger import migrate
from cliffhanger.accounts import service as accounts
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus
from cliffhanger.commerce import ledger, service
from cliffhanger.commerce.models import Entitlement, LotKind
from cliffhanger.config import Settings
from cliffhanger.db import new_id
from cliffhanger.runtime import Runtime, install

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("CLIFFHANGER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PRICE = 10
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    backend: str
    mode: str
    client: str
    clients: int
    unlocks: int
    errors: int
    seconds: float
    unlocks_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    entitlements: int
    verify_ok: bool
    verify_output: str
    server_workers: int
    cpu_ms_per_unlock: dict[str, float] = field(default_factory=dict)
    """CPU time per unlock: `server` (uvicorn processes or service processes), `postgres` (the
    backends of the bench database), `client` (the load generator)."""
    load_avg: dict[str, float] = field(default_factory=dict)
    """1-minute load average at the start, mean and max over the run (2 s samples)."""
    machine_cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds the whole machine used during the run, and the part the bench did not."""


# --- measuring the machine ------------------------------------------------------------------------

def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _tree(pid: int) -> list[int]:
    """`pid` and every live descendant."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children[ppid].append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _pg_backends(database: str) -> list[int]:
    """Backend processes serving `database` (their title is `postgres: user db host ...`)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            except OSError:
                continue
            if cmd.startswith("postgres: ") and f" {database} " in cmd:
                out.append(int(entry.name))
    return out


def _machine_busy() -> float:
    """CPU seconds every process on the machine used so far (all CPUs, /proc/stat)."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return (sum(parts[:8]) - idle) / TICK


class Meter:
    """CPU of the server, the database and this process, machine CPU and load during one run."""

    def __init__(self, server_pid: int | None, database: str | None) -> None:
        self.server_pid, self.database = server_pid, database
        self.loads: list[float] = []
        self._stop = threading.Event()

    def _server(self) -> dict[int, float]:
        pids = _tree(self.server_pid) if self.server_pid else []
        return {p: _proc_cpu(p) for p in pids}

    def _db(self) -> dict[int, float]:
        return {p: _proc_cpu(p) for p in _pg_backends(self.database)} if self.database else {}

    def __enter__(self) -> Meter:
        self.server0, self.db0 = self._server(), self._db()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.client0 = usage.ru_utime + usage.ru_stime
        self.machine0 = _machine_busy()
        self.load0 = os.getloadavg()[0]
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(2.0):
            self.loads.append(os.getloadavg()[0])

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.loads.append(os.getloadavg()[0])
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.client_s = usage.ru_utime + usage.ru_stime - self.client0
        self.machine_s = _machine_busy() - self.machine0
        server1, db1 = self._server(), self._db()
        self.server_s = sum(v - self.server0.get(p, 0.0) for p, v in server1.items())
        self.db_s = sum(v - self.db0.get(p, 0.0) for p, v in db1.items())

    def report(self, unlocks: int, seconds: float, extra_server_s: float = 0.0
               ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        n = max(1, unlocks)
        server_s = self.server_s + extra_server_s
        cpu = {"server": round(1000 * server_s / n, 3), "postgres": round(1000 * self.db_s / n, 3),
               "client": round(1000 * self.client_s / n, 3)}
        load = {"start": round(self.load0, 2), "mean": round(statistics.fmean(self.loads), 2),
                "max": round(max(self.loads), 2)}
        ours = server_s + self.db_s + self.client_s
        machine = {"seconds": round(seconds, 2), "busy_cpu_s": round(self.machine_s, 2),
                   "bench_cpu_s": round(ours, 2),
                   "others_cpu_s": round(max(0.0, self.machine_s - ours), 2),
                   "cpus": os.cpu_count() or 0}
        return cpu, load, machine


# --- database, seed, server ------------------------------------------------------------------------

@contextmanager
def database(backend: str):
    """(database URL, data dir, PostgreSQL database name) of a fresh, migrated database; dropped
    afterwards."""
    data = Path(tempfile.mkdtemp(prefix="chbench-"))
    if backend == "sqlite":
        url = f"sqlite:///{data / 'bench.db'}"
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        try:
            yield url, data, None
        finally:
            shutil.rmtree(data, ignore_errors=True)
        return
    name = f"chbench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url, data, name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(data, ignore_errors=True)


def env_for(url: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIFFHANGER_")}
    env.update({
        "CLIFFHANGER_DATA_DIR": str(data), "CLIFFHANGER_DATABASE_URL": url,
        "CLIFFHANGER_SECRET_KEY": "bench-secret-key-" + data.name,
        "CLIFFHANGER_RATE_LIMITS_ENABLED": "false", "CLIFFHANGER_QUEUE_WORKERS": "0",
        "PYTHONPATH": str(ROOT / "src"),
    })
    return env


def seed(rt: Runtime, clients: int, per_client: int) -> list[tuple[str, list[str]]]:
    """One series with `clients * per_client` locked episodes; each viewer gets its own slice."""
    with rt.db.session() as session:
        org, _key = accounts.create_organisation(session, "Bench Studio")
        series = catalog.create_series(session, org, title="Bench", free_episodes=0,
                                       price_coins=PRICE)
        episode_ids = []
        for n in range(1, clients * per_client + 1):
            ep = Episode(id=new_id(), series_id=series.id, number=n, title=f"E{n}",
                         status=EpisodeStatus.ready, master_key="masters/x",
                         master_sha256="0" * 64, width=360, height=640, duration_s=60.0,
                         hls_prefix=f"hls/bench/{n}")
            session.add(ep)
            episode_ids.append(ep.id)
        session.flush()
    out = []
    for i in range(clients):
        with rt.db.session() as session:
            viewer, _ = accounts.create_viewer(session, rt.settings.signing_key)
            ledger.grant_coins(session, viewer.id, per_client * PRICE, lot_kind=LotKind.paid,
                               key=f"bench:{viewer.id}")
        out.append((viewer.id, episode_ids[i * per_client:(i + 1) * per_client]))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(env: dict[str, str], workers: int):
    """(base URL, process id) of uvicorn serving the app until the block ends."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "cliffhanger.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--loop", "uvloop", "--http", "httptools",
         "--log-level", "warning", "--no-access-log"],
        env=env, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- the HTTP load generator -----------------------------------------------------------------------

class Http1:
    """One HTTP/1.1 keep-alive connection: writes a request, reads status, headers and a
    `content-length` body. Enough for the JSON answers of this app, and cheap on CPU."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}",
                f"content-length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if "content-length" not in fields:
            raise RuntimeError(f"answer without content-length: {lines[:6]}")
        payload = await self.reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class HttpxClient:
    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=60)

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, bytes]:
        r = await self.http.request(method, path, headers=headers, content=body)
        return r.status_code, r.content

    async def close(self) -> None:
        await self.http.aclose()


async def _http_clients(url: str, signing_key: bytes, jobs: list[tuple[str, list[str]]],
                        kind: str) -> tuple[list[float], int, float]:
    host, port = url.removeprefix("http://").split(":")
    start = asyncio.Event()
    latencies: list[float] = []
    errors = [0]
    ready = [0]
    all_ready = asyncio.Event()

    async def client(viewer_id: str, episodes: list[str]) -> None:
        http: Http1 | HttpxClient = Http1(host, int(port)) if kind == "raw" else HttpxClient(url)
        headers = {"authorization": f"Bearer {accounts.viewer_token(signing_key, viewer_id)}",
                   "content-type": "application/json"}
        try:
            await http.request("GET", "/healthz", {})  # open the connection before the clock
            ready[0] += 1
            if ready[0] == len(jobs):
                all_ready.set()
            await start.wait()
            for ep in episodes:
                body = json.dumps({"episode_id": ep, "method": "coins",
                                   "idempotency_key": uuid.uuid4().hex}).encode()
                t0 = time.perf_counter()
                status, payload = await http.request("POST", "/api/v1/unlocks", headers, body)
                latencies.append(time.perf_counter() - t0)
                ok = status == 201
                if ok:
                    answer = json.loads(payload)
                    ok = answer["episode_id"] == ep and answer["charged_coins"] == PRICE
                if not ok:
                    if not errors[0]:
                        print("unlock failed:", status, payload[:300], file=sys.stderr)
                    errors[0] += 1
        finally:
            await http.close()

    tasks = [asyncio.create_task(client(v, eps)) for v, eps in jobs]
    await asyncio.wait_for(all_ready.wait(), 60)
    t0 = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return latencies, errors[0], time.perf_counter() - t0


def run_http(url: str, signing_key: bytes, jobs: list[tuple[str, list[str]]],
             kind: str) -> tuple[list[float], int, float]:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_http_clients(url, signing_key, jobs, kind))
    return uvloop.run(_http_clients(url, signing_key, jobs, kind))


# --- service mode ------------------------------------------------------------------------------------

def run_threads(jobs: list[Any], worker) -> tuple[list[float], int, float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs) + 1)

    def client(job: Any) -> None:
        mine, bad = worker(job, barrier)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def service_worker(rt: Runtime):  # type: ignore[no-untyped-def]
    def work(job: tuple[str, list[str]], barrier: threading.Barrier) -> tuple[list[float], int]:
        viewer_id, episodes = job
        out, bad = [], 0
        barrier.wait()
        for ep in episodes:
            t0 = time.perf_counter()
            try:
                with rt.db.session() as session:
                    ok = service.unlock_with_coins(session, viewer_id, ep, uuid.uuid4().hex,
                                                   settings=rt.settings).created
            except Exception as exc:
                if not bad:
                    print("unlock failed:", repr(exc)[:300], file=sys.stderr)
                ok = False
            out.append(time.perf_counter() - t0)
            bad += not ok
        return out, bad

    return work


def _service_shard(url: str, data: str, secret: str, jobs: list[tuple[str, list[str]]],
                   start_at: float) -> tuple[list[float], int, float, float, float]:
    """One process of `--mode service`: its share of the clients as threads."""
    settings = Settings(data_dir=Path(data), database_url=url, secret_key=secret,
                        queue_workers=0, rate_limits_enabled=False)
    rt = install(Runtime.build(settings))
    time.sleep(max(0.0, start_at - time.time()))  # every process starts at the same moment
    cpu0 = time.process_time()
    began = time.time()
    latencies, errors, _seconds = run_threads(jobs, service_worker(rt))
    ended = time.time()
    cpu = time.process_time() - cpu0
    rt.close()
    return latencies, errors, began, ended, cpu


def service_processes(url: str, data: Path, env: dict[str, str],
                      jobs: list[tuple[str, list[str]]], processes: int
                      ) -> tuple[list[float], int, float, float]:
    """Run the clients as threads spread over `processes` processes (the GIL caps one process)."""
    from concurrent.futures import ProcessPoolExecutor

    shards = [jobs[i::processes] for i in range(processes)]
    start_at = time.time() + 3.0
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_service_shard, [url] * processes, [str(data)] * processes,
                                [env["CLIFFHANGER_SECRET_KEY"]] * processes, shards,
                                [start_at] * processes))
    latencies = [x for r in results for x in r[0]]
    errors = sum(r[1] for r in results)
    cpu = sum(r[4] for r in results)
    return latencies, errors, max(r[3] for r in results) - min(r[2] for r in results), cpu


# --- profile -----------------------------------------------------------------------------------------

PROFILE_STEPS = [  # (label, frame substring): each sample goes to the innermost match
    ("auth dependency (token, viewer row)", "deps.py"),
    ("unlock: episode + viewer", "_episode_facts ("),
    ("unlock: wallet lock", "lock_wallet ("),
    ("unlock: entitlements + context + lots", "_unlock_reads ("),
    ("unlock: context", "unlock_context ("),
    ("unlock: price lock", "lock_price_at ("),
    ("unlock: spend (transfers, draws, lots)", "spend_coins ("),
    ("unlock: rest of unlock_with_coins", "unlock_with_coins ("),
    ("transaction begin/commit, pool", "db.py"),
    ("endpoint (response model)", "commerce/api.py"),
    ("fastapi: dependencies", "solve_dependencies ("),
    ("fastapi: request/response", "fastapi/routing.py"),
    ("app middleware", "cliffhanger/app.py"),
    ("starlette", "starlette/"),
    ("uvicorn http", "uvicorn/protocols"),
    ("threadpool hand-off (anyio)", "anyio/"),
    ("event loop", "asyncio/"),
]


def profile_breakdown(path: Path) -> list[tuple[str, float]]:
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        total += int(n)
        label = "other"
        for frame in reversed(frames):
            found = next((name for name, mark in PROFILE_STEPS if mark in frame), None)
            if found:
                label = found
                break
        counts[label] += int(n)
    return [(k, round(100 * v / max(1, total), 1)) for k, v in counts.most_common()]


@contextmanager
def profiler(pid: int, out: Path | None):
    if out is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out.mkdir(parents=True, exist_ok=True)
    raw = out / f"server-{pid}.txt"
    proc = subprocess.Popen([spy, "record", "--subprocesses", "--gil", "--rate", "250",
                             "--format", "raw", "--nonblocking", "-o", str(raw),
                             "--pid", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        if raw.exists():
            print(f"profile ({raw}):")
            for label, pct in profile_breakdown(raw):
                print(f"  {pct:5.1f}%  {label}")


# --- one run -----------------------------------------------------------------------------------------

def verify(env: dict[str, str]) -> tuple[bool, str]:
    r = subprocess.run([sys.executable, "-m", "cliffhanger.cli", "ledger", "verify"], env=env,
                       capture_output=True, text=True, timeout=600)
    lines = (r.stdout + r.stderr).strip().splitlines()
    return r.returncode == 0, lines[-1] if lines else ""


def bench(backend: str, mode: str, client: str, clients: int, per_client: int, workers: int,
          profile: Path | None = None) -> Result:
    with database(backend) as (url, data, pg_name):
        env = env_for(url, data)
        settings = Settings(data_dir=data, database_url=url,
                            secret_key=env["CLIFFHANGER_SECRET_KEY"], queue_workers=0,
                            rate_limits_enabled=False)
        rt = install(Runtime.build(settings))
        jobs = seed(rt, clients, per_client)
        rt.db.engine.dispose()  # the seeding connections are not the bench's
        extra_server = 0.0
        if mode == "http":
            with server(env, workers) as (url_, pid), profiler(pid, profile), \
                    Meter(pid, pg_name) as meter:
                latencies, errors, seconds = run_http(url_, settings.signing_key, jobs, client)
        else:
            with Meter(None, pg_name) as meter:
                latencies, errors, seconds, extra_server = service_processes(
                    url, data, env, jobs, workers)
        with rt.db.session() as session:
            entitlements = session.scalar(select(func.count()).select_from(Entitlement)) or 0
        rt.close()
        ok, output = verify(env)
    ms = sorted(x * 1000 for x in latencies)
    done = len(ms) - errors
    cpu, load, machine = meter.report(done, seconds, extra_server)
    if mode == "service":
        cpu["client"] = 0.0  # the service processes are both client and server
    return Result(
        backend=backend, mode=mode, client=client if mode == "http" else "threads",
        clients=clients, unlocks=done, errors=errors,
        seconds=round(seconds, 3), unlocks_per_s=round(done / seconds, 1),
        p50_ms=round(statistics.median(ms), 2), p99_ms=round(ms[int(len(ms) * 0.99) - 1], 2),
        max_ms=round(ms[-1], 2), entitlements=int(entitlements),
        verify_ok=ok and entitlements == done, verify_output=output,
        server_workers=workers, cpu_ms_per_unlock=cpu, load_avg=load, machine_cpu=machine,
    )


def line(r: Result) -> str:
    cpu = r.cpu_ms_per_unlock
    return (f"{r.backend:9s} {r.mode:7s} {r.unlocks:6d} unlocks in {r.seconds:6.2f}s "
            f"= {r.unlocks_per_s:6.1f}/s  p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms  "
            f"errors {r.errors}  verify {'ok' if r.verify_ok else 'FAILED'}  "
            f"cpu/unlock server {cpu['server']:.2f} pg {cpu['postgres']:.2f} "
            f"client {cpu['client']:.2f} ms  load {r.load_avg['mean']:.1f} "
            f"(max {r.load_avg['max']:.1f})  others {r.machine_cpu['others_cpu_s']:.1f} cpu-s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["both", "postgres", "sqlite"], default="both")
    parser.add_argument("--mode", choices=["http", "service"], default="http")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--per-client", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2,
                        help="uvicorn worker processes (http), client processes (service)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per backend; the median "
                        "run by throughput is kept")
    parser.add_argument("--profile", type=Path, help="record the server with py-spy into DIR")
    parser.add_argument("--no-write", action="store_true", help="do not update the results")
    args = parser.parse_args()
    backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    kept: list[tuple[Result, list[Result]]] = []
    for backend in backends:
        runs = []
        for _ in range(args.repeat):
            result = bench(backend, args.mode, args.client, args.clients, args.per_client,
                           args.workers, args.profile)
            runs.append(result)
            print(line(result), flush=True)
            if not result.verify_ok:
                print("  ledger verify:", result.verify_output, flush=True)
        runs_by_speed = sorted(runs, key=lambda r: r.unlocks_per_s)
        kept.append((runs_by_speed[len(runs) // 2], runs))
    ok = all(r.verify_ok and r.errors == 0 for _median, runs in kept for r in runs)
    if args.no_write:
        return 0 if ok else 1
    out = ROOT / "bench" / "results" / "unlocks.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    results = previous.get("runs", {}) if isinstance(previous, dict) else {}
    for median, runs in kept:
        results[f"{median.backend}-{median.mode}"] = {
            **asdict(median),
            "repeats": [{"unlocks_per_s": r.unlocks_per_s, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms,
                         "load_mean": r.load_avg["mean"], "verify_ok": r.verify_ok}
                        for r in runs],
        }
    out.write_text(json.dumps({
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "runs": results,
    }, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
